"""A small hand-made raw warehouse for the transform tests, with figures computed by hand.

Campaign 2022-2024 (the repository's référentiel, date_debut 2022-07-01), reference year N-1.
EJ1 (V1 proposed 01/03/2022, signed, effect 2022-07-01 -> 2024-12-31). Perimeter at signature =
targeting for 2022 on 2021:
  ET_A  NAT_1 amounts 2020 180000, 2021 200000, 2022 220000, 2023 214500
        -> in the perimeter (2021: base 200000 >= 100000, spending growth 0.111111 > 0.045);
           2023: T = 220000 x 0.95 = 209000, a = (220000 - 214500) / (220000 - 209000) = 0.5
        NAT_2 2021 260000 > 250000 -> in the perimeter; 2022 250000, no 2023 value: not evaluable
        MIPA 2021 0.14 > 0.12 -> in the perimeter; 2023 0.09 <= target 0.10 -> a = 1
        avenant de retrait MIPA signed 15/11/2023 -> out of the perimeter from 2024
        action plan MIPA 2023: 2 of 3 items done -> PLAN_MIPA a = 0.666667, under contract;
        PLAN_ATB 2023 (ATB not in ET_A's perimeter) and PLAN_MIPA 2024 (after the retrait):
        reported, not under contract
        national savings period 2022 from 01/07/2022: NAT_1 has phev_lines in 2021 and 2022
        -> lignes_phev, 4500.00 (Jul-Dec 2022) against 2500.00 (Jul-Dec 2021); NAT_2 has no
        lines -> prorata_jours
  ET_B  CHO (higher_is_better) 2021 0.40 < 0.50 -> in the perimeter; 2022 0.55: no longer
        targeted for 2023, still in the perimeter (signature); no 2023 value -> not evaluable
        avenant d'ajout ATB signed 12/10/2022 -> in the perimeter from 2023 only (no values)
  Scores 2023: NAT_PS 50.00 (NAT_2 not evaluable); MIPA (1 + 0.666667) / 2 -> 83.33;
               IATRO and ATB not evaluable; V1 (50.00 + 83.33) / 2 = 66.665 -> 66.67;
               contract 66.67.
EJ2: V1 refused twice (proposals 01/03/2022 and 01/02/2024): a refusal to sanction in 2022 and
  2024, not in 2023. V2 signed without a proposal date (-> campaign start 01/07/2022),
  résiliation signed 10/05/2023 -> the volet ends 31/12/2023.
  ET_C  NAT_3 (rate) 2022 700 / 1000 = 0.70 > 0.60, base 1000 >= 500 -> targeted 2023, not under
        contract (refused). NAT_6 (share): value 2021 0.18 -> 2022 0.166667 (fell) while its
        spending rose 90000 -> 100000 (+0.111111 > 0.022): targeted 2023 on spending growth.
  ET_E  CHIR_AMBU targeted by list (the test référentiel switches CHIR_AMBU to regle_ciblage =
        liste): in the V2 perimeter 2022-2023, not 2024.
EJ3 -> EJ4: ET_D is attached to EJ3 in the 2022 extract and to EJ4 in the 2024 extract
  (no 2023 extract: 2023 uses 2022; 2021 uses the earliest after, 2022).
  ET_D NAT_4 comes only from the phev_lines Parquet feed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from caqes_tasks.finess.numbers import luhn_key
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.warehouse.schema import create_schemas


def finess(prefix8: str) -> str:
    return prefix8 + luhn_key(prefix8)


EJ1, EJ2, EJ3, EJ4 = finess("33000001"), finess("33000002"), finess("33000003"), finess("33000004")
ET_A, ET_B, ET_C, ET_D, ET_E = (finess(f"3300010{i}") for i in range(1, 6))

D = Decimal


def referentiel_tables() -> dict[str, list[dict]]:
    """The campaign référentiel's raw.ref_* rows, with CHIR_AMBU targeted by an explicit list."""
    tables = load_referentiel().tables()
    for row in tables["ref_indicateur"]:
        if row["indicateur"] == "CHIR_AMBU":
            row["regle_ciblage"] = "liste"
    tables["ref_ciblage_liste"].append(
        {"campagne": tables["ref_campagne"][0]["campagne"], "indicateur": "CHIR_AMBU", "finess_geo": ET_E}
    )
    return tables


def _finess_row(annee: int, geo: str, ej: str, nom: str, dep: str = "33") -> dict:
    return {
        "extract_date": date(annee, 1, 15), "annee": annee, "finess_geo": geo, "finess_ej": ej,
        "raison_sociale": nom, "departement": dep, "commune": "063", "categorie": "101",
        "libelle_categorie": "Centre Hospitalier Régional",
    }


