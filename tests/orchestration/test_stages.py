"""The one stage list: its order, and every stage's lazy import leads to a stage function."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

import pytest

from caqes_tasks import stages


def test_annual_stages_in_the_data_order():
    assert [s.name for s in stages.ANNUAL] == ["ingest", "transform", "outcomes", "notices", "rapports", "feeds", "report"]


@pytest.mark.parametrize("stage", stages.ANNUAL, ids=lambda s: s.name)
def test_each_stage_runs_a_function_that_exists(stage):
    """The module and function a stage imports when it runs exist and take the run's context."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(stage.function)))
    (imported,) = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    (name,) = [alias.name for alias in imported.names]
    target = getattr(importlib.import_module(imported.module), name)
    assert callable(target)
    assert list(inspect.signature(target).parameters)[0] == "ctx"
    called = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert called == [name], "the stage calls what it imports"


def test_unknown_stage_is_named():
    assert stages.stage_named("feeds").function is stages.feeds
    with pytest.raises(ValueError, match="étape inconnue : publish .*ingest, transform"):
        stages.stage_named("publish")
