"""What the dbt YAML declares, for the Python side: the marts' contracts and every description.

Each dbt model has its YAML next to its SQL (``dbt_project/models/<layer>/<model>.yml``: the
model, its columns and its unit tests); the raw inputs are declared in ``models/sources.yml`` and
the outcome tables written by the outcomes stage in ``models/outcomes.yml``. This module reads
them so that the BI file's comments, the published data dictionary and the tests' warehouses
all come from that one declaration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from caqes_tasks.referentiel import REPO_ROOT

DBT_MODELS = REPO_ROOT / "dbt_project" / "models"
OUTCOMES_YML = DBT_MODELS / "outcomes.yml"
SOURCES_YML = DBT_MODELS / "sources.yml"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=4)
def _models(root: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in sorted(Path(root).glob("*/*.yml")):
        for model in _load(path).get("models") or []:
            out[model["name"]] = {**model, "layer": path.parent.name}
    return out


def models(layer: str | None = None, root: Path = DBT_MODELS) -> dict[str, dict]:
    """``{name: model}`` declared in the per-model YAML files (of ``layer`` if given)."""
    return {n: m for n, m in _models(str(root)).items() if layer is None or m["layer"] == layer}


def model(name: str) -> dict:
    """The YAML declaration of one dbt model (KeyError naming it when there is none)."""
    return models()[name]


def source_tables(path: Path = SOURCES_YML) -> dict[str, dict]:
    """``{table: declaration}`` of every source table declared in ``path``."""
    return {t["name"]: t for s in _load(path).get("sources") or [] for t in s.get("tables") or []}


def contract_columns(name: str) -> list[dict]:
    """The columns of a mart's enforced contract, in order (name, data_type, description...)."""
    declared = model(name)
    if not ((declared.get("config") or {}).get("contract") or {}).get("enforced"):
        raise ValueError(f"{name} : le modèle n'a pas de contrat appliqué")
    return list(declared["columns"])


def contract_ddl(name: str) -> str:
    """``col TYPE, ...`` of a mart's enforced contract (to create the table outside dbt)."""
    return ", ".join(f"{c['name']} {c['data_type'].upper()}" for c in contract_columns(name))


def flat(text) -> str:
    """A YAML description on one line."""
    return " ".join(str(text or "").split())


def descriptions() -> dict[str, dict[str, str]]:
    """``{table: {"": table description, column: description}}`` of the marts (their YAML) and
    the outcome tables (``outcomes.yml``). A column described in one table only keeps that
    description in the others."""
    tables = [m for m in models("marts").values()] + list(source_tables(OUTCOMES_YML).values())
    out: dict[str, dict[str, str]] = {}
    for t in tables:
        d = {"": flat(t.get("description"))}
        for c in t.get("columns") or []:
            if c.get("description"):
                d[c["name"]] = flat(c["description"])
        out[t["name"]] = d
    common: dict[str, str] = {}
    for d in out.values():
        for col, text in d.items():
            if col:
                common.setdefault(col, text)
    return {name: {**common, **d} for name, d in out.items()}
