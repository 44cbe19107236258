"""End to end: the annual DAG through a real Airflow (`airflow dags test`, SQLite metadata) on the
small demo region, then the figures checked against an independent reading of the landing files.

The targeting and the attainments are recomputed here from the CSV files alone (pandas +
Decimal, tests/demo/demo_checks.py), not from the warehouse, so the marts are checked against
the rules, not against themselves.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from caqes_demo.airflow_local import DagRunFailed, dags_test
from caqes_demo import generate_demo
from caqes_tasks.notices.formatting import euros, normalise_spaces
from caqes_tasks.pipeline import read_run_lock
from caqes_tasks.referentiel import load_referentiel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demo"))
from demo_checks import (  # noqa: E402
    Perimeter,
    ej_by_year,
    national_evaluation,
    national_targeted,
    national_values,
    read_source,
    refusing_ejs,
)

pytestmark = pytest.mark.airflow

YEAR = 2024
AS_OF = "2025-04-15"


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _marts(warehouse: Path, year: int) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
        ).fetchall():
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema='marts' "
                    "AND table_name=? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
            ]
            if "annee" in cols:
                out[name] = sorted(
                    con.execute(f"SELECT * FROM marts.{name} WHERE annee = ?", [year]).fetchall(), key=repr
                )
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def annual_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    landing = root / "landing"
    generate_demo(landing, size="small", seed=2022)
    out = root / "out"
    conf = {"year": YEAR, "landing": str(landing), "out": str(out), "as_of": AS_OF}
    state = dags_test("caqes_annual", conf, home=root / "airflow", logical_date=AS_OF)
    return {"root": root, "landing": landing, "out": out, "conf": conf, "state": state}


def _run_id(out: Path) -> str:
    latest = out / "feeds" / str(YEAR) / "latest" / "manifest.json"
    return json.loads(latest.read_text())["run_id"]


def test_dag_run_succeeds_and_writes_every_output(annual_run):
    out = annual_run["out"]
    assert annual_run["state"] == "success"
    run_id = _run_id(out)
    manifest = json.loads((out / "runs" / run_id / "manifest.json").read_text())
    assert manifest["outcome"] == "success"
    for stage in ("ingest", "transform", "outcomes", "notices", "feeds", "report"):
        assert stage in manifest["timings_s"], stage
        assert stage in manifest["rows"], stage
    assert any(k.startswith("referentiel/") for k in manifest["inputs"]["hashes"])
    assert manifest["orchestrator_run_id"].startswith("manual__")  # the Airflow run it came from
    for mart in ("dim_etablissement", "fct_ciblage", "fct_evaluation", "fct_score", "fct_interessement", "fct_sanction"):
        assert (out / "feeds" / str(YEAR) / "latest" / f"{mart}.parquet").exists(), mart
        assert (out / "feeds" / str(YEAR) / "latest" / f"{mart}.csv").exists(), mart
    assert (out / "reports" / str(YEAR) / f"campagne_{YEAR}.html").exists()
    assert read_run_lock(out) is None, "the run lock taken by prepare is released by finalize"
    assert list((out / "notices" / str(YEAR)).glob("*/notification_prealable.pdf"))
    assert list((out / "notices" / str(YEAR)).glob("*/notification_interessement.pdf"))


def test_targeting_matches_the_rules_recomputed_from_the_files(annual_run):
    landing, out = annual_run["landing"], annual_run["out"]
    ref = load_referentiel()
    ets = {f for (f, a) in ej_by_year(landing) if a == YEAR}
    expected = national_targeted(national_values(landing, ref), ref, YEAR, ets)
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    got = set(
        con.execute(
            "SELECT finess_geo, indicateur FROM marts.fct_ciblage "
            "WHERE annee = ? AND cible AND type_indicateur = 'national'",
            [YEAR],
        ).fetchall()
    )
    con.close()
    assert expected, "the small demo targets some ETs"
    assert got == expected


def test_attainment_matches_the_rules_recomputed_from_the_files(annual_run):
    """docs/rules.md §5 recomputed from the files. Rates and shares are measured to 6 decimals
    (DECIMAL(18,6)) and so is the target, and attainment is computed from these published
    figures, so a reader can check it from the notice's own table."""
    landing, out = annual_run["landing"], annual_run["out"]
    ref = load_referentiel()
    six = Decimal("0.000001")
    values = {
        k: (v.quantize(six, rounding=ROUND_HALF_UP), b, m) for k, (v, b, m) in national_values(landing, ref).items()
    }
    expected = national_evaluation(landing, ref, YEAR, values=values)

    def attainment(code: str, r: Decimal, a: Decimal) -> Decimal:
        ind = ref.by_code[code]
        if ind.objectif_valeur is not None:
            t = ind.objectif_valeur
        else:
            t = (r * (1 + ind.objectif_taux_evolution)).quantize(six, rounding=ROUND_HALF_UP)
        if a <= t:
            return Decimal(1)
        if t < r and a < r:
            return ((r - a) / (r - t)).quantize(six, rounding=ROUND_HALF_UP)
        return Decimal(0)

    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT finess_geo, indicateur, atteinte, evaluable FROM marts.fct_evaluation "
        "WHERE annee = ? AND sous_contrat AND type_indicateur = 'national'",
        [YEAR],
    ).fetchall()
    con.close()
    got = {(f, c): (a, e) for f, c, a, e in rows}
    assert len(expected) > 0
    assert set(got) == {(f, c) for f, c, _ in expected}
    partial = 0
    for f, c, a in expected:
        atteinte, evaluable = got[(f, c)]
        if a is None:
            assert evaluable is False and atteinte is None, (f, c)
            continue
        assert evaluable is True, (f, c)
        r, n = values[(f, YEAR - 1, c)][0], values[(f, YEAR, c)][0]
        assert atteinte == attainment(c, r, n), (f, c, atteinte)
        partial += 0 < atteinte < 1
    assert partial, "a partial attainment is exercised"


