"""A small warehouse with hand-made outcome and mart rows for year 2024 (notices tests).

EJs (FINESS numbers with a valid Luhn key):
- 330000100  CH de Test-sur-Garonne: refus V2 + non-atteinte V1, decision issued after observations
             (amount reduced, lines split to the final amount), intéressement national + regional
             (modulated), two component reservations listed in the notices → 3 notices;
- 870000106  Clinique Sainte-Anne & Saint-Rémy: non-atteinte V1 capped at 1 %, notification step
             → préalable only;
- 640000105  Polyclinique de l'Adour: sanction withheld (fct_retenue 'sanction'), intéressement
             → intéressement only;
- 170000103  CH d'Oléron: intéressement withheld + an unknown retention object → nothing;
- 170000202  Clinique du Port: sanction computed, no procedure engaged yet → nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
from caqes_tasks.context import RunContext
from caqes_tasks.warehouse.schema import OUTCOME_TABLES

YEAR = 2024
AS_OF = "2025-06-16"
RUN_ID = "2024-0123456789ab"
INPUT_HASHES = {
    "phev/phev_2024.csv": "a" * 63 + "1",
    "produits_am/produits_am_2024.csv": "0123456789abcdef" * 4,
    "referentiel/caqes-2022-2024.yml": "fedcba9876543210" * 4,
}

MART_TABLES = {
    "dim_etablissement": """finess_geo VARCHAR, finess_ej VARCHAR, annee INTEGER, raison_sociale VARCHAR,
        raison_sociale_ej VARCHAR, departement VARCHAR, categorie VARCHAR, libelle_categorie VARCHAR""",
    "fct_evaluation": """finess_geo VARCHAR, finess_ej VARCHAR, annee INTEGER, indicateur VARCHAR,
        type_indicateur VARCHAR, volet VARCHAR, theme VARCHAR, sens VARCHAR, sous_contrat BOOLEAN,
        valeur DECIMAL(18,6), valeur_reference DECIMAL(18,6), objectif DECIMAL(18,6), montant DECIMAL(18,2),
        montant_reference DECIMAL(18,2), atteinte DECIMAL(9,6), evaluable BOOLEAN, motif_non_evaluable VARCHAR""",
    "fct_score": """finess_ej VARCHAR, annee INTEGER, niveau VARCHAR, code VARCHAR, volet VARCHAR,
        score DECIMAL(5,2), evaluable BOOLEAN, nb_elements INTEGER""",
}

DIM = [
    ("330000209", "330000100", "CH de Test-sur-Garonne — site Bastide", "CH de Test-sur-Garonne", "33", "355", "Centre hospitalier"),
    ("330000308", "330000100", "CH de Test-sur-Garonne — site Lormont", "CH de Test-sur-Garonne", "33", "355", "Centre hospitalier"),
    ("870000205", "870000106", "Clinique Sainte-Anne & Saint-Rémy", "Clinique Sainte-Anne & Saint-Rémy", "87", "365", "Clinique"),
    ("640000204", "640000105", "Polyclinique de l'Adour", "Polyclinique de l'Adour", "64", "365", "Clinique"),
    ("170000400", "170000103", "CH d'Oléron", "CH d'Oléron", "17", "355", "Centre hospitalier"),
    ("170000509", "170000202", "Clinique du Port", "Clinique du Port", "17", "365", "Clinique"),
]

EVALUATION = [
    # finess_geo, ej, indicateur, type, volet, theme, sous_contrat, valeur, ref, objectif, atteinte, evaluable, motif
    ("330000209", "330000100", "NAT_2", "national", "V1", "NAT_PS", True, D("250000"), D("260000"), D("247000"), D("0.769231"), True, None),
    ("330000308", "330000100", "NAT_3", "national", "V1", "NAT_EPA", True, None, D("0.65"), D("0.585"), None, False, "valeur de l'année N manquante"),
    ("330000209", "330000100", "PLAN_LES", "plan_action", "V1", "LES", True, D("0.75"), None, None, D("0.75"), True, None),
    ("870000205", "870000106", "NAT_1", "national", "V1", "NAT_PS", True, D("330000"), D("310000"), D("294500"), D("0"), True, None),
    ("640000204", "640000105", "PLAN_ATB", "plan_action", "V1", "ATB", True, D("1"), None, None, D("1"), True, None),
]

SCORES = [
    ("330000100", "contrat", "CAQES", None, D("66.67"), True, 2),
    ("330000100", "volet", "V1", "V1", D("66.67"), True, 2),
    ("330000100", "theme", "NAT_PS", "V1", D("76.92"), True, 1),
    ("330000100", "theme", "LES", "V1", D("75.00"), True, 1),
    ("330000100", "theme", "NAT_EPA", "V1", None, False, 0),
    ("870000106", "volet", "V1", "V1", D("0.00"), True, 1),
    ("640000105", "theme", "ATB", "V1", D("100.00"), True, 1),
]

P_A = D("12345678.90")
SANCTIONS = [
    # ej, motif, volet, base, exercice, taux, calcule, montant, plafond, plafond_applique, type_decision, statut, detail
    ("330000100", "refus", "V2", P_A, 2024, D("0.01"), D("123456.78"), D("112502.82"), D("123456.78"), None, "sanction_financiere", "decidee", "volet V2 refusé le 15 septembre 2022"),
    ("330000100", "non_atteinte", "V1", P_A, 2024, D("0.003333"), D("41148.14"), D("37497.18"), D("123456.78"), None, "sanction_financiere", "decidee", "score du volet V1 : 66,67 %"),
    ("870000106", "non_atteinte", "V1", D("2500000.00"), 2024, D("0.01"), D("27500.00"), D("25000.00"), D("25000.00"), "1 % par volet (L162-30-4)", "sanction_financiere", "notifiee", None),
    ("640000105", "refus", "V1", D("8000000.00"), 2024, D("0.01"), D("80000.00"), D("80000.00"), D("80000.00"), None, "sanction_financiere", "notifiee", None),
    ("170000202", "refus", "V1", D("1000000.00"), 2024, D("0.01"), D("10000.00"), D("10000.00"), D("10000.00"), None, "sanction_financiere", "calculee", None),
]

PROCEDURES = [
    # ej, etape, notification, limite, reception, suite, decision, notifie, final
    ("330000100", "decision", date(2025, 4, 1), date(2025, 5, 1), date(2025, 4, 20), "reduite", date(2025, 6, 16), D("164604.92"), D("150000.00")),
    ("870000106", "notification_prealable", date(2025, 6, 16), date(2025, 7, 16), None, None, None, D("25000.00"), None),
    ("640000105", "notification_prealable", date(2025, 6, 16), date(2025, 7, 16), None, None, None, D("80000.00"), None),
]

INTERESSEMENT = [
    # ej, type, code, finess_geo, plafond, calcule, coefficient, montant, score, economie, part, detail
    ("330000100", "national", "NAT_2", "330000209", None, D("3000.00"), None, D("3000.00"), None, D("10000.00"), D("0.30"), None),
    ("330000100", "regional", "LES", None, D("20000.00"), D("15000.00"), D("0.5"), D("7500.00"), D("75.00"), None, None, "rapport d'autoévaluation transmis hors délai"),
    ("640000105", "regional", "ATB", None, D("20000.00"), D("20000.00"), None, D("20000.00"), D("100.00"), None, None, None),
    ("170000103", "regional", "ATB", None, D("5000.00"), D("5000.00"), None, D("5000.00"), D("100.00"), None, None, None),
]

RETENUES = [
    ("640000105", "sanction", "produits AM 2024 en quarantaine : base non validée"),
    ("170000103", "interessement", "contrat non retrouvé pour l'EJ"),
    ("170000103", "mystere", "objet à qualifier"),
    ("330000100", "interessement_national:NAT_3:330000308", "montant de l'année N ou N-1 absent: économie non calculable"),
    ("330000100", "etablissement:330000407", "ET sous contrat absent du répertoire de l'année sous cette EJ"),
]


def build_warehouse(path: Path, run_id: str = RUN_ID) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts")
        for name, cols in {**OUTCOME_TABLES, **MART_TABLES}.items():
            con.execute(f"CREATE TABLE marts.{name} ({cols})")
        for r in DIM:
            con.execute("INSERT INTO marts.dim_etablissement VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [r[0], r[1], YEAR, *r[2:]])
        for r in EVALUATION:
            g, ej, ind, typ, volet, theme, sc, val, ref, obj, att, ev, motif = r
            con.execute(
                "INSERT INTO marts.fct_evaluation VALUES (?, ?, ?, ?, ?, ?, ?, 'lower_is_better', ?, ?, ?, ?, NULL, NULL, ?, ?, ?)",
                [g, ej, YEAR, ind, typ, volet, theme, sc, val, ref, obj, att, ev, motif],
            )
        for r in SCORES:
            con.execute("INSERT INTO marts.fct_score VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [r[0], YEAR, *r[1:]])
        for r in SANCTIONS:
            con.execute(
                "INSERT INTO marts.fct_sanction VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [r[0], YEAR, *r[1:], run_id],
            )
        for r in PROCEDURES:
            con.execute("INSERT INTO marts.fct_procedure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [r[0], YEAR, *r[1:], run_id])
        for r in INTERESSEMENT:
            con.execute(
                "INSERT INTO marts.fct_interessement VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [r[0], YEAR, *r[1:], run_id],
            )
        for r in RETENUES:
            con.execute("INSERT INTO marts.fct_retenue VALUES (?, ?, ?, ?, ?)", [r[0], YEAR, *r[1:], run_id])
        # another year must never leak into the notices of 2024
        con.execute("INSERT INTO marts.fct_interessement VALUES ('870000106', 2023, 'regional', 'ATB', NULL, 1, 1, NULL, 1, NULL, NULL, NULL, NULL, 'x')")
    finally:
        con.close()


def make_ctx(out: Path, run_id: str = RUN_ID) -> RunContext:
    return RunContext(
        year=YEAR, landing=out / "landing", out=out, as_of=AS_OF, run_id=run_id, input_hashes=dict(INPUT_HASHES)
    )
