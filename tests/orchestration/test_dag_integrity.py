"""DAG integrity: the DAGs import without error or cycle, are thin, and are scheduled sanely."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {"caqes_annual", "caqes_nightly", "caqes_semestriel", "caqes_simulation"}


@pytest.mark.parametrize("dag_id", ["caqes_annual", "caqes_nightly", "caqes_semestriel"])
def test_dag_settings(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.catchup is False
    assert dag.max_active_runs == 1  # one writer on the DuckDB warehouse
    assert dag.max_active_tasks == 1
    assert "caqes" in dag.tags
    assert str(dag.timezone.name) == "Europe/Paris"
    for task in dag.tasks:
        assert task.owner == "ars-data"
    stage_tasks = [t for t in dag.tasks if t.task_id not in ("finalize",)]
    assert all(t.retries >= 1 for t in stage_tasks), "stage tasks are retried"
    # no cycle: walking upstream from every task never comes back to it
    def reaches_itself(task_id: str) -> bool:
        seen, todo = set(), list(dag.get_task(task_id).upstream_task_ids)
        while todo:
            current = todo.pop()
            if current == task_id:
                return True
            if current not in seen:
                seen.add(current)
                todo += dag.get_task(current).upstream_task_ids
        return False

    assert not [t.task_id for t in dag.tasks if reaches_itself(t.task_id)]
    assert dag.tasks


def test_annual_schedule_after_data_closure(dagbag):
    dag = dagbag.dags["caqes_annual"]
    assert dag.timetable.expression == "0 6 15 4 *"  # 15 April, year N-1 data closed
    ids = [t.task_id for t in dag.tasks]
    for name in ("prepare", "ingest", "year_validated", "transform", "outcomes", "notices", "rapports", "feeds", "report", "finalize"):
        assert name in ids
    # the stages run in the data's order
    chain = ["ingest", "year_validated", "transform", "outcomes", "notices", "rapports", "feeds", "report", "finalize"]
    for before, after in zip(chain, chain[1:]):
        assert before in dag.get_task(after).upstream_task_ids
    assert dag.get_task("finalize").trigger_rule == "all_done"


def test_semester_schedule_after_each_half_year(dagbag):
    from datetime import date

    from caqes_tasks.orchestration import semester_of

    dag = dagbag.dags["caqes_semestriel"]
    assert dag.timetable.expression == "0 6 1 3,9 *"  # 1 March and 1 September, 06:00 Paris
    assert [t.task_id for t in dag.tasks] == ["analyses_semestrielles"]
    assert semester_of(date(2024, 9, 1)) == (2024, 1)  # January–June closed by September
    assert semester_of(date(2025, 3, 1)) == (2024, 2)  # July–December closed by March
    assert semester_of(date(2025, 1, 15)) == (2024, 1)


def test_simulation_dag_is_triggered_by_hand_and_never_retried(dagbag):
    dag = dagbag.dags["caqes_simulation"]
    assert type(dag.timetable).__name__ == "NullTimetable"  # schedule=None: triggered by hand only
    assert dag.catchup is False and "caqes" in dag.tags
    assert str(dag.timezone.name) == "Europe/Paris"
    [task] = dag.tasks
    assert task.task_id == "simulation" and task.owner == "ars-data"
    assert task.retries == 0  # a setting refused once is refused again
    assert set(dag.params) == {"year", "reglages", "out"}


def test_nightly_schedule(dagbag):
    dag = dagbag.dags["caqes_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert "something_new" in dag.get_task("refresh_indicators").upstream_task_ids


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_files_are_thin(path):
    """DAG files only wire: top-level imports are airflow, pendulum, caqes_tasks.orchestration and
    the stage list caqes_tasks.stages."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            assert module.split(".")[0] in {"__future__", "airflow", "pendulum", "caqes_tasks"}, module
            if module.startswith("caqes_tasks"):
                assert module in {"caqes_tasks.orchestration", "caqes_tasks.stages"}, module


def test_no_work_at_import_time():
    """Importing a DAG file loads neither pandas, duckdb, dbt nor great_expectations."""
    code = (
        "import sys, runpy\n"
        f"runpy.run_path({str(DAGS / 'caqes_annual.py')!r})\n"
        f"runpy.run_path({str(DAGS / 'caqes_nightly.py')!r})\n"
        "heavy = [m for m in ('pandas', 'duckdb', 'dbt', 'great_expectations') if m in sys.modules]\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