def raw_rows() -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    fin = []
    for an in (2022, 2024):
        fin += [
            _finess_row(an, EJ1, EJ1, "CHU UN (siège)"),
            _finess_row(an, ET_A, EJ1, "CHU UN site A"),
            _finess_row(an, ET_B, EJ1, "CHU UN site B"),
            _finess_row(an, ET_C, EJ2, "CLINIQUE C"),
            _finess_row(an, ET_E, EJ2, "CLINIQUE E"),
        ]
    fin.append(_finess_row(2022, ET_D, EJ3, "SITE D (EJ3)"))
    fin.append(_finess_row(2024, ET_D, EJ4, "SITE D (EJ4)"))
    rows["finess"] = fin
    # legal-entities extract: EJ2 only (EJ1 keeps the name of its own site line), two years
    ej2 = {"finess_ej": EJ2, "raison_sociale": "CLINIQUE DEUX", "numero_voie": "12", "complement_voie": "B",
           "type_voie": "R", "voie": "DES LILAS", "lieu_dit_bp": "BP 12", "commune": "063", "departement": "33",
           "ligne_acheminement": "33000 BORDEAUX", "statut_juridique": "95",
           "libelle_statut_juridique": "Société par Actions Simplifiée (S.A.S.)", "siren": "123456782"}
    rows["finess_ej"] = [
        {**ej2, "extract_date": date(2022, 1, 15), "annee": 2022, "raison_sociale_longue": "CLINIQUE DEUX SAS"},
        {**ej2, "extract_date": date(2024, 1, 15), "annee": 2024, "raison_sociale_longue": None, "lieu_dit_bp": None},
    ]

    def phev(geo, an, ind, montant=None, num=None, den=None, volume=None):
        return {"finess_geo": geo, "annee": an, "indicateur": ind, "montant_rembourse": montant,
                "volume": volume, "numerateur": num, "denominateur": den}

    rows["phev"] = [
        phev(ET_A, 2020, "NAT_1", D("180000.00"), volume=900),
        phev(ET_A, 2021, "NAT_1", D("200000.00"), volume=1000),
        phev(ET_A, 2022, "NAT_1", D("220000.00"), volume=1100),
        phev(ET_A, 2023, "NAT_1", D("214500.00"), volume=1050),
        phev(ET_A, 2021, "NAT_2", D("260000.00"), volume=2600),
        phev(ET_A, 2022, "NAT_2", D("250000.00"), volume=2500),
        phev(ET_C, 2022, "NAT_3", D("15000.00"), D("700"), D("1000")),
        phev(ET_C, 2023, "NAT_3", D("14000.00"), D("600"), D("1000")),
        phev(ET_C, 2021, "NAT_6", D("90000.00"), D("90000"), D("500000")),
        phev(ET_C, 2022, "NAT_6", D("100000.00"), D("100000"), D("600000")),
    ]

    def reg(geo, an, ind, valeur):
        return {"finess_geo": geo, "annee": an, "indicateur": ind, "valeur": valeur,
                "numerateur": None, "denominateur": None}

    rows["regional"] = [
        reg(ET_A, 2021, "MIPA", D("0.14")),
        reg(ET_A, 2022, "MIPA", D("0.15")),
        reg(ET_A, 2023, "MIPA", D("0.09")),
        reg(ET_B, 2021, "CHO", D("0.40")),
        reg(ET_B, 2022, "CHO", D("0.55")),
        reg(ET_E, 2022, "CHIR_AMBU", D("0.70")),
        reg(ET_E, 2023, "CHIR_AMBU", D("0.62")),
    ]
    def engagement(an, theme, i, done):
        return {"finess_geo": ET_A, "annee": an, "theme": theme, "engagement_id": f"E{i}",
                "libelle": f"Action {i}", "realise": done}

    rows["engagements"] = [
        *(engagement(2023, "MIPA", i, done) for i, done in ((1, True), (2, True), (3, False))),
        engagement(2023, "ATB", 1, True),
        engagement(2024, "MIPA", 1, True),
    ]
    rows["contrats"] = [
        {"finess_ej": EJ1, "volet": "V1", "statut": "signe", "date_proposition": date(2022, 3, 1),
         "date_signature": date(2022, 6, 20), "date_effet": date(2022, 7, 1), "date_fin": date(2024, 12, 31)},
        {"finess_ej": EJ2, "volet": "V1", "statut": "refus", "date_proposition": date(2022, 3, 1),
         "date_signature": None, "date_effet": None, "date_fin": None},
        {"finess_ej": EJ2, "volet": "V1", "statut": "refus", "date_proposition": date(2024, 2, 1),
         "date_signature": None, "date_effet": None, "date_fin": None},
        {"finess_ej": EJ2, "volet": "V2", "statut": "signe", "date_proposition": None,
         "date_signature": date(2022, 6, 1), "date_effet": date(2022, 7, 1), "date_fin": date(2024, 12, 31)},
    ]

    def avenant(ej, volet, geo, ind, action, signed, motif):
        return {"finess_ej": ej, "volet": volet, "finess_geo": geo, "indicateur": ind,
                "action": action, "date_signature": signed, "motif": motif}

    rows["avenants"] = [
        avenant(EJ1, "V1", ET_B, "ATB", "ajout", date(2022, 10, 12), "consommation d'antibiotiques en hausse"),
        avenant(EJ1, "V1", ET_A, "MIPA", "retrait", date(2023, 11, 15), "objectif atteint"),
        avenant(EJ2, "V2", None, None, "resiliation", date(2023, 5, 10), "fin de l'activité de chirurgie"),
    ]
    rows["produits_am"] = [{"finess_ej": EJ1, "exercice": 2023, "produits_am": D("12000000.00")}]
    rows["enveloppes"] = [{"annee": 2023, "theme": "MIPA", "montant": D("10000.00")}]
    return rows