def test_perimeter_is_the_signature_targeting_changed_by_avenants(annual_run):
    """docs/rules.md §4: targeting at the proposal fixes the perimeter, avenants change it from
    the next 1 January; recomputed from the contract, avenant, FINESS and indicator files."""
    landing, out = annual_run["landing"], annual_run["out"]
    perimeter = Perimeter(landing, load_referentiel())
    expected = {(ej, volet, f, code) for (ej, volet), pairs in perimeter.in_force(YEAR).items() for f, code in pairs}
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT finess_ej, volet, finess_geo, indicateur, origine FROM marts.fct_perimetre WHERE annee = ?", [YEAR]
    ).fetchall()
    evaluated = set(con.execute(
        "SELECT finess_geo, indicateur FROM marts.fct_evaluation "
        "WHERE annee = ? AND sous_contrat AND type_indicateur <> 'plan_action'", [YEAR]).fetchall())
    candidates = con.execute(
        "SELECT count(*) FROM marts.fct_ciblage WHERE annee = ? AND cible AND NOT dans_perimetre", [YEAR]
    ).fetchone()[0]
    con.close()
    assert {r[:4] for r in rows} == expected
    assert {r[4] for r in rows} == {"signature", "avenant"}, "the demo's avenants add pairs in the last year"
    assert evaluated == {(f, code) for _, _, f, code in expected}
    assert candidates > 0, "yearly targeting shows candidates for an avenant without changing the perimeter"


def test_national_interessement_recomputed_from_the_files(annual_run):
    """docs/rules.md §6, formula `proportionnelle`: part × max(savings, 0) × attainment, half-up to
    the cent, before the DG ARS's modulation; the year is not a first contract year, so the period
    is the calendar year."""
    landing, out = annual_run["landing"], annual_run["out"]
    ref = load_referentiel()
    six = Decimal("0.000001")
    values = national_values(landing, ref)
    rounded = {k: (v.quantize(six, rounding=ROUND_HALF_UP), b, m) for k, (v, b, m) in values.items()}
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    atteintes = {
        (f, c): a for f, c, a in con.execute(
            "SELECT finess_geo, indicateur, atteinte FROM marts.fct_evaluation "
            "WHERE annee = ? AND sous_contrat AND type_indicateur = 'national' AND evaluable", [YEAR]).fetchall()
    }
    got = {
        (f, c): (m, methode) for f, c, m, methode in con.execute(
            "SELECT finess_geo, code, montant_calcule, methode_periode FROM marts.fct_interessement "
            "WHERE annee = ? AND type = 'national'", [YEAR]).fetchall()
    }
    con.close()
    expected = {}
    for f, code, _ in national_evaluation(landing, ref, YEAR, values=rounded):
        if (f, code) not in atteintes:
            continue
        savings = values[(f, YEAR - 1, code)][2] - values[(f, YEAR, code)][2]
        amount = ref.by_code[code].part_nationale * max(savings, Decimal(0)) * atteintes[(f, code)]
        expected[(f, code)] = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert expected and any(v > 0 for v in expected.values())
    assert {k: m for k, (m, _) in got.items()} == expected
    assert {methode for _, methode in got.values()} == {"annee_civile"}


