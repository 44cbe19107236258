"""What the user gets wrong on the command line: one line naming the problem and the accepted
values, exit 2, never a traceback, nothing created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CAQES = str(Path(sys.executable).parent / "caqes")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("cli") / "landing"
    (landing / "phev").mkdir(parents=True)
    return landing


CASES = {
    "missing landing": (["run", "--year", "2024"], ["--landing"]),
    "landing not found": (["run", "--landing", "{tmp}/nowhere", "--year", "2024"], ["introuvable", "nowhere"]),
    "missing year": (["run", "--landing", "{landing}"], ["--year", "2022, 2023, 2024"]),
    "year outside the campaign": (["run", "--landing", "{landing}", "--year", "2019"], ["2019", "2022, 2023, 2024"]),
    "year not a number": (["run", "--landing", "{landing}", "--year", "vingt"], ["vingt", "2022, 2023, 2024"]),
    "unknown referentiel": (
        ["run", "--landing", "{landing}", "--year", "2024", "--referentiel", "{tmp}/caqes-2030.yml"],
        ["caqes-2030.yml", "caqes-2022-2024.yml"],
    ),
    "as-of not a date": (["run", "--landing", "{landing}", "--year", "2024", "--as-of", "15/04/2025"], ["15/04/2025", "AAAA-MM-JJ"]),
    "as-of not a day": (["run", "--landing", "{landing}", "--year", "2024", "--as-of", "2025-02-30"], ["2025-02-30", "AAAA-MM-JJ"]),
    "unknown option": (["run", "--landing", "{landing}", "--year", "2024", "--anne", "2024"], ["--anne", "--help"]),
    "nightly unknown referentiel": (["nightly", "--landing", "{landing}", "--referentiel", "{tmp}/x.yml"], ["x.yml"]),
    "report without any run": (["report", "--year", "2024"], ["caqes run"]),
    "report year not a number": (["report", "--year", "deux"], ["deux", "--year"]),
    "nightly year outside the campaign": (["nightly", "--landing", "{landing}", "--year", "2019"], ["2019", "2022, 2023, 2024"]),
    "nightly missing landing": (["nightly"], ["introuvable", "--landing"]),
    "demo size unknown": (["demo", "--size", "huge"], ["huge", "--size", "small", "region"]),
    "demo year outside the campaign": (["demo", "--years", "2019", "--no-airflow"], ["2019", "2022, 2023, 2024"]),
    "demo seed not a number": (["demo", "--seed", "x"], ["--seed", "--help"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_line_exit_2_nothing_created(case, landing, tmp_path):
    args, expected = CASES[case]
    out = tmp_path / "out"
    args = [a.format(landing=landing, tmp=tmp_path) for a in args] + ["--out", str(out)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAQES_")}
    done = subprocess.run([CAQES, *args], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in expected:
        assert word in lines[0], lines[0]
    assert not out.exists(), "nothing created"
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing created beside"
