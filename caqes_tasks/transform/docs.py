"""The dbt documentation, published as one file that opens from disk: ``OUT/docs/index.html``.

``dbt docs generate --static`` writes ``static_index.html``, the documentation site with the
project's manifest and the warehouse's catalog inside it (no server, no ``fetch`` of JSON files
that a browser refuses from ``file://``). It opens on the overview page
(``dbt_project/models/overview.md``). The dbt var ``year`` names the evaluation year whose
campaign report the exposure ``rapport_campagne`` links, by a path relative to the published
docs (``../reports/<N>/campagne_<N>.html``).

The catalog is read from a copy of the live warehouse taken under the writer lock (as the
transform stage builds), so a run in progress is neither blocked for long nor read half-built.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from caqes_tasks.transform.runner import _raise_if_failed, build_copy, run_dbt

DOCS_DIR = "docs"
DOCS_FILE = "index.html"


class DocsError(RuntimeError):
    """The documentation cannot be generated (no warehouse, no report year)."""


def latest_report_year(out: Path) -> int | None:
    """The latest year with a published campaign report under ``OUT/reports``, if any."""
    reports = out / "reports"
    years = [int(p.name) for p in reports.iterdir() if p.name.isdigit()] if reports.is_dir() else []
    return max(years, default=None)


def publish_docs(out: Path, year: int | None = None, work_dir: Path | None = None) -> dict:
    """Generate the static dbt docs of OUT's warehouse and publish them as ``OUT/docs/index.html``
    (replaced in one rename). ``year`` defaults to the latest year with a published report."""
    from caqes_tasks.warehouse import warehouse_for, writer_lock
    from caqes_tasks.warehouse.location import dbt_env

    out = Path(out)
    wh = warehouse_for(out)
    if not wh.exists():
        raise DocsError(f"pas d'entrepôt dans {out} ({wh.describe()}) : lancez d'abord caqes run")
    year = year if year is not None else latest_report_year(out)
    if year is None:
        raise DocsError(f"aucun rapport de campagne publié dans {out / 'reports'} : --year N pour choisir l'année")
    work_dir = Path(work_dir) if work_dir else out / DOCS_DIR / ".dbt"
    args = ["docs", "generate", "--static"]
    if wh.is_postgres:  # the catalog is read from the live schemas, committed data only
        result = run_dbt(args, work_dir=work_dir, dbt_vars={"year": int(year)}, target="postgres", env=dbt_env(wh))
        _raise_if_failed("docs generate", result)
    else:
        with writer_lock(wh), build_copy(wh.path) as copy:
            result = run_dbt(args, work_dir=work_dir, dbt_vars={"year": int(year)},
                             env={"CAQES_DUCKDB_PATH": str(copy)})
            _raise_if_failed("docs generate", result)
    target = out / DOCS_DIR / DOCS_FILE
    tmp = target.with_name(f".{DOCS_FILE}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.write_bytes((work_dir / "target" / "static_index.html").read_bytes())
    os.replace(tmp, target)
    return {"year": int(year), "outputs": {"docs": str(target)},
            "report": str((target.parent / f"../reports/{year}/campagne_{year}.html").resolve())}
