"""pyproject.toml gives compatible ranges, requirements.lock the exact tested set: they agree."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def _lock() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.lock: « {line} » n'est pas épinglé (nom==version)"
        pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_requirement_is_a_range_the_locked_pin_satisfies():
    pins = _lock()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} manque dans requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} hors de « {req.specifier} »"
        assert not any(s.operator in ("==", "===") for s in req.specifier), (
            f"{req} : un paquet installable dans un Airflow existant donne un intervalle, pas une version exacte")
        assert req.specifier, f"{req.name} sans borne : le lock seul est testé"


def test_airflow_and_duckdb_stay_on_the_tested_minor_versions():
    ranges = {canonicalize_name(r.name): r.specifier for r in _requirements()}
    assert ranges["apache-airflow"].contains("3.3.9") and not ranges["apache-airflow"].contains("3.4.0")
    assert ranges["duckdb"].contains("1.5.9") and not ranges["duckdb"].contains("1.6.0")
    # the PostgreSQL extension is built for one DuckDB release: both move together
    assert ranges["duckdb-extension-postgres-scanner"] == ranges["duckdb"]
    assert not ranges["dbt-core"].contains("1.12.0")
