"""A small warehouse with hand-made outcome and mart rows for year 2024 (notices tests).

EJs (FINESS numbers with a valid Luhn key):
- 330000100  CH de Test-sur-Garonne: refus V2 (proposal of 1 March 2024) + non-atteinte V1 limited
             by its impact on spending + mise sous accord préalable in addition; decision issued
             after receipt, observations (amount reduced, lines split to the final amount) and the
             CPAM's avis; intéressement national (one ET × indicator from the signature, one from
             an avenant) + regional, the whole of it modulated by the DG ARS; two component
             reservations listed in the notices → 3 notices;
- 870000106  Clinique Sainte-Anne & Saint-Rémy: non-atteinte V1 capped at 1 % then reduced by the
             DG ARS, notification sent, receipt not known yet → préalable only, no date limit;
- 240000109  Clinique des Vignes: refus V1 replaced by the liste en sus reduction, non-atteinte V2
             waived by the DG ARS; notification received, deadline running → préalable only;
- 640000105  Polyclinique de l'Adour: sanction withheld (fct_retenue 'sanction'), intéressement in
             the contract's first year (from its date_effet, 1 July 2024: one line exact from
             line-level data, one prorated by days) → intéressement only;
- 170000103  CH d'Oléron: sanction not computed (nothing due) + an unknown retention object that
             withholds its intéressement → nothing;
- 170000202  Clinique du Port: sanction computed, no procedure engaged yet → nothing.

Outcome tables are created from the project's declarations (``OUTCOME_TABLES``), the dbt marts
with the columns the notices read; rows are inserted by column name.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
from caqes_tasks.context import RunContext
from caqes_tasks.outcomes.vocabulary import Plafond
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
        montant_reference DECIMAL(18,2), atteinte DECIMAL(9,6), evaluable BOOLEAN, motif_non_evaluable VARCHAR,
        origine_perimetre VARCHAR, motif_hors_contrat VARCHAR""",
    "fct_score": """finess_ej VARCHAR, annee INTEGER, niveau VARCHAR, code VARCHAR, volet VARCHAR,
        score DECIMAL(5,2), evaluable BOOLEAN, nb_elements INTEGER""",
    "fct_perimetre": """finess_ej VARCHAR, volet VARCHAR, finess_geo VARCHAR, indicateur VARCHAR, annee INTEGER,
        type_indicateur VARCHAR, theme VARCHAR, origine VARCHAR, date_proposition DATE,
        annee_reference_ciblage INTEGER, date_avenant DATE, motif_origine VARCHAR""",
}

DIM = [
    ("330000209", "330000100", "CH de Test-sur-Garonne — site Bastide", "CH de Test-sur-Garonne", "33", "355", "Centre hospitalier"),
    ("330000308", "330000100", "CH de Test-sur-Garonne — site Lormont", "CH de Test-sur-Garonne", "33", "355", "Centre hospitalier"),
    ("870000205", "870000106", "Clinique Sainte-Anne & Saint-Rémy", "Clinique Sainte-Anne & Saint-Rémy", "87", "365", "Clinique"),
    ("240000208", "240000109", "Clinique des Vignes", "Clinique des Vignes", "24", "365", "Clinique"),
    ("640000204", "640000105", "Polyclinique de l'Adour", "Polyclinique de l'Adour", "64", "365", "Clinique"),
    ("170000400", "170000103", "CH d'Oléron", "CH d'Oléron", "17", "355", "Centre hospitalier"),
    ("170000509", "170000202", "Clinique du Port", "Clinique du Port", "17", "365", "Clinique"),
]

EVALUATION = [
    # finess_geo, ej, indicateur, type, volet, theme, sous_contrat, valeur, ref, objectif, atteinte, evaluable, motif, origine, hors contrat
    ("330000209", "330000100", "NAT_2", "national", "V1", "NAT_PS", True, D("250000"), D("260000"), D("247000"), D("0.769231"), True, None, "signature", None),
    ("330000308", "330000100", "NAT_3", "national", "V1", "NAT_EPA", True, None, D("0.65"), D("0.585"), None, False, "valeur de l'année N manquante", "signature", None),
    ("330000308", "330000100", "NAT_1", "national", "V1", "NAT_PS", True, D("95000"), D("100000"), D("97000"), D("1"), True, None, "avenant", None),
    ("330000209", "330000100", "PLAN_LES", "plan_action", "V1", "LES", True, D("0.75"), None, None, D("0.75"), True, None, None, None),
    ("330000308", "330000100", "PLAN_ATB", "plan_action", "V1", "ATB", False, D("1"), None, None, None, False, "hors contrat", None, "aucun indicateur du thème ATB sous contrat pour cet ET"),
    ("870000205", "870000106", "NAT_1", "national", "V1", "NAT_PS", True, D("330000"), D("310000"), D("294500"), D("0"), True, None, "signature", None),
    ("640000204", "640000105", "PLAN_ATB", "plan_action", "V1", "ATB", True, D("1"), None, None, D("1"), True, None, None, None),
]