def test_refusal_is_sanctioned_once_in_the_year_of_its_proposal(annual_run):
    """docs/rules.md §7: one refusal line per EJ whose proposal dated in the year was refused; a
    refusal of an earlier year is not sanctioned again."""
    landing, out = annual_run["landing"], annual_run["out"]
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    sanctioned = {r[0] for r in con.execute(
        "SELECT finess_ej FROM marts.fct_sanction WHERE annee = ? AND motif = 'refus'", [YEAR]).fetchall()}
    con.close()
    assert sanctioned == refusing_ejs(landing, YEAR)
    earlier = set().union(*(refusing_ejs(landing, y) for y in range(YEAR - 2, YEAR)))
    assert earlier - refusing_ejs(landing, YEAR), "the demo has refusals of earlier years without a new proposal"


def test_no_decision_is_issued_before_the_deadline_runs_from_receipt(annual_run):
    """docs/rules.md §7: as of 15 April N+1 every procedure is at the notification préalable;
    those without a receipt in the notifications file wait for it."""
    landing, out = annual_run["landing"], annual_run["out"]
    receipts = read_source(landing, "notifications")
    received = {
        r.finess_ej for r in receipts.itertuples(index=False)
        if int(r.annee) == YEAR and r.document == "notification_prealable" and r.date_reception
        and r.date_reception <= AS_OF
    }
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT finess_ej, etape, en_attente, date_limite_observations FROM marts.fct_procedure WHERE annee = ?", [YEAR]
    ).fetchall()
    con.close()
    assert rows and {etape for _, etape, _, _ in rows} <= {"notification_prealable", "observations_recues"}
    for ej, _, attente, limite in rows:
        if ej in received:
            assert limite is not None, ej
        else:
            assert attente == "accuse_reception" and limite is None, ej


def test_money_respects_envelopes_and_legal_caps(annual_run):
    landing, out = annual_run["landing"], annual_run["out"]
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    distributed = dict(
        con.execute(
            "SELECT code, sum(montant) FROM marts.fct_interessement WHERE annee=? AND type='regional' GROUP BY 1",
            [YEAR],
        ).fetchall()
    )
    sanctions = con.execute(
        "SELECT finess_ej, volet, motif, montant, base_produits_am FROM marts.fct_sanction WHERE annee=?", [YEAR]
    ).fetchall()
    published_envelopes = dict(
        con.execute("SELECT theme, montant FROM marts.fct_enveloppe WHERE annee=?", [YEAR]).fetchall()
    )
    con.close()
    envelopes = {}
    for path in (landing / "enveloppes").glob("*.csv"):
        for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
            annee, theme, montant = line.split(";")
            if int(annee) == YEAR:
                envelopes[theme] = Decimal(montant.replace(",", "."))
    assert distributed, "regional intéressement was distributed"
    assert published_envelopes == {t: m for t, m in envelopes.items() if t in published_envelopes}
    assert set(distributed) <= set(published_envelopes)
    for theme, total in distributed.items():
        assert isinstance(total, Decimal)
        assert total <= envelopes[theme], theme
    per_ej: dict[str, Decimal] = {}
    for ej, volet, motif, montant, base in sanctions:
        assert montant <= base * Decimal("0.01"), (ej, volet, motif)
        per_ej[ej] = per_ej.get(ej, Decimal(0)) + montant
        assert per_ej[ej] <= base * Decimal("0.05"), ej


def test_notices_carry_the_figures_of_the_marts(annual_run):
    out = annual_run["out"]
    run_id = _run_id(out)
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    ej, total = con.execute(
        "SELECT finess_ej, sum(montant) FROM marts.fct_interessement WHERE annee=? GROUP BY 1 "
        "HAVING sum(montant) > 0 ORDER BY 1 LIMIT 1",
        [YEAR],
    ).fetchone()
    con.close()
    pdf = out / "notices" / str(YEAR) / ej / "notification_interessement.pdf"
    text = normalise_spaces("\n".join(page.extract_text() for page in PdfReader(pdf).pages))
    assert ej in text
    assert normalise_spaces(euros(total)) in text
    assert run_id in text


def test_rerun_changes_nothing(annual_run):
    out, conf, root = annual_run["out"], annual_run["conf"], annual_run["root"]
    warehouse = out / "warehouse" / "caqes.duckdb"
    before_marts = _marts(warehouse, YEAR)
    before_feeds = _tree_digest(out / "feeds" / str(YEAR) / "latest")
    before_notices = _tree_digest(out / "notices" / str(YEAR))
    latest_target = (out / "feeds" / str(YEAR) / "latest").resolve()
    dags_test("caqes_annual", conf, home=root / "airflow", logical_date=AS_OF)
    assert (out / "feeds" / str(YEAR) / "latest").resolve() == latest_target
    assert _tree_digest(out / "feeds" / str(YEAR) / "latest") == before_feeds
    assert _tree_digest(out / "notices" / str(YEAR)) == before_notices
    assert _marts(warehouse, YEAR) == before_marts


