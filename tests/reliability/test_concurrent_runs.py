"""Real runs of ``caqes`` on the small demo: two runs at once on one out dir, a nightly during a
run, a report rebuilt in a copy of the out dir, and failures that must be visible (a blocked
year, a night whose new files were all quarantined).

About two minutes: one complete annual run, then short runs that stop after ingest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from caqes_tasks.pipeline import read_run_lock

CAQES = str(Path(sys.executable).parent / "caqes")
YEAR, AS_OF = 2024, "2025-04-15"
ENV = {**os.environ, "CAQES_REPORT_PDF_ENGINE": "fpdf2"}
ENV.pop("CAQES_LOCK_WAIT", None)
BAD_PHEV = (
    "finess_geo;annee;indicateur;montant_rembourse;volume;numerateur;denominateur\n"
    f"330000001;{YEAR};NAT_1;-12,50;3;;\n"
)


def _caqes(*args: str, out: Path, landing: Path | None = None) -> list[str]:
    cmd = [CAQES, *args, "--out", str(out)]
    if landing is not None:
        cmd += ["--landing", str(landing)]
    return cmd


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = stderr.strip().splitlines()
    assert lines, "an error line on stderr"
    return lines[-1]


def _runs(warehouse: Path, run_id: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT status, started_at FROM meta.runs WHERE run_id = ? ORDER BY started_at", [run_id]
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    from caqes_demo import generate_demo

    root = tmp_path_factory.mktemp("concurrent")
    landing, out = root / "landing", root / "out"
    generate_demo(landing, size="small", seed=2022)
    run = ["run", "--year", str(YEAR), "--as-of", AS_OF]
    procs = [
        subprocess.Popen(_caqes(*run, out=out, landing=landing), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=ENV)
        for _ in range(2)
    ]
    # the refused run stops at once; meanwhile the other runs: a nightly on the same out dir
    # is refused too
    deadline = time.monotonic() + 300
    while all(p.poll() is None for p in procs) and time.monotonic() < deadline:
        time.sleep(0.2)
    nightly = subprocess.run(_caqes("nightly", out=out, landing=landing), capture_output=True, text=True,
                             env=ENV, timeout=300)
    outputs = [p.communicate(timeout=900) for p in procs]
    done = [(p.returncode, stdout, stderr) for p, (stdout, stderr) in zip(procs, outputs)]
    return {"root": root, "landing": landing, "out": out, "runs": done, "nightly": nightly}


def test_two_runs_at_once_one_runs_the_other_is_refused_naming_it(two_runs):
    codes = sorted(code for code, _, _ in two_runs["runs"])
    assert codes == [0, 2], [(c, e[-2000:]) for c, _, e in two_runs["runs"]]
    [(_, winner_out, _)] = [r for r in two_runs["runs"] if r[0] == 0]
    [(_, loser_out, loser_err)] = [r for r in two_runs["runs"] if r[0] == 2]
    run_id = winner_out.split()[1]
    line = _one_line(loser_err)
    assert line == loser_err.strip(), "the refused run prints one line"
    assert "déjà en cours" in line and run_id in line
    assert "Traceback" not in "".join(e for _, _, e in two_runs["runs"])
    # the run's record and manifest are the winner's, written once
    out = two_runs["out"]
    assert [s for s, _ in _runs(out / "warehouse" / "caqes.duckdb", run_id)] == ["success"]
    manifest = json.loads((out / "runs" / run_id / "manifest.json").read_text())
    assert manifest["outcome"] == "success"
    assert not (out / "runs" / run_id / "attempts").exists(), "the refused run left no attempt"
    assert read_run_lock(out) is None, "finalize released the lock"


def test_a_nightly_during_a_run_is_refused_in_one_line(two_runs):
    nightly = two_runs["nightly"]
    assert nightly.returncode == 2, nightly.stdout[-2000:] + nightly.stderr[-2000:]
    line = _one_line(nightly.stderr)
    assert "déjà en cours" in line and f"{YEAR}-" in line
    assert not list((two_runs["out"] / "runs").glob("nightly-*")), "the refused nightly wrote nothing"


def _copy_out(two_runs, name: str) -> Path:
    copy = two_runs["root"] / name
    shutil.copytree(two_runs["out"], copy, symlinks=True)
    return copy


def test_report_out_copy_writes_into_the_copy(two_runs):
    out = two_runs["out"]
    copy = _copy_out(two_runs, "copie")
    shutil.rmtree(copy / "reports")
    original = _digest(out / "reports")
    done = subprocess.run(_caqes("report", "--year", str(YEAR), out=copy), capture_output=True, text=True,
                          env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (copy / "reports" / str(YEAR) / f"campagne_{YEAR}.html").is_file()
    assert (copy / "reports" / str(YEAR) / f"campagne_{YEAR}.pdf").is_file()
    assert str(copy) in done.stdout and str(out) + os.sep not in done.stdout
    assert _digest(out / "reports") == original, "the original out dir is untouched"


def _landing_with_bad_phev(two_runs, name: str) -> tuple[Path, Path]:
    landing = two_runs["root"] / f"landing_{name}"
    shutil.copytree(two_runs["landing"], landing)
    bad = landing / "phev" / f"phev_{YEAR}_{name}.csv"
    bad.write_text(BAD_PHEV, encoding="utf-8")
    return landing, bad


def test_nightly_exits_2_when_every_new_file_was_quarantined(two_runs):
    out = _copy_out(two_runs, "out_nightly")
    landing, bad = _landing_with_bad_phev(two_runs, "rectificatif")
    done = subprocess.run(_caqes("nightly", "--year", str(YEAR), out=out, landing=landing),
                          capture_output=True, text=True, env=ENV, timeout=600)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    line = _one_line(done.stderr)
    assert "quarantaine" in line and bad.name in line
    [manifest] = [json.loads(p.read_text()) for p in (out / "runs").glob("nightly-*/manifest.json")]
    assert manifest["outcome"] == "quarantined"
    assert "transform" not in manifest["timings_s"], "nothing new loaded: no refresh"
    assert [s for s, _ in _runs(out / "warehouse" / "caqes.duckdb", manifest["run_id"])] == ["quarantined"]


def test_a_blocked_year_is_one_line_and_recorded_blocked(two_runs):
    out = _copy_out(two_runs, "out_blocked")
    latest = out / "feeds" / str(YEAR) / "latest"
    before = (latest.resolve(), _digest(latest), _digest(out / "notices" / str(YEAR)))
    landing, bad = _landing_with_bad_phev(two_runs, "corrige")
    done = subprocess.run(_caqes("run", "--year", str(YEAR), "--as-of", AS_OF, out=out, landing=landing),
                          capture_output=True, text=True, env=ENV, timeout=600)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    line = _one_line(done.stderr)
    assert f"année {YEAR} bloquée" in line and "résultats publiés conservés" in line
    run_id = done.stdout.split()[1]
    manifest = json.loads((out / "runs" / run_id / "manifest.json").read_text())
    assert manifest["outcome"] == "blocked"
    assert [s for s, _ in _runs(out / "warehouse" / "caqes.duckdb", run_id)] == ["blocked"]
    assert (latest.resolve(), _digest(latest), _digest(out / "notices" / str(YEAR))) == before
    assert read_run_lock(out) is None
