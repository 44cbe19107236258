"""The runner reports failures by node and keeps dbt's files out of the repository."""

from __future__ import annotations

import duckdb
import pytest

from caqes_tasks.transform.runner import DBT_PROJECT_DIR, TransformError, transform_stage

from .conftest import make_context
from .fixture_data import build_raw_warehouse


def test_failing_test_is_named(tmp_path):
    ctx = make_context(tmp_path)
    build_raw_warehouse(ctx.warehouse)
    con = duckdb.connect(str(ctx.warehouse))
    con.execute("update raw.contrats set statut = 'signé' where volet = 'V2'")
    con.close()
    with pytest.raises(TransformError) as err:
        transform_stage(ctx, select="source:raw.contrats")
    assert any("accepted_values" in n and "contrats" in n for n in err.value.failed_nodes)
    assert "accepted_values" in str(err.value)
    assert (ctx.run_dir / "dbt" / "logs" / "dbt.log").is_file()
    assert (ctx.run_dir / "dbt" / "target" / "run_results.json").is_file()


def _mart_rows(warehouse) -> dict[str, list]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]  # fmt: skip
        return {m: con.execute(f'select * from marts."{m}" order by all').fetchall() for m in marts}
    finally:
        con.close()


def test_a_failed_build_leaves_the_live_warehouse_as_it_was(built, tmp_path):
    """dbt builds a copy: models built before a failing test never reach the live warehouse,
    and no build folder is left beside it."""
    import shutil

    source, _ = built
    ctx = make_context(tmp_path)
    ctx.warehouse.parent.mkdir(parents=True)
    shutil.copyfile(source.warehouse, ctx.warehouse)
    shutil.copytree(source.landing, ctx.landing)
    con = duckdb.connect(str(ctx.warehouse))
    con.execute("update raw.phev set montant_rembourse = montant_rembourse * 2")  # fct_indicateur would change
    con.execute("update raw.contrats set statut = 'signé' where volet = 'V2'")  # a source test fails
    con.close()
    before = _mart_rows(ctx.warehouse)
    with pytest.raises(TransformError):
        transform_stage(ctx)
    assert _mart_rows(ctx.warehouse) == before
    assert sorted(p.name for p in ctx.warehouse.parent.iterdir()) == ["caqes.duckdb", "caqes.duckdb.lock"]
