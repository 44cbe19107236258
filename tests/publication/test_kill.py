"""SIGKILL in the middle of ingest, the dbt build, outcomes, and of publishing notices, report
and feeds.

Each test starts from a copy of the 15 April run's out dir, runs the 1 July run's stage in a
subprocess and kills its process group at a point inside the stage. Then: every published file
equals the previous complete set or the new one (never a mix), the rerun completes and equals a
clean run of the same stage, and nothing the killed run left behind remains.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from killing import JULY, YEAR, Killed, copy_out, staging_leftovers, tree

from caqes_tasks.context import compute_run_id
from caqes_tasks.ingest.landing import scan_landing
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.report.pdf import find_chromium
from caqes_tasks.transform.runner import MARTS
from caqes_tasks.warehouse.schema import OUTCOME_TABLES


pytestmark = pytest.mark.slow


def _stage_on(ctx, stage: str, **kwargs):
    module_name, name = stage.split(":")
    module = __import__(module_name, fromlist=[name])
    return getattr(module, name)(ctx, **kwargs)


def _prepare_july(april, tmp_path: Path, name: str, outcomes: bool = True):
    """A copy of the April out dir with the July run's outcomes (its notices, report, feeds to come)."""
    ctx_a, ctx_b = copy_out(april, tmp_path / name)
    if outcomes:
        from caqes_tasks.outcomes.stage import outcomes_stage

        outcomes_stage(ctx_b)
    return ctx_a, ctx_b


def _clean(ctx_b, tmp_path: Path, stage: str, **kwargs):
    """The July stage run to its end on its own copy: the new complete set."""
    import shutil
    from dataclasses import replace

    clean_out = tmp_path / "clean"
    shutil.copytree(ctx_b.out, clean_out, symlinks=True)
    clean = replace(ctx_b, out=clean_out)
    _stage_on(clean, stage, **kwargs)
    return clean


# -- notices ---------------------------------------------------------------------------------
def test_kill_while_writing_notices(april, tmp_path):
    ctx_a, ctx_b = _prepare_july(april, tmp_path, "out")
    before = tree(ctx_b.notices)
    clean = _clean(ctx_b, tmp_path, "caqes_tasks.notices.stage:notices_stage")
    after = tree(clean.notices)
    assert after != before

    work = tmp_path / "kill"
    work.mkdir()
    killed = Killed(ctx_b, "caqes_tasks.notices.stage:notices_stage", work,
                    pause={"kind": "replace", "under": str(ctx_b.out / "notices"), "after": 3})  # fmt: skip
    killed.kill_at_marker()
    assert tree(ctx_b.notices) in (before, after), "notices published partly"

    _stage_on(ctx_b, "caqes_tasks.notices.stage:notices_stage")
    assert tree(ctx_b.notices) == after
    assert staging_leftovers(ctx_b.out / "notices" / "runs" / str(ctx_b.year)) == []
    assert staging_leftovers(ctx_b.out / "notices") == []
    # the April notices were sent: kept byte for byte by the July run
    sent = {rel: h for rel, h in before.items() if "/" in rel}
    assert sent and all(after[rel] == h for rel, h in sent.items())


# -- campaign report -------------------------------------------------------------------------
def _report_publishes_as_one() -> bool:
    from caqes_tasks.report import stage

    return "publish_report" in inspect.getsource(stage)


REPORT_ENTRIES = [
    "publication_stages:report_published",
    pytest.param(
        "caqes_tasks.report.stage:report_stage",
        marks=pytest.mark.xfail(
            not _report_publishes_as_one(), strict=True,
            reason="caqes_tasks/report/stage.py does not publish through caqes_tasks.report.publish.publish_report yet",
        ),
    ),
]  # fmt: skip


@pytest.mark.parametrize("entry", REPORT_ENTRIES)
def test_kill_while_printing_the_report(april, tmp_path, entry):
    ctx_a, ctx_b = _prepare_july(april, tmp_path, "out", outcomes=False)
    link = ctx_b.reports / str(ctx_b.year)
    before = tree(link)
    clean = _clean(ctx_b, tmp_path, entry)
    after = tree(clean.reports / str(clean.year))
    assert sorted(after) == sorted(before) and after != before

    work = tmp_path / "kill"
    (work / "tmp").mkdir(parents=True)
    pause = {"kind": "chromium"} if find_chromium() else {"kind": "replace", "under": str(ctx_b.reports), "after": 1}
    killed = Killed(ctx_b, entry, work, pause=pause, env={"TMPDIR": str(work / "tmp")})
    killed.kill_at_marker()
    assert tree(link) in (before, after), "report HTML and PDF of different runs"
    assert os.listdir(work / "tmp") == [], "Chromium profile left in the system temp"

    _stage_on(ctx_b, entry)
    assert tree(link) == after
    assert staging_leftovers(ctx_b.reports / "runs" / str(ctx_b.year)) == []


