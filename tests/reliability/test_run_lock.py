"""One run at a time per out dir: the run lock taken by ``prepare``, checked by every stage,
released by ``finalize``; readers of the warehouse wait for its writer.

Other processes are real processes (``subprocess``), so liveness is checked as in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from caqes_tasks import pipeline
from caqes_tasks.orchestration import context_from_airflow, outcome_of
from caqes_tasks.pipeline import (
    RunInProgress,
    RunLockLost,
    acquire_run_lock,
    finalize,
    hold_run_lock,
    new_attempt,
    prepare,
    read_run_lock,
    release_run_lock,
    run_lock_path,
    run_stage,
    stage_results,
)
from caqes_tasks.warehouse import connect, writer_lock

HOLDER = """
import sys, time
from pathlib import Path
from caqes_tasks.context import RunContext
from caqes_tasks.pipeline import acquire_run_lock, new_attempt, release_run_lock
out, hold, end = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
ctx = RunContext(year=2024, landing=out, out=out, run_id="2024-autre0run00", attempt=new_attempt())
acquire_run_lock(out, ctx.run_id, ctx.attempt, "annual", 2024)
print("held", flush=True)
time.sleep(hold)
if end == "release":
    release_run_lock(ctx)
"""

WRITER = """
import sys, time
from pathlib import Path
from caqes_tasks.warehouse import connect, writer_lock
w = Path(sys.argv[1])
with writer_lock(w), connect(w) as con:
    con.execute("CREATE TABLE t AS SELECT 42 AS x")
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _start(code: str, *args) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture(autouse=True)
def _settings(monkeypatch):
    monkeypatch.setenv("CAQES_MIN_FREE_MB", "1")
    monkeypatch.delenv("CAQES_LOCK_WAIT", raising=False)
    monkeypatch.delenv("CAQES_LOCK_STALE_S", raising=False)


@pytest.fixture
def landing(tmp_path) -> Path:
    (tmp_path / "landing" / "phev").mkdir(parents=True)
    return tmp_path / "landing"


def test_a_second_run_fails_fast_naming_the_run_in_progress(tmp_path):
    out = tmp_path / "out"
    holder = _start(HOLDER, out, 60, "keep")
    try:
        started = time.monotonic()
        with pytest.raises(RunInProgress) as refused:
            acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)
        assert time.monotonic() - started < 5
        message = str(refused.value)
        assert "\n" not in message
        assert "2024-autre0run00" in message and "en cours" in message and f"processus {holder.pid}" in message
        assert read_run_lock(out)["run_id"] == "2024-autre0run00", "the refused run wrote nothing"
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_dead_process_is_taken_over(tmp_path):
    out = tmp_path / "out"
    holder = _start(HOLDER, out, 60, "keep")
    holder.kill()  # SIGKILL: the lock file still names it
    holder.wait()
    assert read_run_lock(out)["pid"] == holder.pid
    previous = acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)
    assert previous["run_id"] == "2024-autre0run00"
    assert read_run_lock(out)["run_id"] == "2024-moi"


def test_a_reused_pid_does_not_keep_a_dead_run_alive(tmp_path):
    out = tmp_path / "out"
    acquire_run_lock(out, "2024-ancien", new_attempt(), "annual", 2024)
    record = json.loads(run_lock_path(out).read_text())
    record["pid_start"] = "1"  # same pid, another process start: the pid was reused
    run_lock_path(out).write_text(json.dumps(record))
    assert acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)["run_id"] == "2024-ancien"


def test_a_second_run_waits_when_caqes_lock_wait_is_set(tmp_path, monkeypatch):
    out = tmp_path / "out"
    holder = _start(HOLDER, out, 2, "release")
    monkeypatch.setenv("CAQES_LOCK_WAIT", "60")
    started = time.monotonic()
    previous = acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)
    waited = time.monotonic() - started
    holder.wait()
    assert previous is None, "the first run released its lock"
    assert 1.0 < waited < 30
    assert read_run_lock(out)["run_id"] == "2024-moi"


def test_waiting_gives_up_after_caqes_lock_wait(tmp_path, monkeypatch):
    out = tmp_path / "out"
    holder = _start(HOLDER, out, 60, "keep")
    monkeypatch.setenv("CAQES_LOCK_WAIT", "1")
    try:
        with pytest.raises(RunInProgress, match="toujours en cours après 1 s"):
            acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)
    finally:
        holder.kill()
        holder.wait()


