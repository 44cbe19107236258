"""What a simulation may change (``--set cle=valeur``), checked against the legal limits.

Keys (values as a French user writes them: ``0,25`` or ``0.25``; money in euros):

- ``enveloppe.<THEME>``        regional envelope of a theme (euros, >= 0, at most 2 decimals)
- ``part_nationale``           national share of every national indicator, in [0, 1]
- ``part_nationale.<IND>``     national share of one national indicator, in [0, 1]
- ``formule``                  national formula: ``proportionnelle`` or ``seuil``
- ``seuil_atteinte``           attainment threshold of the ``seuil`` formula, in [0, 1]
- ``sanction.refus``, ``sanction.non_atteinte``   sanction path on or off (``oui`` / ``non``)
- ``non_atteinte_taux``        non-attainment rate, in [0, 1 %] (L162-30-4)
- ``impact``                   non-attainment limited by the impact on spending: ``depenses`` / ``aucun``
- ``modulation.<FINESS_EJ>``   DG ARS modulation coefficient of an EJ, in [0, 1], or ``aucune``

A legal number (the 1 % refusal rate, the 1 % per volet and 5 % per year caps, the 30 %
reduction) is not a parameter: a key naming one is refused, as is any value outside its range.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.outcomes.vocabulary import Formule
from caqes_tasks.referentiel import IMPACTS, Referentiel

CLES = ("enveloppe.<THEME>", "part_nationale", "part_nationale.<INDICATEUR>", "formule", "seuil_atteinte",
        "sanction.refus", "sanction.non_atteinte", "non_atteinte_taux", "impact", "modulation.<FINESS_EJ>")
#: keys a user might try that name a number fixed by law
LEGAUX = {
    "taux_refus": "le taux de la sanction de refus est fixé à 1 % des produits AM (L162-30-2)",
    "plafond_volet": "le plafond de 1 % par volet est fixé par la loi (L162-30-4)",
    "plafond_annuel": "le plafond annuel de 5 % des produits AM est fixé par la loi (L162-30-2, L162-30-4)",
    "plafond_global": "le plafond annuel de 5 % des produits AM est fixé par la loi (L162-30-2, L162-30-4)",
    "taux_liste_en_sus": "la réduction liste en sus est plafonnée à 30 % par la loi (L162-30-2, L162-30-4)",
}
OUI = {"oui", "true", "1", "on", "actif", "active"}
NON = {"non", "false", "0", "off", "inactif", "inactive"}


class ParametreRefuse(ValueError):
    """A ``--set`` the simulation refuses; the message is the one line the user sees."""


@dataclass(frozen=True)
class Parametres:
    """The changes of one simulation (only what the user set; an empty one changes nothing)."""

    enveloppes: dict[str, Decimal] = field(default_factory=dict)
    part_nationale: Decimal | None = None
    parts_indicateurs: dict[str, Decimal] = field(default_factory=dict)
    formule: str | None = None
    seuil_atteinte: Decimal | None = None
    voies: dict[str, bool] = field(default_factory=dict)
    non_atteinte_taux: Decimal | None = None
    impact: str | None = None
    modulations: dict[str, Decimal | None] = field(default_factory=dict)  # None: modulation removed
    reglages: tuple[str, ...] = ()  # the --set as given, normalised (key=value), sorted

    def decrits(self) -> list[str]:
        return list(self.reglages)


def _nombre(cle: str, texte: str) -> Decimal:
    try:
        d = Decimal(texte.strip().replace(" ", "").replace("\u202f", "").replace(",", "."))
    except InvalidOperation:
        raise ParametreRefuse(f"{cle} = « {texte} » : un nombre est attendu (par exemple 0,25)") from None
    if not d.is_finite():
        raise ParametreRefuse(f"{cle} = « {texte} » : un nombre est attendu (par exemple 0,25)")
    return d


def _proportion(cle: str, texte: str, haut: Decimal = Decimal(1), pourquoi: str = "") -> Decimal:
    d = _nombre(cle, texte)
    if not Decimal(0) <= d <= haut:
        raise ParametreRefuse(f"{cle} = {texte} : hors des limites [0 ; {haut}]{pourquoi}")
    return d


def lire(reglages: list[str] | tuple[str, ...], ref: Referentiel) -> Parametres:
    """Parse and check ``cle=valeur`` settings against the référentiel and the legal limits."""
    themes = set(ref.themes_regionaux)
    nationaux = set(ref.codes("national"))
    p: dict = {"enveloppes": {}, "parts_indicateurs": {}, "voies": {}, "modulations": {}}
    vus: dict[str, str] = {}
    for brut in reglages:
        cle, sep, valeur = str(brut).partition("=")
        cle, valeur = cle.strip(), valeur.strip()
        if not sep or not cle or not valeur:
            raise ParametreRefuse(f"réglage « {brut} » : la forme attendue est cle=valeur (clés : {', '.join(CLES)})")
        base, _, suite = cle.partition(".")
        if cle in vus and vus[cle] != valeur:
            raise ParametreRefuse(f"{cle} réglé deux fois ({vus[cle]} et {valeur})")
        vus[cle] = valeur
        if base in LEGAUX or cle in LEGAUX:
            raise ParametreRefuse(f"{cle} : non modifiable, {LEGAUX.get(cle) or LEGAUX[base]}")
        if base == "enveloppe" and suite:
            if suite not in themes:
                raise ParametreRefuse(f"{cle} : thème inconnu (thèmes à enveloppe régionale : {', '.join(sorted(themes))})")
            montant = _nombre(cle, valeur)
            if montant < 0 or montant != montant.quantize(Decimal("0.01")):
                raise ParametreRefuse(f"{cle} = {valeur} : un montant en euros positif, au centime, est attendu")
            p["enveloppes"][suite] = montant.quantize(Decimal("0.01"))
        elif cle == "part_nationale":
            p["part_nationale"] = _proportion(cle, valeur)
        elif base == "part_nationale" and suite:
            if suite not in nationaux:
                raise ParametreRefuse(f"{cle} : indicateur national inconnu (indicateurs : {', '.join(sorted(nationaux))})")
            p["parts_indicateurs"][suite] = _proportion(cle, valeur)
        elif cle == "formule":
            if valeur not in {f.value for f in Formule}:
                raise ParametreRefuse(f"formule = {valeur} : valeurs possibles {', '.join(f.value for f in Formule)}")
            p["formule"] = valeur
        elif cle == "seuil_atteinte":
            p["seuil_atteinte"] = _proportion(cle, valeur)
        elif base == "sanction" and suite in ("refus", "non_atteinte"):
            if valeur.lower() not in OUI | NON:
                raise ParametreRefuse(f"{cle} = {valeur} : oui ou non attendu")
            p["voies"][suite] = valeur.lower() in OUI
        elif cle == "non_atteinte_taux":
            p["non_atteinte_taux"] = _proportion(cle, valeur, legal.PLAFOND_NON_ATTEINTE_VOLET,
                                                 " : 1 % des produits AM par volet au plus (L162-30-4)")
        elif cle == "impact":
            if valeur not in IMPACTS:
                raise ParametreRefuse(f"impact = {valeur} : valeurs possibles {', '.join(sorted(IMPACTS))}")
            p["impact"] = valeur
        elif base == "modulation" and suite:
            if valeur.lower() == "aucune":
                p["modulations"][suite] = None
            else:
                p["modulations"][suite] = _proportion(cle, valeur, Decimal(1),
                                                      " : le DG ARS ne peut que diminuer l'intéressement")
        else:
            raise ParametreRefuse(f"réglage inconnu « {cle} » (clés : {', '.join(CLES)})")
    formule = p.get("formule") or ref.formule_nationale
    seuil = p.get("seuil_atteinte") if p.get("seuil_atteinte") is not None else ref.seuil_atteinte_nationale
    if formule == Formule.SEUIL and seuil is None:
        raise ParametreRefuse("formule = seuil : précisez seuil_atteinte (par exemple seuil_atteinte=0,8)")
    return Parametres(**p, reglages=tuple(sorted(f"{k}={v}" for k, v in vus.items())))


def appliquer(ref: Referentiel, e: Entrees, p: Parametres) -> tuple[Referentiel, Entrees]:
    """The référentiel and inputs of the simulation: ``ref`` and ``e`` with ``p``'s changes
    (neither is modified). Parameters left unset keep their published values."""
    indicateurs = []
    for ind in ref.indicateurs:
        part = p.parts_indicateurs.get(ind.code, p.part_nationale if ind.type == "national" else None)
        indicateurs.append(dataclasses.replace(ind, part_nationale=part) if part is not None else ind)
    changes: dict = {"indicateurs": tuple(indicateurs)}
    if p.part_nationale is not None:
        changes["part_nationale_defaut"] = p.part_nationale
    if p.formule is not None:
        changes["formule_nationale"] = p.formule
    if p.seuil_atteinte is not None:
        changes["seuil_atteinte_nationale"] = p.seuil_atteinte
    if p.voies:
        changes["sanctions"] = {**ref.sanctions, **p.voies}
    if p.non_atteinte_taux is not None:
        changes["non_atteinte_taux"] = p.non_atteinte_taux
    if p.impact is not None:
        changes["impact_non_atteinte"] = p.impact
    ref2 = dataclasses.replace(ref, **changes)
    modulations = dict(e.modulations)
    for ej, coef in p.modulations.items():
        if coef is None:
            modulations.pop(ej, None)
        else:
            legal.check_coefficient_modulation(coef, f"modulation.{ej}: ")
            motif = modulations.get(ej, (None, None))[1]
            modulations[ej] = (coef, motif or "simulation")
    e2 = dataclasses.replace(e, enveloppes={**e.enveloppes, **p.enveloppes}, modulations=modulations)
    return ref2, e2
