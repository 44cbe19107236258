"""Parquet types, manifest, atomic ``latest``, identical re-runs, earlier runs kept, BI file."""

import hashlib
import json
import os
import threading
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from caqes_tasks.feeds import feeds_stage
from caqes_tasks.feeds import stage as feeds_stage_module
from caqes_tasks.feeds.marts import FEED_TABLES, MARTS
from caqes_tasks.referentiel import load_referentiel


def _tree(root: Path) -> dict[str, bytes]:
    """Every file and symlink under root, with its bytes (or link target)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = b"->" + os.readlink(p).encode()
        elif p.is_file() and not p.name.endswith(".lock"):
            out[rel] = p.read_bytes()
    return out


def _check_complete(folder: Path) -> None:
    """A published folder: manifest present and every file it lists there with its hash."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for mart in manifest["marts"].values():
        for f in mart["files"].values():
            assert hashlib.sha256((folder / f["name"]).read_bytes()).hexdigest() == f["sha256"]


def _of_2023(con, mart: str) -> str:
    """The rows of the mart the 2023 feed holds: that year's, or all of a label dimension (no annee)."""
    has_year = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ? "
        "AND column_name = 'annee'", [mart]).fetchone()[0]
    return f"marts.{mart} WHERE annee = 2023" if has_year else f"marts.{mart}"


def test_parquet_keeps_exact_decimal_types_and_values(ctx):
    feeds_stage(ctx)
    latest = ctx.feeds / "latest"
    schema = pq.read_schema(latest / "fct_interessement.parquet")
    assert schema.field("montant").type == pa.decimal128(18, 2)
    assert schema.field("score").type == pa.decimal128(5, 2)
    assert pq.read_schema(latest / "fct_sanction.parquet").field("base_produits_am").type == pa.decimal128(18, 2)
    assert pq.read_schema(latest / "fct_score.parquet").field("score").type == pa.decimal128(5, 2)
    assert pq.read_schema(latest / "fct_contractualisation.parquet").field("date_effet").type == pa.date32()

    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        for mart in MARTS:
            diff = con.execute(
                f"(SELECT * FROM {_of_2023(con, mart)} EXCEPT ALL SELECT * FROM read_parquet(?)) "
                f"UNION ALL (SELECT * FROM read_parquet(?) EXCEPT ALL SELECT * FROM {_of_2023(con, mart)})",
                [str(latest / f"{mart}.parquet")] * 2,
            ).fetchall()
            assert diff == [], mart
        total = pq.read_table(latest / "fct_interessement.parquet").column("montant").to_pylist()
        assert sum(total, Decimal(0)) == con.execute(
            "SELECT sum(montant) FROM marts.fct_interessement WHERE annee = 2023"
        ).fetchone()[0]
    finally:
        con.close()


def test_manifest_describes_the_tables(ctx):
    result = feeds_stage(ctx)
    latest = ctx.feeds / "latest"
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    ref = load_referentiel(ctx.referentiel)
    assert manifest["schema_version"] == "1.0"
    assert manifest["run_id"] == ctx.run_id and manifest["annee"] == 2023
    assert manifest["input_hashes"] == ctx.input_hashes
    assert manifest["referentiel"] == {"campagne": ref.campagne, "version": ref.version, "sha256": ref.sha256}
    assert list(manifest["marts"]) == sorted(FEED_TABLES)
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        for mart, desc in manifest["marts"].items():
            if mart not in MARTS:  # tracabilite: no warehouse table (tests/feeds/test_tracabilite_feed.py)
                continue
            expected = con.execute(f"SELECT count(*) FROM {_of_2023(con, mart)}").fetchone()[0]
            assert desc["rows"] == expected == result["rows"][mart] == pq.read_metadata(latest / f"{mart}.parquet").num_rows
            with open(latest / f"{mart}.csv", encoding="utf-8-sig", newline="") as fh:
                assert sum(1 for _ in fh) == expected + 1
            cols = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                [mart],
            ).fetchall()
            assert [(c["name"], c["type"]) for c in desc["columns"]] == cols
    finally:
        con.close()
    _check_complete(latest)
    assert manifest["marts"]["fct_sanction"]["columns"][4] == {"name": "base_produits_am", "type": "DECIMAL(18,2)"}


def test_rerun_of_the_same_run_changes_nothing(ctx):
    first = feeds_stage(ctx)
    before = _tree(ctx.out / "feeds")
    link_inode = os.lstat(ctx.feeds / "latest").st_ino
    bi_inode = os.stat(ctx.out / "feeds" / "caqes_bi.duckdb").st_ino
    second = feeds_stage(ctx)
    assert _tree(ctx.out / "feeds") == before
    assert os.lstat(ctx.feeds / "latest").st_ino == link_inode  # not even re-swapped
    assert os.stat(ctx.out / "feeds" / "caqes_bi.duckdb").st_ino == bi_inode
    assert first["created"] and not second["created"] and not second["latest_changed"]
    assert os.readlink(ctx.feeds / "latest") == f"runs/{ctx.run_id}"


