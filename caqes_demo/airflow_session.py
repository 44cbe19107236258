"""Several DAG runs through one Airflow process: ``airflow dags test`` without starting Airflow anew.

``airflow dags test`` pays Airflow's start (imports, configuration, providers, the in-process
execution API) and the stages' imports (pandas, DuckDB, dbt, Great Expectations, Typst) on every
run. A :class:`DagRunner` starts one process, ``python -m caqes_demo.airflow_session``, which
runs each requested DAG run with Airflow's own ``dags test`` command (the same parser and
function as the ``airflow`` executable: ``DAG.test``, a real DAG run with its tasks, XComs and
trigger rules, recorded in the metadata database), one after the other, in that process.

Between runs the caller may do other work (the demo publishes the half-yearly analyses after the
first run): the process waits for its next request. Each run's output goes to its own log file
and is read as ``dags_test`` reads it (:class:`~caqes_demo.airflow_local.RunOutput`).

Protocol: one JSON request a line on the process's standard input (``{"argv": [...]}``, the
arguments after ``airflow``); after each run the process prints :data:`END` followed by the
run's exit code on a line of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path

from caqes_demo.airflow_local import RunOutput, airflow_env, migrated_marker

END = "caqes-airflow-session: run ended, code"


class DagRunner:
    """One Airflow process for the DAG runs of ``home`` (see module docstring); a context manager."""

    def __init__(self, home: Path, progress: Callable[[str], None] | None = None) -> None:
        self.home = home
        self.progress = progress
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> DagRunner:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "caqes_demo.airflow_session"],
            env=airflow_env(self.home),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        marker = migrated_marker(self.home)
        if not marker.exists():  # `airflow db migrate` in the same process, once per AIRFLOW_HOME
            code, tail = self._request(["db", "migrate"], self.home / "logs" / "db_migrate.log")
            if code != 0:
                self.__exit__()
                raise RuntimeError(f"airflow db migrate failed:\n{tail}")
            marker.write_text("ok\n")
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()  # no more requests: the process ends
        except OSError:
            pass
        with open(self.home / "logs" / "session_end.log", "w") as log:  # read to the end: never blocked on a full pipe
            log.writelines(self.proc.stdout)
        self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def run(self, dag_id: str, conf: dict, logical_date: str | None = None, log_file: Path | None = None) -> str:
        """One DAG run, as ``dags_test`` does it; its final state, or DagRunFailed."""
        argv = ["dags", "test", dag_id, *([logical_date] if logical_date else []), "--conf", json.dumps(conf)]
        output = RunOutput(self.progress)
        log_file = log_file or self.home / "logs" / f"{dag_id}.log"
        code, _ = self._request(argv, log_file, output.read)
        return output.outcome(dag_id, code, log_file)

    def _request(self, argv: list[str], log_file: Path, read: Callable[[str], None] | None = None) -> tuple[int, str]:
        """Have the process run ``airflow <argv>``; its exit code and last lines (the whole
        output in ``log_file``, each line also given to ``read``)."""
        assert self.proc is not None, "DagRunner used outside its with block"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        code, tail = None, deque(maxlen=40)
        with open(log_file, "w") as log:
            try:
                self.proc.stdin.write(json.dumps({"argv": argv}) + "\n")
                self.proc.stdin.flush()
            except OSError:  # the process is gone: its exit code says so below
                pass
            for line in self.proc.stdout:
                if line.startswith(END):
                    code = int(line[len(END):].strip())
                    break
                log.write(line)
                tail.append(line)
                if read:
                    read(line)
        if code is None:  # the process ended before the command did
            code = self.proc.wait() or 1
        return code, "".join(tail)[-3000:]


def _serve() -> int:
    """The Airflow process: ``airflow dags test`` for each request on stdin (Airflow's CLI)."""
    from airflow.cli import cli_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    write_default_airflow_configuration_if_needed()  # as the airflow executable does first
    parser = cli_parser.get_parser()
    for request in sys.stdin:
        if not request.strip():
            continue
        code = 0
        try:
            args = parser.parse_args(json.loads(request)["argv"])
            args.func(args)
        except SystemExit as stop:  # `dags test` ends a failed run with SystemExit("DagRun failed")
            code = stop.code if isinstance(stop.code, int) else (1 if stop.code else 0)
            if isinstance(stop.code, str):
                print(stop.code, flush=True)
        except Exception:  # noqa: BLE001 - reported in the run's log, the next run may go on
            import traceback

            traceback.print_exc()
            code = 1
        sys.stderr.flush()
        print(f"{END} {code}", flush=True)
    return 0


def _leave(code: int) -> None:
    """End the process once every request is served: the exit handlers run (Airflow's
    included), then the process ends without the interpreter's teardown of every module and
    object (seconds of native code after five runs, and nothing left to write: each run is
    committed in the metadata database and published by its tasks)."""
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _leave(_serve())
