"""A small hand-made raw warehouse for the transform tests, with figures computed by hand.

Campaign 2022-2024 (the repository's référentiel), reference year N-1.
EJ1 (signed V1 2022-07-01 -> 2024-12-31):
  ET_A  NAT_1 amounts 2021 200000, 2022 220000, 2023 214500
        -> targeted 2023 (base 220000 >= 100000, growth 0.10 > 0.045);
           T = 220000 x 0.95 = 209000, a = (220000 - 214500) / (220000 - 209000) = 0.5
        -> not targeted 2022 (no 2020 value: growth not computable, 200000 <= 300000)
        MIPA 2022 0.15 > 0.12 -> targeted 2023; 2023 0.09 <= target 0.10 -> a = 1
        action plan MIPA 2023: 2 of 3 items done -> PLAN_MIPA a = 0.666667
  ET_B  CHO (higher_is_better) 2022 0.40 < 0.50 -> targeted 2023; no 2023 value -> not evaluable
  Scores 2023: NAT_PS 50.00; MIPA (1 + 0.666667) / 2 -> 83.33; IATRO not evaluable;
               V1 (50.00 + 83.33) / 2 = 66.665 -> 66.67; contract 66.67.
EJ2 (refused V1):
  ET_C  NAT_3 (rate) 2022 700 / 1000 = 0.70 > 0.60, base 1000 >= 500 -> targeted 2023, not under contract
EJ3 -> EJ4: ET_D is attached to EJ3 in the 2022 extract and to EJ4 in the 2024 extract
  (no 2023 extract: 2023 uses 2022; 2021 uses the earliest after, 2022).
  ET_D NAT_4 comes only from the phev_lines Parquet feed.
ET_E  CHIR_AMBU targeted by list (the test référentiel switches CHIR_AMBU to regle_ciblage = liste).
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
        "raison_sociale": nom, "departement": dep, "categorie": "101",
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

    def phev(geo, an, ind, montant=None, num=None, den=None, volume=None):
        return {"finess_geo": geo, "annee": an, "indicateur": ind, "montant_rembourse": montant,
                "volume": volume, "numerateur": num, "denominateur": den}

    rows["phev"] = [
        phev(ET_A, 2021, "NAT_1", D("200000.00"), volume=1000),
        phev(ET_A, 2022, "NAT_1", D("220000.00"), volume=1100),
        phev(ET_A, 2023, "NAT_1", D("214500.00"), volume=1050),
        phev(ET_C, 2022, "NAT_3", D("15000.00"), D("700"), D("1000")),
        phev(ET_C, 2023, "NAT_3", D("14000.00"), D("600"), D("1000")),
    ]

    def reg(geo, an, ind, valeur):
        return {"finess_geo": geo, "annee": an, "indicateur": ind, "valeur": valeur,
                "numerateur": None, "denominateur": None}

    rows["regional"] = [
        reg(ET_A, 2022, "MIPA", D("0.15")),
        reg(ET_A, 2023, "MIPA", D("0.09")),
        reg(ET_B, 2022, "CHO", D("0.40")),
        reg(ET_E, 2022, "CHIR_AMBU", D("0.70")),
        reg(ET_E, 2023, "CHIR_AMBU", D("0.62")),
    ]
    rows["engagements"] = [
        {"finess_geo": ET_A, "annee": 2023, "theme": "MIPA", "engagement_id": f"E{i}",
         "libelle": f"Action {i}", "realise": done}
        for i, done in ((1, True), (2, True), (3, False))
    ]
    rows["contrats"] = [
        {"finess_ej": EJ1, "volet": "V1", "statut": "signe", "date_signature": date(2022, 6, 20),
         "date_effet": date(2022, 7, 1), "date_fin": date(2024, 12, 31)},
        {"finess_ej": EJ2, "volet": "V1", "statut": "refus", "date_signature": None,
         "date_effet": None, "date_fin": None},
        {"finess_ej": EJ2, "volet": "V2", "statut": "signe", "date_signature": date(2022, 6, 1),
         "date_effet": date(2022, 7, 1), "date_fin": date(2024, 12, 31)},
    ]
    rows["produits_am"] = [{"finess_ej": EJ1, "exercice": 2023, "produits_am": D("12000000.00")}]
    rows["enveloppes"] = [{"annee": 2023, "theme": "MIPA", "montant": D("10000.00")}]
    return rows


# phev_lines: one Parquet file per partition. ET_A NAT_1 lines are shadowed by the phev row.
PHEV_LINES = {
    2022: [
        (ET_D, date(2022, 3, 1), "NAT_4", "P1", D("30000.00"), 10),
        (ET_D, date(2022, 9, 1), "NAT_4", "P2", D("30000.50"), 5),
        (ET_A, date(2022, 5, 1), "NAT_1", "X1", D("999.99"), 1),
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
