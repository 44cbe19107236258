"""Helpers of the kill tests: trees of published files, a stage started in a subprocess and
killed with SIGKILL, a copy of an out dir with the later run's context."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from caqes_tasks.context import RunContext, compute_run_id

HERE = Path(__file__).parent
YEAR = 2022
APRIL = "2023-04-15"
JULY = "2023-07-01"


def tree(folder: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under ``folder`` (followed through a link)."""
    folder = folder.resolve()
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def staging_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if re.match(r"^\..+\.tmp-\d+-", p.name)) if folder.is_dir() else []


class Killed:
    """A stage started in a subprocess and killed with SIGKILL (its whole process group)."""

    def __init__(self, ctx: RunContext, stage: str, work: Path, pause: dict | None = None, env: dict | None = None,
                 kwargs: dict | None = None):  # fmt: skip
        self.marker = work / "paused"
        spec = {"ctx": ctx.to_dict(), "stage": stage, "pause": pause or {}, "marker": str(self.marker), "kwargs": kwargs or {}}
        spec_path = work / "spec.json"
        spec_path.write_text(json.dumps(spec))
        self.log = open(work / "driver.log", "wb")  # noqa: SIM115 - closed in kill()
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "kill_driver.py"), str(spec_path)],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **(env or {})}, cwd=work,
        )  # fmt: skip
        self.work = work

    def wait_for(self, ready, timeout_s: float = 240) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if self.proc.poll() is not None:
                self.log.flush()
                raise AssertionError(f"stage ended before the kill point:\n{(self.work / 'driver.log').read_text()[-3000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("kill point never reached")
            time.sleep(0.02)

    def kill_at_marker(self) -> None:
        self.wait_for(self.marker.exists)
        self.kill()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()
        assert self.proc.returncode == -signal.SIGKILL


def copy_out(april: dict, dest: Path) -> tuple[RunContext, RunContext]:
    """A copy of the April out dir: (April's context, the July run's context) on the copy."""
    shutil.copytree(april["out"], dest, symlinks=True)
    ctx_a = replace(april["ctx"], out=dest)
    ctx_b = replace(ctx_a, as_of=JULY, run_id=compute_run_id(YEAR, ctx_a.input_hashes, JULY))
    return ctx_a, ctx_b
