"""The marts switch as one on the PostgreSQL warehouse.

dbt builds the layers into schemas beside the live ones (``staging__build``,
``intermediate__build``, ``marts__build``: ``CAQES_BUILD_SUFFIX``, see
``dbt_project/macros/generate_schema_name.sql``); :func:`switch_in` then, in one PostgreSQL
transaction, moves into each built schema what the build did not rebuild (the outcome tables of
``marts``, the models a selection left out), renames the live schema away and the built one in,
drops the old one and records the build in ``meta.dbt_builds``. PostgreSQL's DDL is
transactional and a view binds its tables by OID, so a reader sees every relation of the previous
build or every relation of the new one, and the views stay valid across the renames. A failed
build or test, or a crash, leaves the live schemas as they were (the next build drops the
leftover ``__build`` schemas first).
"""

from __future__ import annotations

import json

from caqes_tasks.warehouse.schema import META_TABLES

LAYERS = ("staging", "intermediate", "marts")
SUFFIX = "__build"
OLD = "__old"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def drop_build_schemas(conn) -> None:
    """Drop the ``__build`` / ``__old`` schemas a failed or killed build left (writer lock held)."""
    with conn.cursor() as cur:
        for layer in LAYERS:
            for leftover in (layer + SUFFIX, layer + OLD):
                cur.execute(f"DROP SCHEMA IF EXISTS {_ident(leftover)} CASCADE")


def _relations(cur, schema: str) -> dict[str, str]:
    """name -> kind ('r' table, 'v' view, 'm' materialized view, ...) of ``schema``'s relations."""
    cur.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm', 'p', 'f')",
        (schema,),
    )
    return dict(cur.fetchall())


_ALTER = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE"}


def switch_in(conn, record: dict) -> None:
    """Switch the built schemas in and record the build (``record``: fingerprint, selection,
    run_id, docs_dir, summary), in one transaction."""
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS meta")
            cur.execute(f"CREATE TABLE IF NOT EXISTS meta.dbt_builds ({META_TABLES['dbt_builds']})")
            for layer in LAYERS:
                built = layer + SUFFIX
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(built)}")
                fresh = _relations(cur, built)
                for name, kind in sorted(_relations(cur, layer).items()):
                    if name not in fresh:  # not rebuilt: carried over as it is
                        cur.execute(f"ALTER {_ALTER[kind]} {_ident(layer)}.{_ident(name)} SET SCHEMA {_ident(built)}")
                if _exists(cur, layer):
                    cur.execute(f"ALTER SCHEMA {_ident(layer)} RENAME TO {_ident(layer + OLD)}")
                cur.execute(f"ALTER SCHEMA {_ident(built)} RENAME TO {_ident(layer)}")
            live = {layer: set(_relations(cur, layer)) for layer in LAYERS}
            for layer in LAYERS:
                cur.execute(f"DROP SCHEMA IF EXISTS {_ident(layer + OLD)} CASCADE")
            # a carried-over view that read a relation of the previous build would go with it
            lost = [f"{layer}.{name}" for layer in LAYERS for name in sorted(live[layer] - set(_relations(cur, layer)))]
            if lost:
                raise RuntimeError("bascule annulée : ces vues non reconstruites lisaient l'ancienne version "
                                   f"d'un modèle reconstruit ({', '.join(lost)}) ; élargissez la sélection (+modèle)")
            cur.execute(
                "INSERT INTO meta.dbt_builds VALUES (%s, %s, %s, localtimestamp, %s, %s)",
                (record["fingerprint"], record["selection"], record["run_id"], record["docs_dir"],
                 json.dumps(record["summary"], sort_keys=True)),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = True


def _exists(cur, schema: str) -> bool:
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    return cur.fetchone() is not None
