"""Two campaigns in one warehouse (docs/rules.md §2): the 2022-2024 campaign's results are
published, then the 2025-2027 référentiel (tests/referentiel/caqes-2025-2027.yml: NAT_1 growth
threshold 0.030 instead of 0.045) is loaded beside it. 2024 stays evaluated under 2022-2024 with
every published row unchanged; 2025 is evaluated under 2025-2027, in dbt and in Python.

ET_A NAT_1 spends 214500.00 in 2023 and 222000.00 in 2024: +3.4965 %, above 2025-2027's
threshold, below 2022-2024's. Targeting for 2025 (reference 2024) reads the new threshold.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from caqes_tasks.context import RunContext
from caqes_tasks.ingest.loader import load_referentiel_tables
from caqes_tasks.outcomes.lecture import OutcomeInputError
from caqes_tasks.outcomes.stage import outcomes_stage
from caqes_tasks.referentiel import DEFAULT_REFERENTIEL, load_referentiel
from caqes_tasks.transform.runner import transform_stage

from .fixture_data import ET_A, build_raw_warehouse, insert_rows

SECOND = Path(__file__).parents[1] / "referentiel" / "caqes-2025-2027.yml"
PUBLISHED_MARTS = ("fct_indicateur", "fct_ciblage", "fct_contractualisation", "fct_evaluation", "fct_score")
OUTCOMES = ("fct_interessement", "fct_sanction", "fct_procedure", "fct_retenue", "fct_enveloppe")


def _snapshot(warehouse: Path, until: int) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = {t: con.execute(f"SELECT * FROM marts.{t} WHERE annee <= ? ORDER BY ALL", [until]).fetchall()
               for t in PUBLISHED_MARTS + OUTCOMES}
    assert out["fct_evaluation"] and out["fct_ciblage"]
    return out


@pytest.fixture(scope="module")
def two_campaigns(tmp_path_factory):
    root = tmp_path_factory.mktemp("campaigns")
    first = RunContext(year=2024, landing=root / "landing", out=root / "out", referentiel=DEFAULT_REFERENTIEL,
                       run_id="2024-first", as_of="2025-04-15")
    build_raw_warehouse(first.warehouse)
    with duckdb.connect(str(first.warehouse)) as con:
        insert_rows(con, "phev", [
            {"finess_geo": ET_A, "annee": 2024, "indicateur": "NAT_1", "montant_rembourse": D("222000.00"), "volume": 1100},
            {"finess_geo": ET_A, "annee": 2025, "indicateur": "NAT_1", "montant_rembourse": D("215000.00"), "volume": 1080},
        ])
    transform_stage(first)
    outcomes_stage(first)
    published = _snapshot(first.warehouse, 2024)

    second = replace(first, year=2025, referentiel=SECOND, run_id="2025-second", as_of="2026-04-15")
    ref2 = load_referentiel(SECOND)
    with duckdb.connect(str(first.warehouse)) as con:
        load_referentiel_tables(con, ref2.campagne, ref2.tables())
    transform_stage(second)
    outcomes_stage(second)
    return first, second, published


def test_the_first_campaign_published_results_are_unchanged(two_campaigns):
    first, _, published = two_campaigns
    assert _snapshot(first.warehouse, 2024) == published


def test_each_year_attached_to_its_own_campaign(two_campaigns):
    first, _, _ = two_campaigns
    with duckdb.connect(str(first.warehouse), read_only=True) as con:
        ciblage = con.execute("SELECT annee, campagne FROM marts.fct_ciblage GROUP BY ALL ORDER BY 1").fetchall()
    assert (2024, "2022-2024") in ciblage and (2025, "2025-2027") in ciblage
    assert all(c == ("2022-2024" if a <= 2024 else "2025-2027") for a, c in ciblage)


def test_targeting_of_2025_reads_the_new_campaign_threshold(two_campaigns):
    first, _, _ = two_campaigns
    with duckdb.connect(str(first.warehouse), read_only=True) as con:
        rows = {a: (cible, seuil, taux) for a, cible, seuil, taux in con.execute(
            "SELECT annee, cible, max_taux_evolution, taux_evolution_ciblage FROM marts.fct_ciblage "
            "WHERE finess_geo = ? AND indicateur = 'NAT_1' AND annee IN (2024, 2025)", [ET_A]).fetchall()}
    assert rows[2024][1] == D("0.045") and rows[2025][1] == D("0.030")
    assert rows[2025][2] == D("0.034965")  # 222000 / 214500 - 1: above 0.030, below 0.045
    assert rows[2025][0] is True


def test_outcomes_use_the_referentiel_of_the_year(two_campaigns):
    first, second, _ = two_campaigns
    with pytest.raises(OutcomeInputError, match="not evaluated by campaign 2022-2024"):
        outcomes_stage(replace(second, referentiel=DEFAULT_REFERENTIEL))
    with pytest.raises(OutcomeInputError, match="not evaluated by campaign 2025-2027"):
        outcomes_stage(replace(first, referentiel=SECOND))
