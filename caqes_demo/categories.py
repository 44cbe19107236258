"""FINESS establishment categories of the health establishments that sign a CAQES.

Codes and labels as printed in the official extract (``categetab``/``libcategetab`` and the
aggregate ``categagretab``/``libcategagretab``, nomenclature of aggregates TRE-R65), with the
funding (``codemft``) and public-service (``codesph``) fields the extract carries for them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Categorie:
    code: str
    libelle: str
    agregat: str
    libelle_agregat: str


CHR = Categorie("101", "Centre Hospitalier Régional (C.H.R.)", "1101", "Centres Hospitaliers Régionaux")
CH = Categorie("355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers")
CHS = Categorie(
    "292",
    "Centre Hospitalier Spécialisé lutte Maladies Mentales",
    "1103",
    "Centres Hospitaliers Spécialisés Lutte Maladies Mentales",
)
CLCC = Categorie("131", "Centre de Lutte Contre Cancer", "1104", "Centres de Lutte contre le Cancer")
SSR_PRIVE = Categorie(
    "109",
    "Etablissement de santé privé autorisé en SSR",
    "1107",
    "Etablissements de santé privé autorisés en SSR",
)
SOINS_PLURI = Categorie(
    "365", "Etablissement de Soins Pluridisciplinaire", "1110", "Etablissements de Soins de Courte Durée"
)
SOINS_CHIR = Categorie("128", "Etablissement de Soins Chirurgicaux", "1110", "Etablissements de Soins de Courte Durée")
SOINS_MED = Categorie("129", "Etablissement de Soins Médicaux", "1110", "Etablissements de Soins de Courte Durée")
HAD = Categorie("127", "Hospitalisation à Domicile", "1201", "Traitements et Soins à Domicile")
DIALYSE = Categorie("141", "Centre de dialyse", "1203", "Dialyse Ambulatoire")

CATEGORIES: dict[str, Categorie] = {
    c.code: c for c in (CHR, CH, CHS, CLCC, SSR_PRIVE, SOINS_PLURI, SOINS_CHIR, SOINS_MED, HAD, DIALYSE)
}

# Funding (codemft, libmft) and public hospital service (codesph, libsph) as in the extract.
MFT_PUBLIC = ("03", "ARS établissements Publics de santé dotation globale")
MFT_PRIVE = ("07", "ARS établissements de santé non financés dotation globale")
SPH_PUBLIC = ("1", "Etablissement public de santé")
SPH_NON_CONCERNE = ("0", "Non concerné")
