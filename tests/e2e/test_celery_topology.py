"""Scale-out path: the annual DAG on Airflow's CeleryExecutor over Redis, every component a process
of its own (scheduler, dag-processor, api-server, triggerer, two Celery workers), metadata on
PostgreSQL, the warehouse a PostgreSQL database of its own (CAQES_WAREHOUSE), so that a worker on
another host has it; then the outputs compared with an embedded run (`caqes run`, DuckDB file) on
the same landing.

The topology is the one docker-compose.yml deploys (tests/fixtures/celery_topology.py; the last
test checks that the compose file agrees). The landing and the out folder are settings
(CAQES_LANDING, CAQES_OUT) shared by every component, as a mounted volume would be.
Skips with the reason when PostgreSQL or Redis does not answer on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from caqes_tasks.pipeline import read_run_lock
from caqes_tasks.warehouse import connect, warehouse_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from celery_topology import (  # noqa: E402
    COMPONENTS,
    DEPLOYMENT_ENV,
    FIXED_ENV,
    INIT,
    TEST_ONLY_ENV,
    REPO_ROOT,
    Api,
    Topology,
    command,
    command_matches,
    free_port,
    shared_env,
)
from local_services import postgres_database, redis_database  # noqa: E402

YEAR = 2024
AS_OF = "2025-04-15"
WORKERS = ("w1", "w2")
RUN_TIMEOUT_S = 900  # generous: a busy CI runner takes several times longer than a quiet one
MONEY = ("fct_interessement", "fct_sanction")


def _generate_landing(landing: Path) -> None:
    from caqes_demo import generate_demo  # the one import of the demo generator here

    generate_demo(landing, size="small", seed=2022)


def _embedded_run(landing: Path, out: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CAQES_"))}
    env.setdefault("PYTHONPATH", str(REPO_ROOT))
    done = subprocess.run(
        [str(Path(sys.executable).parent / "caqes"), "run", "--landing", str(landing), "--year", str(YEAR),
         "--out", str(out), "--as-of", AS_OF],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _money(warehouse) -> dict[str, list[tuple]]:
    with connect(warehouse, read_only=True) as con:
        return {
            t: sorted(con.execute(f"SELECT * FROM marts.{t} WHERE annee = ?", [YEAR]).fetchall(), key=repr)
            for t in MONEY
        }


def _feeds(out: Path) -> dict[str, str]:
    latest = out / "feeds" / str(YEAR) / "latest"
    return {
        str(p.relative_to(latest)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(latest.rglob("*"))
        if p.is_file()
    }


def _wait(what: str, check, timeout_s: float, topo: Topology, interval: float = 1.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if topo.dead():
            name = topo.dead()[0]
            pytest.fail(f"{name} exited while waiting for {what}:\n{topo.tail(name)}")
        value = check()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _started(topo: Topology, env: dict[str, str], api_port: int, workers: tuple[str, ...] = WORKERS) -> Api:
    """airflow db migrate (airflow-init), then every component; returns the logged-in API."""
    done = topo.airflow(INIT)
    assert done.returncode == 0, f"airflow db migrate failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    topo.start("airflow-apiserver", command("airflow-apiserver", api_port=str(api_port)))
    for service in ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        topo.start(service, command(service))
    fixtures = str(Path(__file__).resolve().parents[1] / "fixtures")
    for name in workers:
        topo.start(
            f"airflow-worker-{name}",
            command("airflow-worker", worker=name),
            extra={
                # two workers on one host: their own log server port, and a task hostname that
                # names the worker (in containers, each worker's own host name does both)
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "celery_topology.worker_hostname",
                "CAQES_TEST_WORKER": name,
                "PYTHONPATH": os.pathsep.join([os.environ.get("PYTHONPATH", str(REPO_ROOT)), fixtures]),
            },
        )
    api = Api(f"http://127.0.0.1:{api_port}")
    _wait("the api-server", api.healthy, 120, topo)
    api.login("admin", json.loads(Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).read_text())["admin"])
    for name in workers:
        _wait(f"worker {name}", lambda n=name: " ready." in topo.tail(f"airflow-worker-{n}", 10**6), 120, topo)
    _wait("the DAG caqes_annual in the API", lambda: api.get("/api/v2/dags/caqes_annual")[0] == 200, 120, topo)
    return api


@pytest.mark.airflow
@pytest.mark.postgres
@pytest.mark.timeout(1800)
def test_annual_run_on_celery_workers_matches_the_embedded_run(tmp_path):
    landing = tmp_path / "landing"
    _generate_landing(landing)

    with postgres_database("caqes_celery") as metadata_db, postgres_database("caqes_celery_wh") as warehouse_db, \
            redis_database() as broker:
        api_port = free_port()
        home = tmp_path / "airflow"
        home.mkdir()
        out = tmp_path / "shared_out"
        env = shared_env(home=home, metadata_db=metadata_db, broker=broker, api_port=api_port, landing=landing,
                         out=out, warehouse=warehouse_db)
        Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).write_text(json.dumps({"admin": "caqes-test"}))
        assert "CAQES_LOCK_IN_PROCESS" not in env  # tasks run in separate processes: the lock is parked
        topo = Topology(env=env, logs=tmp_path / "logs")
        try:
            api = _started(topo, env, api_port)
            status, body = api.patch("/api/v2/dags/caqes_annual", {"is_paused": False})
            assert status == 200, body
            started = time.monotonic()
            status, body = api.post(
                "/api/v2/dags/caqes_annual/dagRuns",
                {"dag_run_id": "celery_e2e", "logical_date": f"{AS_OF}T04:00:00Z", "conf": {"year": YEAR, "as_of": AS_OF}},
            )
            assert status == 200, body

            def finished():
                state = api.get("/api/v2/dags/caqes_annual/dagRuns/celery_e2e")[1].get("state")
                return state if state in ("success", "failed") else None

            state = _wait("the DAG run", finished, RUN_TIMEOUT_S, topo, interval=2)
            print(f"celery run ({len(WORKERS)} workers): {time.monotonic() - started:.1f} s")
            _, tis = api.get("/api/v2/dags/caqes_annual/dagRuns/celery_e2e/taskInstances")
            ran = {ti["task_id"]: (ti["state"], ti["hostname"]) for ti in tis["task_instances"]}
            logs = "\n".join(f"--- {n}\n{topo.tail(n)}" for n in topo.procs if n.startswith("airflow-worker"))
            assert state == "success", f"{ran}\n{logs}"
        finally:
            topo.stop()
        assert all(p.poll() is not None for p in topo.procs.values()), "every process stopped"
        money = _money(warehouse_for(out, setting=warehouse_db))
        assert not (out / "warehouse" / "caqes.duckdb").exists(), "the workers wrote the PostgreSQL warehouse"

    embedded = tmp_path / "embedded"
    started = time.monotonic()
    _embedded_run(landing, embedded)
    print(f"embedded run: {time.monotonic() - started:.1f} s")

    assert {s for s, _ in ran.values()} == {"success"}, ran
    workers = {h.split("@")[0] for _, h in ran.values()}
    assert workers == set(WORKERS), f"tasks ran on both workers: {ran}"
    assert read_run_lock(out) is None, "the lock parked between tasks is released by finalize"

    assert money == _money(embedded / "warehouse" / "caqes.duckdb")
    assert any(money.values()), "the demo year has some money to compare"
    assert _feeds(out) == _feeds(embedded)


def _compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_compose_deploys_the_tested_topology():
    """docker-compose.yml runs the components the Celery test starts, with the same commands and
    the same variables (no container engine runs here to start it)."""
    services = _compose()["services"]
    assert set(services) == set(COMPONENTS) | {"airflow-init", "postgres", "redis"}
    for name in COMPONENTS:
        argv = services[name]["command"]
        argv = shlex.split(argv) if isinstance(argv, str) else list(argv)
        assert argv[0] == "airflow" and command_matches(name, argv[1:]), (name, argv)
    init = services["airflow-init"]["command"]
    assert "airflow " + " ".join(INIT) in (init if isinstance(init, str) else " ".join(init))
    tested = set(FIXED_ENV) | set(DEPLOYMENT_ENV)
    for name in (*COMPONENTS, "airflow-init"):
        env = {k: str(v) for k, v in services[name]["environment"].items()}
        assert set(env) == tested, (name, sorted(set(env) ^ tested))
        assert {k: env[k] for k in FIXED_ENV} == FIXED_ENV, name
        assert not set(env) & set(TEST_ONLY_ENV)
        assert "CAQES_LOCK_IN_PROCESS" not in env


def test_compose_starts_components_after_migration_and_checks_their_health():
    services = _compose()["services"]
    for name in COMPONENTS:
        svc = services[name]
        assert svc["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy", name
        assert svc["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert svc.get("restart") == "always", name
        assert svc.get("healthcheck", {}).get("test"), name
    for name in ("airflow-init", "postgres", "redis"):
        assert services[name].get("healthcheck") or name == "airflow-init"
    for name in (*COMPONENTS, "airflow-init"):
        env = services[name]["environment"]
        # one secret for every component, or tasks fail with "Invalid auth token"
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == services["airflow-scheduler"]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"]
        assert env["AIRFLOW__CORE__FERNET_KEY"]
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    for folder in (".venv", "var", ".git"):
        assert any(line.strip("/") == folder for line in ignored), folder