PERIMETRE = [
    # ej, volet, finess_geo, indicateur, type, theme, origine, date_proposition, annee_ref, date_avenant, motif_origine
    ("330000100", "V1", "330000209", "NAT_2", "national", "NAT_PS", "signature", date(2022, 3, 1), 2021, None, "ciblé sur 2021 à la proposition du 01/03/2022"),
    ("330000100", "V1", "330000308", "NAT_3", "national", "NAT_EPA", "signature", date(2022, 3, 1), 2021, None, "ciblé sur 2021 à la proposition du 01/03/2022"),
    ("330000100", "V1", "330000308", "NAT_1", "national", "NAT_PS", "avenant", date(2022, 3, 1), None, date(2023, 10, 12), "avenant d'ajout signé le 12/10/2023, effet au 01/01/2024"),
    ("330000100", "V1", "330000209", "MEDCOUTINN", "regional", "LES", "signature", date(2022, 3, 1), 2021, None, "ciblé sur 2021 à la proposition du 01/03/2022"),
    ("640000105", "V1", "640000204", "NAT_1", "national", "NAT_PS", "signature", date(2024, 5, 2), 2023, None, "ciblé sur 2023 à la proposition du 02/05/2024"),
    ("640000105", "V1", "640000204", "NAT_4", "national", "NAT_PS", "signature", date(2024, 5, 2), 2023, None, "ciblé sur 2023 à la proposition du 02/05/2024"),
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

# fct_sanction.reference_article as the référentiel cites a path's articles (« ; » between them)
ART_REFUS = (
    "Code de la sécurité sociale, article L. 162-30-2, version applicable à l'évaluation des contrats ou avenants "
    "entrant en vigueur à compter du 1er janvier 2018 (loi n° 2017-1836 du 31 décembre 2017, art. 57, II)"
)
ART_NON_ATTEINTE = (
    "Code de la sécurité sociale, article L. 162-30-4, version modifiée par la loi n° 2016-1827 du 23 décembre 2016 "
    "(art. 79), en vigueur pour les nouveaux contrats au plus tard le 1er janvier 2018"
)
ART_L162_1_17 = "Code de la sécurité sociale, article L. 162-1-17, version citée par l'article L. 162-30-4"
ART_L162_22_7 = "Code de la sécurité sociale, article L. 162-22-7, version citée par les articles L. 162-30-2 et L. 162-30-4"

P_A = D("12345678.90")
SANCTION_COLUMNS = (
    "finess_ej, motif, volet, base_produits_am, exercice_base, taux, montant_calcule, montant, plafond, "
    "plafond_applique, type_decision, statut, detail, impact, date_proposition, reference_article, motif_dg, "
    "choix_dg, base_liste_en_sus"
)
SANCTIONS = [
    ("330000100", "refus", "V2", P_A, 2024, D("0.01"), D("123456.78"), D("120675.78"), D("123456.78"), None, "sanction_financiere", "decidee",
     "volet V2 refusé le 15 septembre 2024", None, date(2024, 3, 1), ART_REFUS, None, None, None),
    ("330000100", "non_atteinte", "V1", P_A, 2024, D("0.01"), D("30000.00"), D("29324.22"), D("123456.78"), None, "sanction_financiere", "decidee",
     "score du volet V1 : 66,67 %", D("30000.00"), None, ART_NON_ATTEINTE, None, None, None),
    ("330000100", "non_atteinte", "V1", P_A, 2024, None, D("0.00"), D("0.00"), None, None, "mise_sous_accord_prealable", "decidee",
     None, None, None, f"{ART_NON_ATTEINTE}; {ART_L162_1_17}", "prescriptions de produits de la liste en sus en hausse de 12 % en deux ans", "accord_prealable", None),
    ("870000106", "non_atteinte", "V1", D("2500000.00"), 2024, D("0.01"), D("25000.00"), D("20000.00"), D("25000.00"), Plafond.VOLET.note,
     "sanction_financiere", "notifiee", None, D("61000.00"), None, ART_NON_ATTEINTE, "plan de retour à l'équilibre en cours.", "reduction", None),
    ("240000109", "refus", "V1", D("4000000.00"), 2024, D("0.30"), D("75000.00"), D("75000.00"), D("75000.00"), None, "reduction_liste_en_sus",
     "notifiee", None, None, date(2024, 2, 15), f"{ART_REFUS}; {ART_L162_22_7}", "établissement fortement prescripteur de la liste en sus",
     "reduction_liste_en_sus", D("250000.00")),
    ("240000109", "non_atteinte", "V2", D("4000000.00"), 2024, D("0.01"), D("12000.00"), D("0.00"), D("40000.00"), None, "sanction_financiere", "notifiee",
     None, D("15000.00"), None, ART_NON_ATTEINTE, "établissement repris par un nouvel organisme gestionnaire en cours d'année",
     "renonciation", None),
    ("640000105", "refus", "V1", D("8000000.00"), 2024, D("0.01"), D("80000.00"), D("80000.00"), D("80000.00"), None, "sanction_financiere", "notifiee",
     None, None, date(2024, 1, 15), ART_REFUS, None, None, None),
    ("170000202", "refus", "V1", D("1000000.00"), 2024, D("0.01"), D("10000.00"), D("10000.00"), D("10000.00"), None, "sanction_financiere", "calculee",
     None, None, date(2024, 3, 1), ART_REFUS, None, None, None),
]

PROCEDURE_COLUMNS = (
    "finess_ej, etape, date_notification, date_reception_notification, date_limite_observations, "
    "date_reception_observations, suite_observations, date_avis_cpam, sens_avis_cpam, commentaire_avis_cpam, "
    "date_decision, montant_notifie, montant_final, en_attente"
)
PROCEDURES = [
    ("330000100", "decision", date(2025, 4, 1), date(2025, 4, 3), date(2025, 5, 3), date(2025, 4, 20), "reduite",
     date(2025, 5, 12), "favorable", "favorable au montant réduit après observations", date(2025, 6, 16), D("153456.78"), D("150000.00"), None),
    ("870000106", "notification_prealable", date(2025, 6, 16), None, None, None, None, None, None, None, None, D("20000.00"), None, "accuse_reception"),
    ("240000109", "notification_prealable", date(2025, 5, 19), date(2025, 5, 21), date(2025, 6, 20), None, None, None, None, None, None, D("75000.00"), None, "delai"),
    ("640000105", "notification_prealable", date(2025, 6, 16), None, None, None, None, None, None, None, None, D("80000.00"), None, "accuse_reception"),
]

MOTIF_MODULATION = "rapport d'autoévaluation transmis hors délai."  # a stated reason may end its sentence
INTERESSEMENT_COLUMNS = (
    "finess_ej, type, code, finess_geo, montant_plafond, montant_calcule, coefficient_modulation, montant, score, "
    "economie, part, atteinte, formule, debut_periode, methode_periode, motif_modulation, detail"
)
INTERESSEMENT = [
    ("330000100", "national", "NAT_2", "330000209", None, D("2307.69"), D("0.5"), D("1153.84"), None, D("10000.00"), D("0.30"), D("0.769231"),
     "proportionnelle", date(2024, 1, 1), "annee_civile", MOTIF_MODULATION, "économie = 10000.00 EUR (N-1 260000 - N 250000); part 0.30"),
    ("330000100", "national", "NAT_1", "330000308", None, D("1500.00"), D("0.5"), D("750.00"), None, D("5000.00"), D("0.30"), D("1"),
     "proportionnelle", date(2024, 1, 1), "annee_civile", MOTIF_MODULATION, "économie = 5000.00 EUR (N-1 100000 - N 95000); part 0.30"),
    ("330000100", "regional", "LES", None, D("20000.00"), D("15000.00"), D("0.5"), D("7500.00"), D("75.00"), None, None, None,
     None, None, None, MOTIF_MODULATION, "enveloppe du thème 60000.00 EUR, 3 EJ concernée(s); plafond exact"),
    ("640000105", "national", "NAT_1", "640000204", None, D("600.00"), None, D("600.00"), None, D("4000.00"), D("0.30"), D("0.5"),
     "proportionnelle", date(2024, 7, 1), "lignes_phev", None, None),
    ("640000105", "national", "NAT_4", "640000204", None, D("450.00"), None, D("450.00"), None, D("1500.00"), D("0.30"), D("1"),
     "proportionnelle", date(2024, 7, 1), "prorata_jours", None, None),
    ("640000105", "regional", "ATB", None, D("20000.00"), D("20000.00"), None, D("20000.00"), D("100.00"), None, None, None,
     None, None, None, None, None),
    ("170000103", "regional", "ATB", None, D("5000.00"), D("5000.00"), None, D("5000.00"), D("100.00"), None, None, None,
     None, None, None, None, None),
]

RETENUES = [
    ("640000105", "sanction", "produits AM 2024 en quarantaine : base non validée"),
    ("170000103", "sanction", "produits AM 2024 absents : sanction non calculée"),
    ("170000103", "mystere", "objet à qualifier"),
    ("330000100", "interessement_national:NAT_3:330000308", "montant de l'année N ou N-1 absent: économie non calculable"),
    ("330000100", "etablissement:330000407", "ET sous contrat absent du répertoire de l'année sous cette EJ"),
]


def _insert(con, table: str, columns: str, values) -> None:
    names = [c.strip() for c in columns.split(",")]
    con.execute(
        f"INSERT INTO marts.{table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", list(values)
    )


def create_tables(con) -> None:
    """The marts the notices read: outcome tables as the project declares them, dbt marts as above."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    for name, cols in {**OUTCOME_TABLES, **MART_TABLES}.items():
        con.execute(f"CREATE TABLE marts.{name} ({cols})")


def build_warehouse(path: Path, run_id: str = RUN_ID) -> None:
    con = duckdb.connect(str(path))
    try:
        create_tables(con)
        for r in DIM:
            _insert(con, "dim_etablissement", "finess_geo, finess_ej, annee, raison_sociale, raison_sociale_ej, "
                    "departement, categorie, libelle_categorie", [r[0], r[1], YEAR, *r[2:]])  # fmt: skip
        for r in EVALUATION:
            _insert(
                con, "fct_evaluation",
                "finess_geo, finess_ej, annee, indicateur, type_indicateur, volet, theme, sens, sous_contrat, valeur, "
                "valeur_reference, objectif, atteinte, evaluable, motif_non_evaluable, origine_perimetre, motif_hors_contrat",
                [r[0], r[1], YEAR, r[2], r[3], r[4], r[5], "lower_is_better", *r[6:]],
            )  # fmt: skip
        for r in PERIMETRE:
            _insert(
                con, "fct_perimetre",
                "finess_ej, volet, finess_geo, indicateur, annee, type_indicateur, theme, origine, date_proposition, "
                "annee_reference_ciblage, date_avenant, motif_origine",
                [*r[:4], YEAR, *r[4:]],
            )  # fmt: skip
        for r in SCORES:
            _insert(con, "fct_score", "finess_ej, annee, niveau, code, volet, score, evaluable, nb_elements", [r[0], YEAR, *r[1:]])
        for r in SANCTIONS:
            # code_plafond: the cap whose words plafond_applique holds, as the outcome stage writes both
            code_plafond = next((p for p in Plafond if p.note == r[9]), None)
            _insert(con, "fct_sanction", f"annee, run_id, code_plafond, {SANCTION_COLUMNS}", [YEAR, run_id, code_plafond, *r])
        for r in PROCEDURES:
            _insert(con, "fct_procedure", f"annee, run_id, {PROCEDURE_COLUMNS}", [YEAR, run_id, *r])
        for r in INTERESSEMENT:
            _insert(con, "fct_interessement", f"annee, run_id, {INTERESSEMENT_COLUMNS}", [YEAR, run_id, *r])
        for r in RETENUES:
            _insert(con, "fct_retenue", "finess_ej, annee, objet, raison, run_id", [r[0], YEAR, *r[1:], run_id])
        # another year must never leak into the notices of 2024
        _insert(con, "fct_interessement", "finess_ej, annee, type, code, montant_calcule, coefficient_modulation, montant, run_id",
                ["870000106", 2023, "regional", "ATB", 1, 1, 1, "x"])  # fmt: skip
        _insert(con, "fct_perimetre", "finess_ej, volet, finess_geo, indicateur, annee, origine, motif_origine",
                ["330000100", "V1", "330000209", "NAT_5", 2023, "signature", "périmètre de 2023"])  # fmt: skip
    finally:
        con.close()


def make_ctx(out: Path, run_id: str = RUN_ID) -> RunContext:
    return RunContext(
        year=YEAR, landing=out / "landing", out=out, as_of=AS_OF, run_id=run_id, input_hashes=dict(INPUT_HASHES)
    )