def test_bad_input_blocks_the_year_fails_the_run_and_keeps_published_results(annual_run, tmp_path):
    """A corrupted delivery for the year: quarantined, nothing computed, last results kept, and
    the DAG run ends failed (finalize records it blocked, then fails) so the scheduler shows it."""
    out, root = annual_run["out"], annual_run["root"]
    landing = tmp_path / "landing"
    shutil.copytree(annual_run["landing"], landing)
    bad = landing / "phev" / f"phev_{YEAR}_rectificatif.csv"
    bad.write_text(
        "finess_geo;annee;indicateur;montant_rembourse;volume;numerateur;denominateur\n"
        f"330000001;{YEAR};NAT_1;-12,50;3;;\n",
        encoding="utf-8",
    )
    latest = out / "feeds" / str(YEAR) / "latest"
    before = (latest.resolve(), _tree_digest(latest))
    before_marts = _marts(out / "warehouse" / "caqes.duckdb", YEAR)
    conf = {**annual_run["conf"], "landing": str(landing)}
    log = tmp_path / "blocked.log"
    with pytest.raises(DagRunFailed, match="état failed") as failed:
        dags_test("caqes_annual", conf, home=root / "airflow", logical_date=AS_OF, log_file=log)
    assert f"année {YEAR} bloquée" in str(failed.value), "the failure says why in one line"
    assert "\n" not in str(failed.value)
    assert (latest.resolve(), _tree_digest(latest)) == before
    outcome_rows = {k: v for k, v in _marts(out / "warehouse" / "caqes.duckdb", YEAR).items() if k.startswith("fct_")}
    assert outcome_rows == {k: v for k, v in before_marts.items() if k.startswith("fct_")}
    quarantined = list((out / "quarantine").rglob(bad.name))
    assert quarantined, "the bad file is copied to quarantine with its report"
    [blocked] = [json.loads(p.read_text()) for p in (out / "runs").glob("*/manifest.json")
                 if json.loads(p.read_text())["outcome"] == "blocked"]
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    records = con.execute("SELECT status FROM meta.runs WHERE run_id = ?", [blocked["run_id"]]).fetchall()
    con.close()
    assert records == [("blocked",)]
    assert read_run_lock(out) is None, "finalize released the out dir's run lock"


def _published_bytes(out: Path) -> dict[str, str]:
    """sha256 of every published file (feeds, notices, rapports, reports) and of the warehouse."""
    files = [p for d in ("feeds", "notices", "rapports", "reports") for p in sorted((out / d).rglob("*")) if p.is_file()]
    files.append(out / "warehouse" / "caqes.duckdb")
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_simulation_dag_compares_a_year_without_publishing_anything(annual_run):
    """`caqes_simulation` through Airflow on the published year: with the non-attainment path
    switched off, no EJ's sanctions rise, none drops by more than its published non-attainment
    lines, some drop, the intéressement is unchanged, and nothing published changes."""
    out, root = annual_run["out"], annual_run["root"]
    before = _published_bytes(out)
    conf = {"year": YEAR, "out": str(out), "reglages": ["sanction.non_atteinte=non"]}
    assert dags_test("caqes_simulation", conf, home=root / "airflow", logical_date=AS_OF) == "success"
    assert _published_bytes(out) == before
    (folder,) = list((out / "simulations" / str(YEAR)).iterdir())
    assert {"comparaison.parquet", "comparaison.csv", "comparaison.html"} <= {p.name for p in folder.iterdir()}
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    try:
        published = dict(con.execute(
            "SELECT finess_ej, sum(montant) FROM marts.fct_sanction WHERE annee = ? AND motif = 'non_atteinte' "
            "GROUP BY finess_ej", [YEAR]).fetchall())
        rows = con.execute(
            f"SELECT finess_ej, raison_sociale_ej, ecart_sanction, ecart_interessement "
            f"FROM '{folder / 'comparaison.parquet'}'").fetchall()
    finally:
        con.close()
    assert published and any(published.values()), "the small demo has non-attainment sanctions"
    for finess_ej, nom, ecart_sanction, ecart_interessement in rows:
        assert nom and nom != finess_ej
        assert ecart_interessement == 0
        assert ecart_sanction <= 0
        if finess_ej in published:
            assert -ecart_sanction <= published[finess_ej]
    assert sum(-r[2] for r in rows) > 0