# -- feeds -----------------------------------------------------------------------------------
def test_kill_while_writing_feeds(april, tmp_path):
    ctx_a, ctx_b = _prepare_july(april, tmp_path, "out")
    latest = ctx_b.feeds / "latest"
    before = tree(latest)
    clean = _clean(ctx_b, tmp_path, "caqes_tasks.feeds.stage:feeds_stage")
    after = tree(clean.feeds / "latest")
    assert after != before

    work = tmp_path / "kill"
    work.mkdir()
    killed = Killed(ctx_b, "caqes_tasks.feeds.stage:feeds_stage", work,
                    pause={"kind": "call", "call": "pyarrow.parquet:write_table", "after": 3})  # fmt: skip
    killed.kill_at_marker()
    assert tree(latest) == before
    assert staging_leftovers(ctx_b.feeds / "runs"), "the kill point is inside the build"

    result = _stage_on(ctx_b, "caqes_tasks.feeds.stage:feeds_stage")
    assert tree(latest) == after
    assert staging_leftovers(ctx_b.feeds / "runs") == [] and result["swept"]


# -- dbt build -------------------------------------------------------------------------------
def _marts(warehouse: Path) -> dict[str, str]:
    """A digest of every dbt mart's rows (all years)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for mart in MARTS:
            rows = con.execute(f"SELECT * FROM marts.{mart} ORDER BY ALL").fetchall()
            out[mart] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def test_kill_in_the_dbt_build_after_fct_indicateur(april, tmp_path):
    ctx_a, ctx_b = _prepare_july(april, tmp_path, "out", outcomes=False)
    con = duckdb.connect(str(ctx_b.warehouse))
    try:  # a corrected delivery: the 2022 spending changes, so does every mart built on it
        con.execute("UPDATE raw.phev SET montant_rembourse = round(montant_rembourse * 0.9, 2) WHERE annee = 2022")
    finally:
        con.close()
    before = _marts(ctx_b.warehouse)
    clean = _clean(ctx_b, tmp_path, "caqes_tasks.transform.runner:transform_stage")
    after = _marts(clean.warehouse)
    assert after["fct_indicateur"] != before["fct_indicateur"] and after["fct_evaluation"] != before["fct_evaluation"]

    work = tmp_path / "kill"
    work.mkdir()
    killed = Killed(ctx_b, "caqes_tasks.transform.runner:transform_stage", work)
    log = ctx_b.run_dir / "dbt" / "logs" / "dbt.log"

    def built() -> bool:
        return log.is_file() and "OK created sql table model marts.fct_indicateur" in log.read_text(errors="replace")

    killed.wait_for(built)
    killed.kill()
    assert _marts(ctx_b.warehouse) in (before, after), "marts of two different builds in the live warehouse"

    _stage_on(ctx_b, "caqes_tasks.transform.runner:transform_stage")
    assert _marts(ctx_b.warehouse) == after
    assert staging_leftovers(ctx_b.warehouse.parent) == []


# -- ingest and outcomes ---------------------------------------------------------------------
INGEST = "caqes_tasks.ingest.stage:ingest_stage"
TRANSFORM = "caqes_tasks.transform.runner:transform_stage"
OUTCOMES = "caqes_tasks.outcomes.stage:outcomes_stage"
CHAIN = [INGEST, TRANSFORM, OUTCOMES, "caqes_tasks.notices.stage:notices_stage", "caqes_tasks.feeds.stage:feeds_stage"]
RECTIFIED = {2021: Decimal("0.95"), 2022: Decimal("0.9"), 2023: Decimal("0.9")}


def _rectified_landing(april, dest: Path) -> Path:
    """April's landing plus corrected ``phev`` deliveries under new names (spending × rate)."""
    shutil.copytree(april["ctx"].landing, dest)
    for year, rate in RECTIFIED.items():
        head, *rows = (dest / "phev" / f"phev_{year}.csv").read_text(encoding="utf-8").splitlines()
        at = head.split(";").index("montant_rembourse")
        fixed = []
        for row in rows:
            cells = row.split(";")
            amount = Decimal(cells[at].replace(",", ".")) * rate
            cells[at] = str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)).replace(".", ",")
            fixed.append(";".join(cells))
        (dest / "phev" / f"phev_{year}_rectificatif.csv").write_text("\n".join([head, *fixed]) + "\n", encoding="utf-8")
    return dest


