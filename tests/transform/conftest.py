from __future__ import annotations

from pathlib import Path

import pytest

from caqes_tasks.context import RunContext
from .fixture_data import build_raw_warehouse, load_phev_lines, write_phev_lines


def make_context(root: Path, run_id: str = "test-run") -> RunContext:
    return RunContext(year=2023, landing=root / "landing", out=root / "out", run_id=run_id)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The fixture warehouse built once by the transform stage (every phev_lines partition aggregated)."""
    from caqes_tasks.transform.runner import transform_stage

    root = tmp_path_factory.mktemp("transform")
    ctx = make_context(root)
    build_raw_warehouse(ctx.warehouse)
    load_phev_lines(ctx.warehouse, [write_phev_lines(ctx.landing, annee) for annee in (2021, 2022, 2023)])
    result = transform_stage(ctx)
    return ctx, result
