"""Write the legal entities (EJ) of one register year as the official FINESS extract cs1100501.

Layout of the published file, read unchanged: a first line ``finess;etalab;<n>;<YYYY-MM-DD>``
(the extract date, whose year is the register year); then one ``structureej`` row per EJ, 23
values and a trailing ``;``. UTF-8, ``\\n``. The EJs of a year are those the establishment
extract of the same year attaches an ET to; each EJ's address, telephone and SIREN are those of
its head site (its first establishment), so names and numbers agree with the ET extract.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from caqes_demo.finess_extract import DEPARTEMENTS, EXTRACT_VERSION
from caqes_demo.register import EntiteJuridique, Etablissement, Registre, _longue

STRUCTUREEJ_FIELDS = (
    "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie", "voie", "compvoie",
    "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement", "telephone", "telecopie",
    "statutjuridique", "libstatutjuridique", "siren", "codeape", "datecrea", "datemaj",
)
# FINESS legal status per kind of entity (statutjuridique, libstatutjuridique)
STATUTS = {
    "chu": ("13", "Etablissement Public Régional d'Hospitalisation"),
    "ch": ("11", "Etablissement Public Communal d'Hospitalisation"),
    "chs": ("10", "Etablissement Public Départemental d'Hospitalisation"),
    "clcc": ("63", "Fondation"),
    "dialyse": ("60", "Association Loi 1901 non Reconnue d'Utilité Publique"),
    "clinique": ("95", "Société par Actions Simplifiée (S.A.S.)"),
    "ssr": ("95", "Société par Actions Simplifiée (S.A.S.)"),
    "had": ("95", "Société par Actions Simplifiée (S.A.S.)"),
}
STATUT_ASSOCIATION = ("60", "Association Loi 1901 non Reconnue d'Utilité Publique")


def extract_name(annee: int) -> str:
    return f"etalab-cs1100501-stock-{annee}1231-0300.csv"


def sieges(registre: Registre) -> dict[str, Etablissement]:
    """EJ -> its head site: the first establishment attached to it in its first register year."""
    out: dict[str, Etablissement] = {}
    for et in registre.ets:
        out.setdefault(et.ej_par_annee[min(et.ej_par_annee)], et)
    return out


def _statut(ej: EntiteJuridique) -> tuple[str, str]:
    if ej.kind == "had" and ej.public:
        return STATUTS["ch"]
    return STATUTS.get(ej.kind, STATUT_ASSOCIATION)


def _structureej(ej: EntiteJuridique, siege: Etablissement, ets: list[Etablissement], annee: int) -> list[str]:
    dep = siege.commune.departement
    statut, libelle = _statut(ej)
    rs = ej.raison_sociale[:38].rstrip()
    row = [
        ej.finess_ej, rs, _longue(ej.raison_sociale), "", "", siege.numvoie, siege.typvoie if siege.voie else "",
        siege.voie, "", siege.lieuditbp, siege.commune.code_commune, dep, DEPARTEMENTS[dep],
        siege.ligneacheminement, siege.telephone, siege.telecopie, statut, libelle, siege.siret[:9], "8610Z",
        min(et.dateouv for et in ets).isoformat(), max(et.datemaj(annee) for et in ets).isoformat(),
    ]
    assert len(row) == len(STRUCTUREEJ_FIELDS)
    return ["structureej", *row, ""]


def render_extract(registre: Registre, annee: int) -> str:
    buf = io.StringIO()
    buf.write(f"finess;etalab;{EXTRACT_VERSION};{annee}-12-31\n")
    writer = csv.writer(buf, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    tete = sieges(registre)
    ets_de: dict[str, list[Etablissement]] = {}
    for et in registre.ets_de(annee):
        ets_de.setdefault(et.ej_par_annee[annee], []).append(et)
    for numero in sorted(ets_de):
        siege = tete.get(numero)
        if siege is None or siege.ej_par_annee.get(annee) != numero:  # the head site left: the next one
            siege = ets_de[numero][0]
        writer.writerow(_structureej(registre.ej(numero), siege, ets_de[numero], annee))
    return buf.getvalue()


def write_extract(folder: Path, registre: Registre, annee: int) -> tuple[Path, int]:
    """Write the EJ extract of ``annee``; return its path and its number of EJs."""
    text = render_extract(registre, annee)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / extract_name(annee)
    path.write_bytes(text.encode("utf-8"))
    return path, text.count("\nstructureej;")
