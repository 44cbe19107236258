"""Fixtures of the documents' tests (data and helpers: documents_fixtures.py)."""

from __future__ import annotations

import pytest
from documents_fixtures import build


@pytest.fixture(scope="session")
def evaluated(tmp_path_factory):
    """The small demo region with self-assessments, evaluated for 2022 (rapports issued)."""
    return build(tmp_path_factory.mktemp("documents"))


@pytest.fixture(scope="session")
def semester_s1(evaluated):
    """The analyses of the first half of 2022 (lines of 2021 and 2022 in the demo)."""
    from caqes_tasks.documents.semester import run_semester

    return run_semester(2022, 1, evaluated["landing"], evaluated["out"], as_of="2022-09-01")
