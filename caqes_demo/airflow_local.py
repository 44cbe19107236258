"""Run the DAGs through a real Airflow on the embedded default (SQLite metadata).

Used by the end-to-end tests: ``airflow dags test`` runs a whole DAG run in one process, with
its tasks, XComs and trigger rules, against a SQLite metadata database under ``AIRFLOW_HOME``.
``caqes demo`` / ``make run`` runs its five DAG runs through one such process
(``caqes_demo.airflow_session``), with the same environment and the same reading of the output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_FOLDER = REPO_ROOT / "dags"
_PROGRESS = re.compile(r"caqes stage (\w+): (start|done in [0-9.]+ s)")
# the one line a failing task logs to say why the run fails (caqes_tasks.orchestration)
_FAILURE = re.compile(r"caqes run failed: (.*?)(?:\s+\[[\w.]+\])?(?:\s+\w+=.*)?$")
_FINISHED = re.compile(r"DagRun Finished: .*state=(\w+)")


class DagRunFailed(RuntimeError):
    pass


def airflow_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a self-contained Airflow: SQLite under ``home``, our DAGs, no examples."""
    home.mkdir(parents=True, exist_ok=True)
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/Paris",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": env.get(
                "CAQES_AIRFLOW_DB", f"sqlite:///{home / 'airflow.db'}"
            ),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "CAQES_TASK_RETRIES": env.get("CAQES_TASK_RETRIES", "0"),
            # `dags test` runs every task of the run in its own process: the out dir's run lock
            # is held in that process between tasks, so a run interrupted between two tasks
            # leaves no lock behind
            "CAQES_LOCK_IN_PROCESS": "1",
            "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
        }
    )
    env.update(extra or {})
    return env


def _airflow(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "airflow"
    return subprocess.run([str(exe), *args], env=env, **kw)


def migrated_marker(home: Path) -> Path:
    """The file that says ``home``'s metadata database has been migrated."""
    return home / ".migrated"


def ensure_metadata_db(home: Path) -> None:
    """``airflow db migrate`` once per AIRFLOW_HOME (idempotent, ~4 s on SQLite)."""
    marker = migrated_marker(home)
    if marker.exists():
        return
    env = airflow_env(home)
    done = _airflow(["db", "migrate"], env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    marker.write_text("ok\n")


def dags_test(
    dag_id: str,
    conf: dict,
    home: Path,
    logical_date: str | None = None,
    progress: Callable[[str], None] | None = None,
    log_file: Path | None = None,
) -> str:
    """Run one DAG run with ``airflow dags test``; return its final state or raise.

    Progress lines (stage start/done) are echoed through ``progress``; the whole Airflow
    output goes to ``log_file``.
    """
    ensure_metadata_db(home)
    env = airflow_env(home)
    args = ["dags", "test", dag_id]
    if logical_date:
        args.append(logical_date)
    args += ["--conf", json.dumps(conf)]
    log_file = log_file or home / "logs" / f"{dag_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).parent / "airflow"
    output = RunOutput(progress)
    with open(log_file, "w") as log, subprocess.Popen(
        [str(exe), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        for line in proc.stdout:
            log.write(line)
            output.read(line)
        code = proc.wait()
    return output.outcome(dag_id, code, log_file)


class RunOutput:
    """What one DAG run's Airflow output says: its stages (echoed to ``progress``), its final
    state and the one line a failing task logged to say why."""

    def __init__(self, progress: Callable[[str], None] | None = None) -> None:
        self.progress = progress
        self.state = "unknown"
        self.reason = ""

    def read(self, line: str) -> None:
        m = _PROGRESS.search(line)
        if m and self.progress:
            self.progress(f"  {m.group(1)}: {m.group(2)}")
        s = _FINISHED.search(line)
        if s:
            self.state = s.group(1)
        f = _FAILURE.search(line.rstrip())
        if f:
            self.reason = f.group(1).strip()

    def outcome(self, dag_id: str, code: int, log_file: Path) -> str:
        """The run's final state, or DagRunFailed in one line naming the log."""
        if code != 0 or self.state not in ("success", "unknown"):
            why = f" : {self.reason}" if self.reason else ""
            raise DagRunFailed(
                f"{dag_id} : run Airflow terminé en état {self.state} (code {code}){why} ; journal : {log_file}"
            )
        return self.state
