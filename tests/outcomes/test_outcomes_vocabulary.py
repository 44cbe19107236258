"""One vocabulary for the outcome tables: the dbt sources test exactly the enums' values, the
declared columns hold every coded column, and every code has its French wording in the notices."""

from __future__ import annotations

from pathlib import Path

import yaml

from caqes_tasks.notices import vocabulary as notices_voc
from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.vocabulary import (
    CHOIX_DG_MONTANT,
    COLONNES_CODEES,
    STATUTS_SANS_MONTANT,
    ChoixDG,
    EnAttente,
    Etape,
    Formule,
    MethodePeriode,
    MotifSanction,
    ObjetRetenue,
    Plafond,
    SensAvis,
    StatutSanction,
    Suite,
    TypeDecision,
)
from caqes_tasks.warehouse.schema import OUTCOME_COLUMNS

OUTCOMES_YML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "outcomes.yml"


def _tables() -> dict[str, dict]:
    (source,) = yaml.safe_load(OUTCOMES_YML.read_text(encoding="utf-8"))["sources"]
    return {t["name"]: t for t in source["tables"]}


def _accepted(tests: list) -> list[list[str]]:
    return [t["accepted_values"]["arguments"]["values"] for t in tests or [] if "accepted_values" in t]


def test_dbt_accepted_values_are_the_enums():
    tables = _tables()
    tested = {}
    for table, spec in tables.items():
        for col in spec.get("columns") or []:
            for values in _accepted(col.get("data_tests")):
                tested[(table, col["name"])] = values
    expected = {
        (table, col): [m.value for m in enum]
        for table, cols in COLONNES_CODEES.items()
        for col, enum in cols.items()
    }
    assert tested == expected  # same columns, same values, same order


def test_dbt_tests_the_head_of_every_retention_object():
    (test,) = [t["accepted_values"] for t in _tables()["fct_retenue"]["data_tests"] if "accepted_values" in t]
    assert test["arguments"]["column_name"] == "split_part(objet, ':', 1)"
    assert test["arguments"]["values"] == [m.value for m in ObjetRetenue]


def test_every_outcome_table_and_column_is_a_declared_source():
    tables = _tables()
    assert set(tables) == set(OUTCOME_COLUMNS)
    for table, colonnes in OUTCOME_COLUMNS.items():
        assert [c["name"] for c in tables[table]["columns"]] == [c.nom for c in colonnes], table
    for table, cols in COLONNES_CODEES.items():
        assert set(cols) <= {c.nom for c in OUTCOME_COLUMNS[table]}, table


def test_every_code_has_its_french_wording():
    for labels, enum in [
        (notices_voc.MOTIFS, MotifSanction), (notices_voc.STATUTS, StatutSanction),
        (notices_voc.TYPES_DECISION, TypeDecision), (notices_voc.SUITES, Suite),
        (notices_voc.SENS_AVIS, SensAvis), (notices_voc.EN_ATTENTE, EnAttente),
        (notices_voc.FORMULES, Formule), (notices_voc.METHODES_PERIODE, MethodePeriode),
    ]:
        assert set(labels) == set(enum), enum.__name__
    assert set(notices_voc.ETAPE_RANG) | set(notices_voc.ETAPES_CLOSES) == set(Etape)
    assert set(notices_voc.COMPOSANT_KINDS) == set(ObjetRetenue)
    assert STATUTS_SANS_MONTANT < set(StatutSanction) and CHOIX_DG_MONTANT < set(ChoixDG)


def test_caps_are_the_legal_numbers():
    assert Plafond.VOLET.taux == legal.PLAFOND_NON_ATTEINTE_VOLET
    assert Plafond.ANNUEL.taux == legal.PLAFOND_GLOBAL_ANNUEL
    assert "1 %" in Plafond.VOLET.note and "5 %" in Plafond.ANNUEL.note


def test_retention_objects():
    assert ObjetRetenue.SANCTION.composant(MotifSanction.REFUS, "V1") == "sanction:refus:V1"
    assert ObjetRetenue.PROCEDURE.composant(EnAttente.AVIS_CPAM) == "procedure:avis_cpam"
