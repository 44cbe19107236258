"""What a dbt build is made of, as one digest: when nothing changed, the build is not redone.

A build's result depends on exactly three things: the dbt project's files, the content of the
warehouse's ``raw`` schema (every source, the line-level aggregate and the référentiel, loaded
by ingest; dbt reads nothing else) and the invocation (target, selection, variables, dbt
version). :func:`build_fingerprint` digests all three;
``transform_stage`` records the digest in the built copy's ``meta.dbt_builds`` (so it switches
with the marts it describes, in the same rename) and skips the build when the live warehouse
already holds marts built from the same digest. The raw content is hashed in SQL, row by row
and order-independent (about 0.1 s per million rows), so a change that bypassed the ledger
(a table rewritten by hand, a schema upgrade) still forces a rebuild.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

# the parts of the dbt project a build reads (target/, logs/ and docs are outputs)
_PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "tests", "snapshots", "analyses", "seeds")


@lru_cache(maxsize=4)
def _project_digest(project_dir: str, stamp: tuple) -> str:
    digest = hashlib.sha256()
    root = Path(project_dir)
    for path in _project_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _project_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for part in _PROJECT_PARTS:
        p = root / part
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    return sorted(files)


def project_digest(project_dir: Path) -> str:
    """SHA-256 over the project's files (names and contents); cached while no file changes."""
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in _project_files(project_dir))
    return _project_digest(str(project_dir), stamp)


def raw_digest(con) -> str:
    """Digest of every table of the ``raw`` schema: columns and types, row count and content."""
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]
    digest = hashlib.sha256()
    for name in tables:
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
            [name],
        ).fetchall()
        count, content = con.execute(f'SELECT count(*), sum(hash(t)::HUGEINT) FROM raw."{name}" t').fetchone()
        digest.update(json.dumps([name, columns, count, str(content)]).encode())
    return digest.hexdigest()


def build_fingerprint(con, *, project_dir: Path, target: str, dbt_vars: Mapping) -> str:
    """The digest of one build's inputs (the selection is compared apart: a full build covers
    any selection)."""
    from importlib.metadata import version

    parts = {
        "project": project_digest(project_dir),
        "raw": raw_digest(con),
        "target": target,
        "vars": dict(dbt_vars),
        "dbt": [version("dbt-core"), version("dbt-duckdb"), version("duckdb")],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
