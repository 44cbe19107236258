"""Fault injection on the run's stages: one real annual run of the small demo (15 April), then
each test copies its out dir, starts a later run's stage (1 July) in a subprocess, kills it with
SIGKILL mid-way, checks what is published, reruns and compares with a clean run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from killing import APRIL, YEAR

from caqes_tasks.context import RunContext


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than 20 s (CI runs it)")


@pytest.fixture(scope="session")
def april(tmp_path_factory) -> dict:
    """The small demo region run once for 2022 as of 15 April 2023 (notifications préalables)."""
    from caqes_demo import generate_demo

    root = tmp_path_factory.mktemp("publication")
    landing, out = root / "landing", root / "out"
    generate_demo(landing, size="small", seed=2022)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("caqes")), "run", "--landing", str(landing), "--year", str(YEAR),
         "--out", str(out), "--as-of", APRIL],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run_id = re.search(r"^run (\S+)", done.stdout, re.M).group(1)
    context = json.loads((out / "runs" / run_id / "context.json").read_text())
    ctx = RunContext.from_dict(context)
    return {"root": root, "out": out, "ctx": ctx}