# phev_lines: one Parquet file per partition. ET_A NAT_1 lines are shadowed by the phev row for
# the yearly amounts; they give the exact first-year period (July-December) of the savings.
PHEV_LINES = {
    2021: [
        (ET_A, date(2021, 3, 10), "NAT_1", "X1", D("1000.00"), 1),
        (ET_A, date(2021, 8, 20), "NAT_1", "X1", D("2000.00"), 2),
        (ET_A, date(2021, 12, 5), "NAT_1", "X2", D("500.00"), 1),
    ],
    2022: [
        (ET_D, date(2022, 3, 1), "NAT_4", "P1", D("30000.00"), 10),
        (ET_D, date(2022, 9, 1), "NAT_4", "P2", D("30000.50"), 5),
        (ET_A, date(2022, 5, 1), "NAT_1", "X1", D("999.99"), 1),
        (ET_A, date(2022, 7, 15), "NAT_1", "X1", D("3000.00"), 3),
        (ET_A, date(2022, 11, 30), "NAT_1", "X2", D("1500.00"), 1),
    ],
    2023: [
        (ET_D, date(2023, 2, 1), "NAT_4", "P1", D("20000.00"), 4),
        (ET_D, date(2023, 6, 1), "NAT_4", "P3", D("12000.25"), 2),
    ],
}


def write_phev_lines(landing: Path, annee: int) -> Path:
    """Write partition annee=<annee> of the phev_lines feed (Parquet) and return its file."""
    folder = landing / "phev_lines" / f"annee={annee}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "part-0.parquet"
    con = duckdb.connect()
    try:
        con.execute(
            "create table l (finess_geo varchar, date_execution date, indicateur varchar, code varchar, "
            "montant_rembourse decimal(18,2), quantite bigint)"
        )
        con.executemany("insert into l values (?, ?, ?, ?, ?, ?)", PHEV_LINES[annee])
        con.execute(f"copy l to '{target}' (format parquet)")
    finally:
        con.close()
    return target


def load_phev_lines(warehouse: Path, files: list[Path]) -> None:
    """Aggregate phev_lines files into raw.phev_lines_agg as the ingest stage does once they are accepted."""
    from caqes_tasks.ingest.phev_lines import aggregate_files

    con = duckdb.connect(str(warehouse))
    try:
        aggregate_files(con, files)
    finally:
        con.close()


def insert_rows(con, table: str, rows: list[dict], lineage: bool = True) -> None:
    if not rows:
        return
    cols = [c[1] for c in con.execute(f"pragma table_info('raw.{table}')").fetchall()]
    data = []
    for i, r in enumerate(rows, start=1):
        full = dict(r)
        if lineage:
            full.setdefault("_file", f"{table}/fixture.csv")
            full.setdefault("_sha256", "0" * 64)
            full.setdefault("_line", i + 1)
        data.append([full.get(c) for c in cols])
    con.executemany(f"insert into raw.{table} values ({', '.join('?' for _ in cols)})", data)


def build_raw_warehouse(warehouse: Path) -> None:
    """Create the warehouse tables and load the fixture rows and the référentiel."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        create_schemas(con)
        for table, rows in raw_rows().items():
            insert_rows(con, table, rows)
        for table, rows in referentiel_tables().items():
            insert_rows(con, table, rows, lineage=False)
    finally:
        con.close()