def _outcomes(warehouse: Path) -> dict[str, str]:
    """A digest of the outcome tables and of the procedure's history (all years)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [f"marts.{t}" for t in OUTCOME_TABLES] + ["meta.procedure"]
        return {t: hashlib.sha256(repr(con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()).encode()).hexdigest()
                for t in tables}  # fmt: skip
    finally:
        con.close()


def _published(ctx) -> dict:
    """What a run publishes: marts, outcomes, notices and the feeds' ``latest``."""
    return {"marts": _marts(ctx.warehouse), "outcomes": _outcomes(ctx.warehouse),
            "notices": tree(ctx.notices), "feeds": tree(ctx.feeds / "latest")}  # fmt: skip


def _ledger(ctx, pattern: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return con.execute("SELECT file_name, status FROM meta.ledger WHERE file_name LIKE ? ORDER BY ALL", [pattern]).fetchall()
    finally:
        con.close()


def _no_leftovers(ctx) -> None:
    assert staging_leftovers(ctx.out / "notices" / "runs" / str(ctx.year)) == []
    assert staging_leftovers(ctx.feeds / "runs") == []
    assert staging_leftovers(ctx.warehouse.parent) == []


@pytest.fixture(scope="module")
def july(april, tmp_path_factory) -> dict:
    """The 1 July run with corrected deliveries, run to its end: the new complete set. Its out
    dir is also kept as it stood after the dbt build (before outcomes)."""
    root = tmp_path_factory.mktemp("july")
    landing = _rectified_landing(april, root / "landing")
    ctx_a, _ = copy_out(april, root / "clean")
    ref = load_referentiel(ctx_a.referentiel)
    hashes = {**scan_landing(landing), f"referentiel/{ref.path.name}": ref.sha256}
    ctx = replace(ctx_a, landing=landing, as_of=JULY, input_hashes=hashes, run_id=compute_run_id(YEAR, hashes, JULY))
    before = _published(ctx)
    _stage_on(ctx, INGEST)
    _stage_on(ctx, TRANSFORM)
    transformed = root / "transformed"
    shutil.copytree(ctx.out, transformed, symlinks=True)
    for stage in CHAIN[2:]:
        _stage_on(ctx, stage)
    after = _published(ctx)
    assert all(after[k] != before[k] for k in after), "the corrected deliveries change every published set"
    return {"ctx": ctx, "before": before, "after": after, "transformed": transformed}


def _sent_kept(before: dict, ctx) -> None:
    """The April notices were sent: kept byte for byte by the July run."""
    sent = {rel: h for rel, h in before["notices"].items() if "/" in rel}
    now = tree(ctx.notices)
    assert sent and all(now[rel] == h for rel, h in sent.items())


def test_kill_in_ingest_after_some_files_are_loaded(april, july, tmp_path):
    ctx_a, _ = copy_out(april, tmp_path / "out")
    ctx = replace(july["ctx"], out=ctx_a.out)
    before = _published(ctx)
    assert before == july["before"]

    work = tmp_path / "kill"
    work.mkdir()
    killed = Killed(ctx, INGEST, work, pause={"kind": "call", "call": "caqes_tasks.ingest.stage:load_file", "after": 2})
    killed.kill_at_marker()
    assert _ledger(ctx, "%rectificatif%") == [("phev_2021_rectificatif.csv", "loaded"), ("phev_2022_rectificatif.csv", "loaded")]
    assert _published(ctx) == before, "a killed ingest changed what was published"

    for stage in CHAIN:
        _stage_on(ctx, stage)
    assert _published(ctx) == july["after"]
    assert _ledger(ctx, "%rectificatif%") == [(f"phev_{y}_rectificatif.csv", "loaded") for y in RECTIFIED]
    _sent_kept(before, ctx)
    _no_leftovers(ctx)


def test_kill_in_outcomes_before_its_commit(april, july, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(july["transformed"], out, symlinks=True)
    ctx = replace(july["ctx"], out=out)
    before = _published(ctx)
    assert before["outcomes"] == july["before"]["outcomes"] and before["marts"] == july["after"]["marts"]

    work = tmp_path / "kill"
    work.mkdir()
    # two tables written in the outcomes' transaction, three to go, nothing committed
    killed = Killed(ctx, OUTCOMES, work, pause={"kind": "call", "call": "caqes_tasks.outcomes.stage:_insert", "after": 2})
    killed.kill_at_marker()
    assert _published(ctx) == before, "outcomes of two runs, or the procedure's history changed"

    for stage in CHAIN[2:]:
        _stage_on(ctx, stage)
    assert _published(ctx) == july["after"]
    _sent_kept(before, ctx)
    _no_leftovers(ctx)
