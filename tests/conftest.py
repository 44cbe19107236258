"""Test-run wiring shared by every folder.

`make test` runs the suite on two pytest-xdist workers (`--dist loadgroup`). The files of a
folder that has its own ``conftest.py`` share that folder's session fixtures (a built warehouse,
a generated landing): they are kept on one worker so each such fixture is built once. Every other
file is its own group, so the two workers share out the rest freely.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the shared helpers of tests/fixtures/ are imported by name (``from valid_landing import ...``)
sys.path.insert(0, str(Path(__file__).parent / "fixtures"))


def _group(path: Path) -> str:
    folder = path.parent
    if (folder / "conftest.py").is_file() and folder != Path(__file__).parent:
        return folder.name
    return f"{folder.name}/{path.stem}"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(Path(str(item.path)))))
