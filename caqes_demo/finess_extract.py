"""Write the register of one year as an official FINESS open-data extract (etalab cs1100507).

Layout of the published file: no header; a first line ``finess;etalab;<n>;<YYYY-MM-DD>``;
one ``structureet`` row per establishment (31 fields after the row type, the last one,
``numuai``, empty, hence the trailing ``;``); then one ``geolocalisation`` row per
establishment (nofinesset, coordxet, coordyet, sourcecoordet, datemaj). UTF-8, ``\\n``.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

from caqes_demo import categories as cat
from caqes_demo.france_places import LIBELLES as DEPARTEMENTS
from caqes_demo.places import lambert93, utm
from caqes_demo.register import Etablissement, Registre

STRUCTUREET_FIELDS = (
    "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie", "voie",
    "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement", "telephone",
    "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret", "codeape", "codemft",
    "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
)
GEOLOCALISATION_FIELDS = ("nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj")
EXTRACT_VERSION = "111"  # third field of the first line, as in the published extracts
SOURCE_COORD = "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)"
# overseas: the projection of each territory (UTM zone, hemisphere) and its label in the extract
PROJECTIONS_OUTRE_MER = {
    "9A": (20, False, "EPSG:5490 RGAF09 / UTM zone 20N (Guadeloupe)"),
    "9B": (20, False, "EPSG:5490 RGAF09 / UTM zone 20N (Martinique)"),
    "9C": (22, False, "EPSG:2972 RGFG95 / UTM zone 22N (Guyane)"),
    "9D": (40, True, "EPSG:2975 RGR92 / UTM zone 40S (La Réunion)"),
    "9F": (38, True, "EPSG:4471 RGM04 / UTM zone 38S (Mayotte)"),
}


def extract_name(annee: int) -> str:
    return f"etalab-cs1100507-stock-{annee}-12-31.csv"


def _structureet(et: Etablissement, annee: int) -> list[str]:
    if et.kind == "clcc":
        mft, sph = ("", ""), ("", "")
    elif et.public:
        mft, sph = cat.MFT_PUBLIC, cat.SPH_PUBLIC
    else:
        mft, sph = cat.MFT_PRIVE, cat.SPH_NON_CONCERNE
    dep = et.commune.departement
    row = [
        et.finess_geo, et.ej_par_annee[annee], et.rs, et.rslongue, "", "", et.numvoie,
        et.typvoie if et.voie else "", et.voie, "", et.lieuditbp, et.commune.code_commune, dep,
        DEPARTEMENTS[dep], et.ligneacheminement, et.telephone, et.telecopie, et.categorie.code,
        et.categorie.libelle, et.categorie.agregat, et.categorie.libelle_agregat, et.siret,
        "8610Z" if et.kind != "dialyse" else "", mft[0], mft[1], sph[0], sph[1],
        et.dateouv.isoformat(), et.dateautor.isoformat(), et.datemaj(annee).isoformat(), "",
    ]
    assert len(row) == len(STRUCTUREET_FIELDS)
    return ["structureet", *row]


def _geolocalisation(et: Etablissement, annee: int) -> list[str]:
    # deterministic offset around the commune centre, stable across years
    rng = random.Random(et.finess_geo)
    projection = PROJECTIONS_OUTRE_MER.get(et.commune.departement)
    if projection:
        zone, sud, libelle = projection
        x, y = utm(et.commune.lat, et.commune.lon, zone, sud)
        source = f"1,ATLASANTE,96,BAN,{libelle}"
    else:
        x, y = lambert93(et.commune.lat, et.commune.lon)
        source = SOURCE_COORD
    x += rng.uniform(-1500, 1500)
    y += rng.uniform(-1500, 1500)
    maj = min(date(annee, 12, 31), date(annee, 1, 1).replace(month=rng.randint(1, 12), day=rng.randint(1, 28)))
    return ["geolocalisation", et.finess_geo, f"{x:.1f}", f"{y:.1f}", source, maj.isoformat()]


def render_extract(registre: Registre, annee: int) -> str:
    buf = io.StringIO()
    buf.write(f"finess;etalab;{EXTRACT_VERSION};{annee}-12-31\n")
    writer = csv.writer(buf, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    ets = sorted(registre.ets_de(annee), key=lambda e: e.finess_geo)
    for et in ets:
        writer.writerow(_structureet(et, annee))
    for et in ets:
        writer.writerow(_geolocalisation(et, annee))
    return buf.getvalue()


def write_extract(folder: Path, registre: Registre, annee: int) -> tuple[Path, int]:
    """Write the extract of ``annee``; return its path and its number of establishments."""
    path = folder / extract_name(annee)
    text = render_extract(registre, annee)
    path.write_bytes(text.encode("utf-8"))
    return path, len(registre.ets_de(annee))
