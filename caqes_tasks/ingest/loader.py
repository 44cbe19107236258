"""Writes accepted files into ``raw.<source>`` and keeps the ingestion ledger ``meta.ledger``.

Ledger statuses: ``loaded`` (rows in raw.<source>), ``quarantined`` (rejected, nothing loaded),
``superseded`` (replaced by a later delivery), ``duplicate`` (same bytes as a file already
handled under another name: nothing loaded), ``recorded`` (an earlier status of ``phev_lines``
Parquet, then read by dbt: such a file still delivered is validated and aggregated once by the
next run, see ``caqes_tasks.ingest.phev_lines``). A file is identified by source, name and SHA-256: the same bytes under the
same name are never handled twice.

Supersession, in one transaction with the insert:
- a corrected file with the **same name** replaces the earlier one: its rows are deleted and
  its ledger entry (loaded or quarantined) becomes ``superseded``;
- a file under **another name** replaces, row by row, the earlier rows with the same source key
  (``SOURCE_KEYS``; an empty key cell matches an empty one); an earlier file left with no row
  is marked ``superseded``; for ``finess`` and ``finess_ej`` a new extract replaces the whole register
  of its year.
  For ``contrats`` only the same values may come twice: a proposal delivered with other values
  under another name is refused at validation (both files, each naming the other; see
  ``caqes_tasks.quality.helpers.mark_contract_conflicts``), so no contract wins by file name.

Columns declared for a raw table after a warehouse was created are added to it by
``caqes_tasks.warehouse.schema.create_schemas``, so earlier warehouses keep loading.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pyarrow as pa

from caqes_tasks.ingest.columns import COLUMNS
from caqes_tasks.warehouse.schema import SOURCE_KEYS

ARROW = {
    "finess": pa.string(), "text": pa.string(), "code": pa.string(), "int": pa.int64(),
    "dec2": pa.decimal128(18, 2), "dec6": pa.decimal128(18, 6), "date": pa.date32(), "bool": pa.bool_(),
}
FINESS_COLUMNS = {
    "extract_date": "date", "annee": "int", "finess_geo": "text", "finess_ej": "text",
    "raison_sociale": "text", "raison_sociale_longue": "text", "commune": "text", "departement": "text",
    "libelle_departement": "text", "ligne_acheminement": "text", "categorie": "text", "libelle_categorie": "text",
    "categorie_agregee": "text", "libelle_categorie_agregee": "text", "siret": "text", "code_ape": "text",
    "code_mft": "text", "libelle_mft": "text", "code_sph": "text", "libelle_sph": "text",
    "date_ouverture": "date", "date_autorisation": "date", "date_maj": "date",
}

FINESS_EJ_COLUMNS = {
    "extract_date": "date", "annee": "int", "finess_ej": "text", "raison_sociale": "text",
    "raison_sociale_longue": "text", "complement_raison_sociale": "text", "complement_distribution": "text",
    "numero_voie": "text", "type_voie": "text", "voie": "text", "complement_voie": "text", "lieu_dit_bp": "text",
    "commune": "text", "departement": "text", "libelle_departement": "text", "ligne_acheminement": "text",
    "telephone": "text", "telecopie": "text", "statut_juridique": "text", "libelle_statut_juridique": "text",
    "siren": "text", "code_ape": "text", "date_creation": "date", "date_maj": "date",
}
# Official extracts: a new extract replaces the whole register of its year.
REGISTERS = {"finess": FINESS_COLUMNS, "finess_ej": FINESS_EJ_COLUMNS}


def raw_columns(source: str) -> dict[str, str]:
    if source in REGISTERS:
        return REGISTERS[source]
    cols = {c.name: c.kind for c in COLUMNS[source]}
    if source == "engagements":
        cols["realise"] = "bool"
    return cols


def _values(series: pd.Series, kind: str) -> list:
    if kind == "bool":
        return [None if v is None else v == "oui" for v in series]
    if kind == "int":
        return [None if pd.isna(v) else int(v) for v in series]
    return [None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in series]


def to_arrow(source: str, frame: pd.DataFrame, file_name: str, sha256: str) -> pa.Table:
    cols = raw_columns(source)
    arrays = {name: pa.array(_values(frame[name], kind), type=ARROW[kind]) for name, kind in cols.items()}
    n = len(frame)
    arrays["_file"] = pa.array([file_name] * n, type=pa.string())
    arrays["_sha256"] = pa.array([sha256] * n, type=pa.string())
    arrays["_line"] = pa.array(frame["_line"].astype("int64").tolist(), type=pa.int32())
    return pa.table(arrays)


def ledger_rows(con) -> list[dict]:
    cur = con.execute("SELECT source, file_name, sha256, rows, status, run_id, recorded_at, blocked_years, report, message FROM meta.ledger")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def record(con, source: str, file_name: str, sha256: str, rows: int | None, status: str, run_id: str,
           report: str | None = None, message: str | None = None, blocked: list[int] | None = None) -> None:
    con.execute(
        "INSERT INTO meta.ledger (source, file_name, sha256, rows, status, run_id, recorded_at, report, message, blocked_years) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source, file_name, sha256, rows, status, run_id, datetime.now(), report, message,
         json.dumps(blocked) if blocked is not None else None],
    )


def load_file(con, source: str, frame: pd.DataFrame, file_name: str, sha256: str, run_id: str) -> dict:
    """Insert an accepted file, superseding what it replaces; return what was superseded."""
    table = to_arrow(source, frame, file_name, sha256)
    cols = ", ".join(table.column_names)
    keys = SOURCE_KEYS[source]
    superseded: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_incoming", table)
        same_name = con.execute(
            "SELECT sha256 FROM meta.ledger WHERE source = ? AND file_name = ? AND status IN ('loaded', 'quarantined')",
            [source, file_name],
        ).fetchall()
        if same_name:
            con.execute(f"DELETE FROM raw.{source} WHERE _file = ?", [file_name])
            con.execute(
                "UPDATE meta.ledger SET status = 'superseded', superseded_by = ? "
                "WHERE source = ? AND file_name = ? AND status IN ('loaded', 'quarantined')",
                [sha256, source, file_name],
            )
            superseded.append(f"{source}/{file_name}")
        match = ("annee",) if source in REGISTERS else keys
        on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in match)
        replaced = con.execute(
            f"SELECT t._file, count(*) FROM raw.{source} t WHERE EXISTS (SELECT 1 FROM _incoming i WHERE {on}) GROUP BY t._file"
        ).fetchall()
        if replaced:
            on_using = " AND ".join(f"raw.{source}.{k} IS NOT DISTINCT FROM i.{k}" for k in match)
            con.execute(f"DELETE FROM raw.{source} USING _incoming i WHERE {on_using}")
            for other, n in replaced:
                left = con.execute(f"SELECT count(*) FROM raw.{source} WHERE _file = ?", [other]).fetchone()[0]
                status = "superseded" if left == 0 else "loaded"
                con.execute(
                    "UPDATE meta.ledger SET status = ?, superseded_by = ?, message = ? "
                    "WHERE source = ? AND file_name = ? AND status = 'loaded'",
                    [status, sha256, f"{n} ligne(s) remplacée(s) par {file_name}", source, other],
                )
                if left == 0:
                    superseded.append(f"{source}/{other}")
        con.execute(f"INSERT INTO raw.{source} ({cols}) SELECT {cols} FROM _incoming")
        record(con, source, file_name, sha256, len(frame), "loaded", run_id)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_incoming")
    return {"superseded": superseded}


def referentiel_sha256(con, campagne: str) -> str | None:
    """SHA-256 of the référentiel the warehouse holds for ``campagne`` (None: not loaded yet)."""
    row = con.execute("SELECT max(sha256) FROM raw.ref_campagne WHERE campagne = ?", [campagne]).fetchone()
    return row[0] if row else None


def load_referentiel_tables(con, campagne: str, tables: dict[str, list[dict]]) -> int:
    """Replace the rows of ``campagne`` in raw.ref_* with the référentiel's (one transaction);
    every other campaign's rows are kept. Return the rows written."""
    total = 0
    con.execute("BEGIN TRANSACTION")
    try:
        for name, rows in tables.items():
            if any(r["campagne"] != campagne for r in rows):
                raise ValueError(f"raw.{name}: rows of another campaign than {campagne}")
            con.execute(f"DELETE FROM raw.{name} WHERE campagne = ?", [campagne])
            if rows:
                cols = list(rows[0])
                con.executemany(
                    f"INSERT INTO raw.{name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    [[r[c] for c in cols] for r in rows],
                )
            total += len(rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return total
