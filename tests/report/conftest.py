import importlib.util
from pathlib import Path

import pytest

from caqes_tasks.context import RunContext

_spec = importlib.util.spec_from_file_location(
    "caqes_sample_marts", Path(__file__).parent.parent / "feeds" / "sample_marts.py"
)
sample_marts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample_marts)


@pytest.fixture
def sample():
    """The sample warehouse's module (its EJs, year and FINESS helpers)."""
    return sample_marts


@pytest.fixture
def ctx(tmp_path: Path) -> RunContext:
    c = RunContext(
        year=sample_marts.YEAR,
        landing=tmp_path / "landing",
        out=tmp_path / "out",
        as_of="2024-05-02",
        run_id="2023-0123456789ab",
        input_hashes={"phev/phev_2023.csv": "a" * 64},
    )
    sample_marts.build_warehouse(c.warehouse)
    return c
