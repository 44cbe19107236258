"""Fixtures of the notices tests (data: notices_fixtures.py)."""

from __future__ import annotations

import pytest
from notices_fixtures import build_warehouse, make_ctx


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The stage run once on the hand-made warehouse: (ctx, result)."""
    from caqes_tasks.notices.stage import notices_stage

    out = tmp_path_factory.mktemp("notices-out")
    ctx = make_ctx(out)
    ctx.warehouse.parent.mkdir(parents=True)
    build_warehouse(ctx.warehouse)
    return ctx, notices_stage(ctx)
