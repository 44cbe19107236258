"""SIGKILL in the middle of publishing notices, report, feeds and of the dbt build.

Each test starts from a copy of the 15 April run's out dir, runs the 1 July run's stage in a
subprocess and kills its process group at a point inside the stage. Then: every published file
equals the previous complete set or the new one (never a mix), the rerun completes and equals a
clean run of the same stage, and nothing the killed run left behind remains.
"""

from __future__ import annotations

import hashlib
import inspect
import os
from pathlib import Path

import duckdb
import pytest
from killing import Killed, copy_out, staging_leftovers, tree

from caqes_tasks.report.pdf import find_chromium
from caqes_tasks.transform.runner import MARTS


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
