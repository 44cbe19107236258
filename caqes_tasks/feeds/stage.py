"""The feeds stage: Parquet + Excel-friendly CSV per mart and year, manifest, atomic ``latest``.

Output (``ctx.feeds`` is ``OUT/feeds/<annee>``)::

    OUT/feeds/<annee>/runs/<run_id>/<mart>.parquet | <mart>.csv | manifest.json
                                    tracabilite.parquet | tracabilite.csv   (caqes_tasks.audit.tracabilite)
                                    dictionnaire.json | dictionnaire.csv   (caqes_tasks.feeds.dictionary)
    OUT/feeds/<annee>/latest -> runs/<run_id>
    OUT/feeds/caqes_bi.duckdb                       views for BI tools (see caqes_tasks.feeds.bi)

The manifest lists the inputs the run accepted (``input_hashes``) and, apart, the files of the
landing zone refused or ignored (``excluded_inputs``). It holds no timestamp: the same run id on the same marts gives the same bytes.
A run folder is built aside and switched in by one symlink swap; the staging folders of
killed runs are removed by the next publish (``caqes_tasks.feeds.publish``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from caqes_tasks.audit import tracabilite
from caqes_tasks.context import RunContext, compute_run_id
from caqes_tasks.feeds.bi import build_bi_database
from caqes_tasks.feeds.dictionary import write_dictionary
from caqes_tasks.feeds.excel_csv import write_excel_csv
from caqes_tasks.feeds.manifest import run_inputs
from caqes_tasks.feeds.marts import existing_marts, mart_columns, read_mart
from caqes_tasks.feeds.publish import LATEST, publish_run
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.warehouse import connect

FEEDS_SCHEMA_VERSION = "1.0"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def feeds_manifest(ctx: RunContext, run_id: str, marts: dict[str, dict], inputs: dict | None = None,
                   dictionary: dict | None = None) -> dict:
    """The feeds manifest (JSON-ready): schema version, run, accepted inputs, refused or ignored
    files, référentiel, marts, data dictionary. ``inputs`` as
    :func:`caqes_tasks.feeds.manifest.run_inputs` gives; ``dictionary``: the dictionary files
    (``{"json": {name, sha256}, "csv": {...}}``), left out when None."""
    from caqes_tasks.documents.index import documents_index  # here: documents import the feeds' publication

    ref = load_referentiel(ctx.referentiel)
    inputs = inputs or run_inputs(ctx)
    manifest = {
        "schema_version": FEEDS_SCHEMA_VERSION,
        "annee": ctx.year,
        "run_id": run_id,
        "input_hashes": inputs["accepted"],
        "excluded_inputs": {"rejected": inputs["rejected"], "ignored": inputs["ignored"]},
        "referentiel": {"campagne": ref.campagne, "version": ref.version, "sha256": ref.sha256},
        "marts": marts,
        # rapports d'évaluation and analyses semestrielles published for the year, per EJ
        "documents": documents_index(ctx.out, ctx.year),
    }
    if dictionary is not None:
        manifest["dictionnaire"] = dictionary
    return manifest


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def feeds_stage(ctx: RunContext) -> dict:
    """Publish every existing mart of year ``ctx.year`` to ``ctx.feeds`` (see module docstring)."""
    run_id = ctx.run_id or compute_run_id(ctx.year, ctx.input_hashes, ctx.as_of)
    inputs = run_inputs(ctx)
    exercice = load_referentiel(ctx.referentiel).exercice_produits_am(ctx.year)
    with connect(ctx.wh, read_only=True) as con:
        tables: dict[str, tuple[pa.Table, list[tuple[str, str]]]] = {
            m: (read_mart(con, m, ctx.year), mart_columns(con, m)) for m in existing_marts(con)
        }
        if tracabilite.disponible(con):
            tables[tracabilite.FEED] = (tracabilite.table_tracabilite(con, ctx.year, exercice), tracabilite.COLONNES_SQL)

    def build(folder: Path) -> None:
        described: dict[str, dict] = {}
        for mart, (table, columns) in tables.items():
            parquet, csv = folder / f"{mart}.parquet", folder / f"{mart}.csv"
            pq.write_table(table, parquet, compression="zstd")
            write_excel_csv(table, csv)
            described[mart] = {
                "rows": table.num_rows,
                "columns": [{"name": n, "type": t} for n, t in columns],
                "files": {
                    "parquet": {"name": parquet.name, "sha256": _sha256(parquet)},
                    "csv": {"name": csv.name, "sha256": _sha256(csv)},
                },
            }
        written = write_dictionary(folder, ctx.year, run_id, {m: columns for m, (_, columns) in tables.items()})
        dictionary = {kind: {"name": path.name, "sha256": _sha256(path)} for kind, path in written.items()}
        _write_json(folder / "manifest.json", feeds_manifest(ctx, run_id, described, inputs, dictionary))

    published = publish_run(ctx.feeds, run_id, build)
    bi = build_bi_database(ctx.feeds.parent)
    latest = ctx.feeds / LATEST
    return {
        "rows": {m: t.num_rows for m, (t, _) in tables.items()},
        "outputs": {
            "run_folder": str(published["folder"]),
            "latest": str(latest),
            "manifest": str(latest / "manifest.json"),
            "bi_database": str(bi),
        },
        "run_id": run_id,
        "created": published["created"],
        "latest_changed": published["latest_changed"],
        "swept": published["swept"],
    }