def _change_marts(ctx, delta: str = "1.00") -> None:
    con = duckdb.connect(str(ctx.warehouse))
    try:
        con.execute(f"UPDATE marts.fct_sanction SET montant = montant + {delta} WHERE annee = 2023 AND motif = 'refus'")
    finally:
        con.close()


def test_a_new_run_moves_latest_and_keeps_the_earlier_one(ctx):
    feeds_stage(ctx)
    old = ctx.feeds / "runs" / ctx.run_id
    old_bytes = _tree(old)
    _change_marts(ctx)
    ctx2 = replace(ctx, run_id="2023-fedcba987654")
    feeds_stage(ctx2)
    assert os.readlink(ctx.feeds / "latest") == "runs/2023-fedcba987654"
    assert _tree(old) == old_bytes  # earlier run untouched
    _check_complete(ctx.feeds / "latest")
    montants = pq.read_table(ctx.feeds / "latest" / "fct_sanction.parquet").column("montant").to_pylist()
    assert Decimal("123457.78") in montants


def test_same_run_id_with_other_bytes_keeps_the_first_folder(ctx):
    feeds_stage(ctx)
    first = _tree(ctx.feeds / "runs" / ctx.run_id)
    _change_marts(ctx)
    result = feeds_stage(ctx)
    folder = Path(result["outputs"]["run_folder"])
    assert folder.name.startswith(ctx.run_id + "-") and folder.parent == ctx.feeds / "runs"
    assert _tree(ctx.feeds / "runs" / ctx.run_id) == first
    assert (ctx.feeds / "latest").resolve() == folder.resolve()


def test_a_failed_build_publishes_nothing(ctx, monkeypatch):
    feeds_stage(ctx)
    before = _tree(ctx.out / "feeds")
    real = feeds_stage_module.write_excel_csv
    calls = []

    def failing(table, path):
        calls.append(path.name)
        if len(calls) == 4:
            raise OSError("disk full")
        real(table, path)

    monkeypatch.setattr(feeds_stage_module, "write_excel_csv", failing)
    _change_marts(ctx)
    with pytest.raises(OSError, match="disk full"):
        feeds_stage(replace(ctx, run_id="2023-broken000000"))
    assert _tree(ctx.out / "feeds") == before  # no partial folder, latest unchanged
    assert sorted(p.name for p in (ctx.feeds / "runs").iterdir()) == [ctx.run_id]


def test_latest_always_points_to_a_complete_folder(ctx):
    feeds_stage(ctx)
    stop = threading.Event()
    seen, errors = set(), []

    def reader():
        while not stop.is_set():
            try:
                target = os.readlink(ctx.feeds / "latest")
                folder = ctx.feeds / target
                _check_complete(folder)
                seen.add(target)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(exc))

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(6):
            _change_marts(ctx, "0.01")
            feeds_stage(replace(ctx, run_id=f"2023-run{i:08d}"))
    finally:
        stop.set()
        t.join()
    assert errors == []
    assert len(seen) >= 2
    assert len(list((ctx.feeds / "runs").iterdir())) == 7
    assert not [p for p in (ctx.feeds / "runs").iterdir() if p.name.startswith(".")]


def test_bi_database_reads_each_years_latest(ctx):
    feeds_stage(ctx)
    feeds_stage(replace(ctx, year=2022, run_id="2022-0123456789ab"))
    bi = ctx.out / "feeds" / "caqes_bi.duckdb"
    con = duckdb.connect(str(bi), read_only=True)
    wh = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        got = con.execute("SELECT annee, sum(montant) FROM fct_interessement GROUP BY annee ORDER BY annee").fetchall()
        want = wh.execute(
            "SELECT annee, sum(montant) FROM marts.fct_interessement GROUP BY annee ORDER BY annee"
        ).fetchall()
        assert got == want and len(got) == 2
        runs = con.execute("SELECT DISTINCT annee, run_id FROM feeds_latest ORDER BY annee").fetchall()
        assert runs == [(2022, "2022-0123456789ab"), (2023, ctx.run_id)]
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE x (a INTEGER)")
    finally:
        con.close()
        wh.close()
    # the views follow `latest` without a rebuild
    _change_marts(ctx)
    feeds_stage(replace(ctx, run_id="2023-fedcba987654"))
    con = duckdb.connect(str(bi), read_only=True)
    try:
        assert con.execute("SELECT sum(montant) FROM fct_sanction WHERE annee = 2023").fetchone()[0] == Decimal("167457.78")
    finally:
        con.close()
