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
