"""Pre-flight: before the first stage, every output folder of the run must be writable and have
room; otherwise one line, exit 2, nothing written.

A read-only folder is made without chmod (root writes through permissions): a file where the
folder should be, or, as root, a read-only or a 1 MB tmpfs mounted on the folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caqes_tasks.pipeline import PreflightError, output_folders, preflight

CAQES = str(Path(sys.executable).parent / "caqes")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    from caqes_demo import generate_demo

    root = tmp_path_factory.mktemp("landing")
    generate_demo(root / "landing", size="small", seed=2022)
    return root / "landing"


def _run(landing: Path, out: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CAQES, "run", "--landing", str(landing), "--year", "2024", "--out", str(out), "--as-of", "2025-04-15"],
        capture_output=True, text=True, timeout=600, env={**os.environ, **env},
    )


def _files(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*"))


def _refused(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_file_where_an_output_folder_should_be_stops_the_run_before_anything(landing, tmp_path):
    out = tmp_path / "out"
    (out / "feeds").mkdir(parents=True)
    (out / "feeds" / "2024").write_text("pas un dossier\n")
    before = _files(out)
    line = _refused(_run(landing, out))
    assert "vérification avant lancement" in line and str(out / "feeds" / "2024") in line
    assert "rien n'a été écrit" in line
    assert _files(out) == before, "nothing written: no warehouse, no run folder, no notice"


def test_too_little_room_is_refused_with_the_minimum(tmp_path, monkeypatch):
    monkeypatch.setenv("CAQES_MIN_FREE_MB", str(10**12))
    with pytest.raises(PreflightError, match="CAQES_MIN_FREE_MB") as refused:
        preflight(tmp_path / "out", 2024)
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "out").exists()


def test_a_published_link_is_checked_through_its_folder_not_written_through(tmp_path):
    out = tmp_path / "out"
    published = out / "notices" / "runs" / "2024" / "2024-abc"
    published.mkdir(parents=True)
    (out / "notices" / "2024").symlink_to(Path("runs") / "2024" / "2024-abc")
    (out / "reports").mkdir()
    (out / "reports" / "2024").symlink_to(Path("runs") / "2024" / "disparu")  # dangling: swapped anyway
    preflight(out, 2024)
    assert sorted(p.name for p in published.iterdir()) == []


def test_every_output_folder_of_the_run_is_checked(tmp_path):
    out = tmp_path / "out"
    names = {str(p.relative_to(out)) for p in output_folders(out, 2024, "annual")}
    assert {"warehouse", "runs", "feeds/2024", "notices/2024", "reports/2024", "quarantine", "state"} <= names
    assert {"notices/runs/2024", "reports/runs/2024"} <= names, "where the published versions are built"
    assert {str(p.relative_to(out)) for p in output_folders(out, 2024, "nightly")} == {
        "warehouse", "runs", "quarantine", "state"
    }


def _mount_tmpfs(folder: Path, options: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; a non-root run is covered by the file-as-folder test")
    if not shutil.which("mount"):
        pytest.skip("no mount command")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


@pytest.mark.parametrize(
    ("folder", "options", "expected"),
    [
        ("notices", "size=1m", "Mo libres pour"),
        ("reports", "ro,size=1m", "impossible d'écrire dans"),
    ],
    ids=["full", "read-only"],
)
def test_a_full_or_read_only_folder_stops_the_run_before_anything(landing, tmp_path, folder, options, expected):
    out = tmp_path / "out"
    target = out / folder
    _mount_tmpfs(target, options)
    try:
        before = _files(out)
        line = _refused(_run(landing, out))
        assert expected in line and str(target) in line
        assert _files(out) == before
    finally:
        subprocess.run(["umount", str(target)], check=False)