def _parked(out: Path, heartbeat: float, orchestrator: str = "scheduled__2025-04-15T04:00:00+00:00", host=None):
    record = {
        "run_id": "2024-airflow0000", "attempt": new_attempt(), "kind": "annual", "year": 2024,
        "orchestrator_run_id": orchestrator, "stage": None, "acquired_at": "2025-04-15T06:00:00+02:00",
        "heartbeat": heartbeat, "host": host or pipeline.HOST, "pid": None, "pid_start": None,
    }
    run_lock_path(out).parent.mkdir(parents=True, exist_ok=True)
    run_lock_path(out).write_text(json.dumps(record))
    return record


def test_a_lock_parked_between_airflow_tasks_holds_until_it_is_stale(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _parked(out, heartbeat=time.time())
    with pytest.raises(RunInProgress, match="entre deux tâches Airflow"):
        acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)
    # the same Airflow run prepared again (cleared, retried) takes its own parked lock back
    mine = _parked(out, heartbeat=time.time())
    assert acquire_run_lock(out, "2024-x", new_attempt(), "annual", 2024, mine["orchestrator_run_id"])
    # a parked lock whose heartbeat is older than CAQES_LOCK_STALE_S is abandoned
    monkeypatch.setenv("CAQES_LOCK_STALE_S", "60")
    _parked(out, heartbeat=time.time() - 120)
    assert acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)["run_id"] == "2024-airflow0000"
    # a worker on another host is judged by its heartbeat, not by a local pid
    record = _parked(out, heartbeat=time.time())
    record.update(pid=1, host="autre-hote")
    run_lock_path(out).write_text(json.dumps(record))
    with pytest.raises(RunInProgress, match="autre-hote"):
        acquire_run_lock(out, "2024-moi", new_attempt(), "annual", 2024)


def test_airflow_tasks_park_the_lock_and_finalize_releases_it(landing, tmp_path):
    out = tmp_path / "out"
    context = {
        "params": {"landing": str(landing), "out": str(out), "year": 2024},
        "logical_date": datetime(2025, 4, 15, 4, 0, tzinfo=timezone.utc),
        "run_id": "scheduled__2025-04-15T04:00:00+00:00",
    }
    ctx = context_from_airflow(context, kind="annual")
    parked = read_run_lock(out)
    assert parked["attempt"] == ctx.attempt and parked["pid"] is None, "parked between tasks"
    # a task runs in a process of its own: it marks itself as the worker, then parks again
    worker = _start(
        "import sys, json, time\n"
        "from caqes_tasks.context import RunContext\n"
        "from caqes_tasks.pipeline import hold_run_lock\n"
        "ctx = RunContext.from_dict(json.loads(sys.argv[1]))\n"
        "with hold_run_lock(ctx, 'ingest'):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(2)\n",
        json.dumps(ctx.to_dict()),
    )
    during = read_run_lock(out)
    worker.wait()
    assert (during["pid"], during["stage"]) == (worker.pid, "ingest")
    with pytest.raises(RunInProgress):
        acquire_run_lock(out, "2024-autre", new_attempt(), "nightly", 2024)
    after = read_run_lock(out)
    assert after["attempt"] == ctx.attempt and after["pid"] is None and after["stage"] is None
    finalize(ctx.to_dict(), "failed")
    assert read_run_lock(out) is None


def test_the_heartbeat_is_refreshed_while_a_stage_works(landing, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "HEARTBEAT_S", 0.1)
    ctx = prepare(2024, landing, tmp_path / "out", as_of="2025-04-15")
    first = read_run_lock(ctx.out)["heartbeat"]
    with hold_run_lock(ctx, "transform"):
        time.sleep(0.5)
        assert read_run_lock(ctx.out)["heartbeat"] > first
        assert read_run_lock(ctx.out)["stage"] == "transform"
    assert read_run_lock(ctx.out)["pid"] is not None, "the CLI's process keeps the lock between stages"
    release_run_lock(ctx)


def test_a_run_that_lost_its_lock_writes_nothing(landing, tmp_path):
    ctx = prepare(2024, landing, tmp_path / "out", as_of="2025-04-15")
    release_run_lock(ctx)
    acquire_run_lock(ctx.out, "nightly-2024-autre", new_attempt(), "nightly", 2024)
    with pytest.raises(RunLockLost, match="nightly-2024-autre"):
        run_stage("ingest", ctx)
    assert not (ctx.run_dir / "stages" / "ingest.json").exists()
    with pytest.raises(RunLockLost):
        finalize(ctx, "failed")
    assert not (ctx.run_dir / "manifest.json").exists()
    assert not ctx.warehouse.exists(), "no record written in meta.runs"
    assert read_run_lock(ctx.out)["run_id"] == "nightly-2024-autre", "the other run's lock is untouched"


