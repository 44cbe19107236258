"""A small hand-made warehouse: the marts of architecture.md with a few EJs, for 2022 and 2023.

dbt marts are created from their contracts (the model YAML); outcome tables come from
``caqes_tasks.warehouse.schema``; each row is inserted by column name (``SAMPLE_COLUMNS``). Values are chosen to exercise the feeds (formula-like texts,
semicolons and quotes, NULLs, decimals, dates) and to give the report something to draw.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import duckdb

from caqes_tasks.finess.numbers import luhn_key
from caqes_tasks.transform.model_yaml import DBT_MODELS, contract_ddl
from caqes_tasks.warehouse.schema import DBT_MARTS, create_schemas

DIM_STATUT = DBT_MODELS / "marts" / "dim_statut.sql"

# The columns each sample row gives, by name and in the order of its values (the tables themselves
# come from their declarations: dbt marts from their contracts, outcome tables from schema.py).
SAMPLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_etablissement": (
        "finess_geo", "finess_ej", "annee", "raison_sociale", "raison_sociale_ej", "departement", "categorie",
        "libelle_categorie",
    ),
    "fct_indicateur": (
        "finess_geo", "finess_ej", "annee", "indicateur", "type_indicateur", "volet", "theme", "mesure", "sens",
        "valeur", "montant", "base", "valeur_reference", "montant_reference", "taux_evolution",
    ),
    "fct_ciblage": (
        "finess_geo", "finess_ej", "annee", "indicateur", "type_indicateur", "volet", "theme",
        "annee_reference", "valeur_ciblage", "base_ciblage", "taux_evolution_ciblage", "min_base",
        "max_taux_evolution", "seuil_valeur", "cible", "motif",
    ),
    "fct_evaluation": (
        "finess_geo", "finess_ej", "annee", "indicateur", "type_indicateur", "volet", "theme", "sens",
        "sous_contrat", "valeur", "valeur_reference", "objectif", "montant", "montant_reference", "atteinte",
        "evaluable", "motif_non_evaluable",
    ),
    "fct_volet_propose": ("finess_ej", "annee", "volet", "nb_et_cibles", "motifs"),
    "fct_contractualisation": (
        "finess_ej", "annee", "volet", "propose", "statut", "en_vigueur", "date_signature", "date_effet",
        "date_fin",
    ),
    "fct_score": ("finess_ej", "annee", "niveau", "code", "volet", "score", "evaluable", "nb_elements"),
    "fct_sanction": (
        "finess_ej", "annee", "motif", "volet", "base_produits_am", "exercice_base", "taux", "montant_calcule",
        "montant", "plafond", "plafond_applique", "type_decision", "statut", "detail", "run_id",
    ),
    "fct_interessement": (
        "finess_ej", "annee", "type", "code", "finess_geo", "montant_plafond", "montant_calcule",
        "coefficient_modulation", "montant", "score", "economie", "part", "detail", "run_id",
    ),
    "fct_procedure": (
        "finess_ej", "annee", "etape", "date_notification", "date_limite_observations",
        "date_reception_observations", "suite_observations", "date_decision", "montant_notifie",
        "montant_final", "run_id",
    ),
    "fct_retenue": ("finess_ej", "annee", "objet", "raison", "run_id"),
}


def finess(prefix8: str) -> str:
    return prefix8 + luhn_key(prefix8)


# EJ: (finess_ej, name, [ET names], contract score, statut V1)
EJS = [
    (finess("33000001"), "=HYPERLINK(\"http://x\") Centre hospitalier de Libourne", ["CH Libourne – site Robert Boulin"], D("82.35"), "signe"),
    (finess("33000002"), "Clinique Saint-Augustin; « Bordeaux »", ["Clinique Saint-Augustin", "Clinique Saint-Augustin – Mérignac"], D("45.00"), "signe"),
    (finess("64000003"), "Centre hospitalier de Pau", ["CH Pau – François Mitterrand"], D("66.67"), "signe"),
    (finess("86000004"), "CHU de Poitiers", ["CHU Poitiers – Milétrie"], D("93.10"), "signe"),
    (finess("87000005"), "@Polyclinique de Limoges", ["Polyclinique Chénieux"], None, "signe"),
    (finess("24000006"), "-Centre hospitalier de Périgueux", ["CH Périgueux"], None, "refus"),
]
YEAR = 2023


def _geo(i: int, j: int) -> str:
    return finess(f"{EJS[i][0][:2]}{i}{j}00{i}{j}0"[:8])


def build_warehouse(path: Path, year: int = YEAR) -> Path:
    """Create the sample warehouse at ``path`` (rows for ``year`` and ``year − 1``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        create_schemas(con)
        for name in DBT_MARTS:
            con.execute(f"CREATE TABLE marts.{name} ({contract_ddl(name)})")
        # the statuses' labels are the model's own rows (a plain VALUES list)
        con.execute(f"INSERT INTO marts.dim_statut {DIM_STATUT.read_text(encoding='utf-8')}")
        for annee in (year - 1, year):
            _fill_year(con, annee, annee == year)
    finally:
        con.close()
    return path


def _ins(con, table: str, row: tuple) -> None:
    """Insert ``row`` into the columns ``SAMPLE_COLUMNS`` names for the table; the others stay NULL."""
    cols = SAMPLE_COLUMNS[table][: len(row)]
    assert len(cols) == len(row), f"{table}: {len(row)} values for {len(cols)} named columns"
    con.execute(f"INSERT INTO marts.{table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(row))})", list(row))


def _fill_year(con, annee: int, current: bool) -> None:
    run = f"{annee}-abcdef012345"
    k = 1 if current else 0  # amounts differ between years, so year filtering is visible
    for i, (ej, nom, ets, score, statut) in enumerate(EJS):
        dep = ej[:2]
        for j, et_name in enumerate(ets):
            geo = _geo(i, j)
            _ins(con, "dim_etablissement", (geo, ej, annee, et_name, nom, dep, "355", "Centre Hospitalier (C.H.)"))
            ref_amount = D("250000.00") + D(i * 10000 + j * 1000)
            val_amount = ref_amount * (D("0.93") if i % 2 == 0 else D("1.02"))
            _ins(con, "fct_indicateur", (geo, ej, annee, "NAT_1", "national", "V1", "NAT_PS", "amount",
                                         "lower_is_better", val_amount, val_amount.quantize(D("0.01")), val_amount.quantize(D("0.01")),
                                         ref_amount, ref_amount, (val_amount / ref_amount - 1).quantize(D("0.000001"))))
            _ins(con, "fct_ciblage", (geo, ej, annee, "NAT_1", "national", "V1", "NAT_PS", annee - 1, ref_amount,
                                      ref_amount, D("0.052"), D("100000"), D("0.045"), D("300000"), True,
                                      "taux_evolution 0,052 > 0,045" if j == 0 else "-valeur > seuil"))
            _ins(con, "fct_ciblage", (geo, ej, annee, "ATB", "regional", "V1", "ATB", annee - 1, D("0.42"), None,
                                      None, None, None, D("0.40"), i != 3, "=valeur 0,42 > 0,40" if i != 3 else None))
            sous_contrat = statut == "signe"
            obj = (ref_amount * D("0.95")).quantize(D("0.000001"))
            att = D("1") if val_amount <= obj else D("0")
            evaluable = i != 4
            _ins(con, "fct_evaluation", (geo, ej, annee, "NAT_1", "national", "V1", "NAT_PS", "lower_is_better",
                                         sous_contrat, val_amount if evaluable else None, ref_amount, obj,
                                         val_amount.quantize(D("0.01")), ref_amount, att if evaluable else None,
                                         evaluable, None if evaluable else "valeur N absente"))
            _ins(con, "fct_evaluation", (geo, ej, annee, "ATB", "regional", "V1", "ATB", "lower_is_better",
                                         sous_contrat, D("0.38") + D(i) / 100, D("0.42"), D("0.399"), None, None,
                                         D("0.5"), True, None))
            _ins(con, "fct_evaluation", (geo, ej, annee, "GEN", "regional", "V1", "GENBIO", "higher_is_better",
                                         sous_contrat, D("0.80"), D("0.75"), D("0.78"), None, None, D("1"), True, None))
            _ins(con, "fct_evaluation", (geo, ej, annee, "PLAN_ATB", "plan_action", "V1", "ATB", None,
                                         sous_contrat, None, None, None, None, None, D("0.75"), True, None))
        _ins(con, "fct_volet_propose", (ej, annee, "V1", len(ets), "NAT_1: taux 0,052 > 0,045"))
        _ins(con, "fct_contractualisation", (ej, annee, "V1", True, statut, statut == "signe",
                                             "2022-06-15" if statut == "signe" else None,
                                             "2022-07-01" if statut == "signe" else None,
                                             "2024-12-31" if statut == "signe" else None))
        if i == 1:
            _ins(con, "fct_volet_propose", (ej, annee, "V2", 1, "REHOSP: liste ARS"))
            _ins(con, "fct_contractualisation", (ej, annee, "V2", True, "en_cours", False, None, None, None))
        if statut != "signe":
            _ins(con, "fct_sanction", (ej, annee, "refus", "V1", D("12345678.90"), annee, D("0.01"), D("123456.78"),
                                       D("123456.78"), D("123456.78"), None, "montant", "notifiee", "1 % × P", run))
            continue
        sc = None if score is None else score - (0 if current else 5)
        _ins(con, "fct_score", (ej, annee, "contrat", "CONTRAT", None, sc, sc is not None, 2))
        _ins(con, "fct_score", (ej, annee, "volet", "V1", "V1", sc, sc is not None, 3))
        for theme, ts in (("NAT_PS", sc), ("ATB", D("50.00")), ("GENBIO", D("100.00"))):
            _ins(con, "fct_score", (ej, annee, "theme", theme, "V1", ts, ts is not None, len(ets)))
        eco = D("17500.00") + D(i * 700 + k)
        _ins(con, "fct_interessement", (ej, annee, "national", "NAT_1", _geo(i, 0), None, (eco * D("0.3")).quantize(D("0.01")),
                                        None, (eco * D("0.3")).quantize(D("0.01")), None, eco, D("0.3"), None, run))
        for theme, plafond, ts in (("ATB", D("33333.33"), D("50.00")), ("GENBIO", D("20000.01"), D("100.00"))):
            montant = (plafond * ts / 100).quantize(D("0.01"), rounding="ROUND_DOWN")
            _ins(con, "fct_interessement", (ej, annee, "regional", theme, None, plafond, montant, D("1"), montant,
                                            ts, None, None, None, run))
        if score is not None and score < 50:
            _ins(con, "fct_sanction", (ej, annee, "non_atteinte", "V1", D("8000000.00"), annee, D("0.0055"),
                                       D("44000.00"), D("44000.00"), D("80000.00"), None, "montant", "decidee", None, run))
            _ins(con, "fct_procedure", (ej, annee, "decision", "2024-03-01", "2024-03-31", "2024-03-20", "maintenue",
                                        "2024-04-15", D("44000.00"), D("44000.00"), run))
        if score is None:
            _ins(con, "fct_retenue", (ej, annee, "non_atteinte", "score contrat non évaluable", run))