def test_each_attempt_of_a_run_keeps_its_own_record(landing, tmp_path):
    out = tmp_path / "out"
    first = prepare(2024, landing, out, as_of="2025-04-15")
    (first.run_dir / "stages" / "report.json").write_text(json.dumps({"stage": "report", "seconds": 1, "result": {}}))
    finalize(first, "failed")
    second = prepare(2024, landing, out, as_of="2025-04-15")
    assert second.run_id == first.run_id and second.attempt != first.attempt
    # the earlier attempt's stage records do not count for this one
    assert stage_results(second) == {}
    assert outcome_of(second, last_stage="report") == "failed"
    finalize(second, "success")
    archived = first.run_dir / "attempts" / first.attempt
    assert json.loads((archived / "manifest.json").read_text())["outcome"] == "failed"
    assert json.loads((archived / "context.json").read_text())["attempt"] == first.attempt
    assert json.loads((second.run_dir / "manifest.json").read_text())["outcome"] == "success"
    con = duckdb.connect(str(second.warehouse), read_only=True)
    rows = con.execute("SELECT status, started_at FROM meta.runs WHERE run_id = ? ORDER BY started_at", [first.run_id]).fetchall()
    con.close()
    assert [r[0] for r in rows] == ["failed", "success"]
    assert rows[0][1] < rows[1][1]
    assert read_run_lock(out) is None


def test_a_reader_waits_for_the_writer_instead_of_failing(tmp_path):
    warehouse = tmp_path / "out" / "warehouse" / "caqes.duckdb"
    writer = _start(WRITER, warehouse, 2)
    started = time.monotonic()
    with connect(warehouse, read_only=True) as con:
        assert con.execute("SELECT x FROM t").fetchone() == (42,)
    assert time.monotonic() - started > 0.5, "the reader waited for the writer"
    assert writer.wait() == 0


def test_a_writer_waits_for_readers(tmp_path):
    warehouse = tmp_path / "out" / "warehouse" / "caqes.duckdb"
    with writer_lock(warehouse), connect(warehouse) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        with writer_lock(warehouse):
            pass  # the writer lock is reentrant in its process
    reader = _start(
        "import sys, time\nfrom pathlib import Path\nfrom caqes_tasks.warehouse import connect\n"
        "with connect(Path(sys.argv[1]), read_only=True) as con:\n"
        "    print('held', flush=True)\n    time.sleep(2)\n",
        warehouse,
    )
    started = time.monotonic()
    with writer_lock(warehouse), connect(warehouse) as con:
        con.execute("INSERT INTO t VALUES (2)")
    assert time.monotonic() - started > 0.5
    assert reader.wait() == 0


def test_a_process_reading_cannot_deadlock_itself_by_writing(tmp_path):
    warehouse = tmp_path / "out" / "warehouse" / "caqes.duckdb"
    with writer_lock(warehouse), connect(warehouse) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    with connect(warehouse, read_only=True):
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="lit l'entrepôt"):
            with writer_lock(warehouse):
                pass
        assert time.monotonic() - started < 1
    with writer_lock(warehouse):  # once the reader is closed, writing goes on
        pass


def test_under_dags_test_the_lock_stays_with_the_process_and_dies_with_it(landing, tmp_path):
    """``airflow dags test`` runs every task in one process (CAQES_LOCK_IN_PROCESS=1): a run
    interrupted between two tasks leaves a lock the next run takes over at once."""
    import os

    out = tmp_path / "out"
    code = (
        "import json, sys, time\n"
        "from datetime import datetime, timezone\n"
        "from caqes_tasks.orchestration import context_from_airflow\n"
        "context_from_airflow({'params': {'landing': sys.argv[1], 'out': sys.argv[2], 'year': 2024},\n"
        "    'logical_date': datetime(2025, 4, 15, 4, tzinfo=timezone.utc), 'run_id': 'manual__x'}, kind='annual')\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(landing), str(out)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "CAQES_LOCK_IN_PROCESS": "1", "CAQES_MIN_FREE_MB": "1"})
    assert proc.stdout.readline().strip() == "held"
    assert read_run_lock(out)["pid"] == proc.pid, "between tasks the lock names the dags test process"
    proc.kill()
    proc.wait()
    assert acquire_run_lock(out, "2024-suivant", new_attempt(), "annual", 2024)["orchestrator_run_id"] == "manual__x"
