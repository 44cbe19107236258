"""A publish removes what killed runs left behind, and only that."""

from __future__ import annotations

import os
import subprocess
import sys

from caqes_tasks.feeds import feeds_stage
from caqes_tasks.feeds.publish import pid_alive, sweep_dead_leftovers


def dead_pid() -> int:
    """The id of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    return proc.pid


def test_publish_removes_staging_folders_of_dead_runs_only(ctx):
    runs = ctx.feeds / "runs"
    dead = runs / f".{ctx.run_id}.tmp-{dead_pid()}-0a1b2c3d"
    dead.mkdir(parents=True)
    (dead / "fct_score.parquet").write_bytes(b"half written")
    dead_link = ctx.feeds / f".latest.tmp-{dead_pid()}-0a1b2c3e"
    dead_link.symlink_to("runs/nowhere")
    alive = runs / f".{ctx.run_id}.tmp-{os.getppid()}-0a1b2c3f"  # a live process: its build goes on
    alive.mkdir()
    kept = runs / "notes.txt"
    kept.write_text("not a staging folder")

    result = feeds_stage(ctx)
    assert not dead.exists() and not dead_link.is_symlink()
    assert alive.is_dir() and kept.is_file()
    assert sorted(result["swept"]) == sorted([dead.name, dead_link.name])
    assert (ctx.feeds / "latest" / "manifest.json").is_file()


def test_sweep_takes_the_suffix_of_a_database_file(tmp_path):
    pid = dead_pid()
    for name in (f".caqes.duckdb.tmp-{pid}-abcdef12", f".caqes.duckdb.tmp-{pid}-abcdef12.wal"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "caqes.duckdb").write_bytes(b"live")
    (tmp_path / "caqes.duckdb.lock").write_bytes(b"")
    assert len(sweep_dead_leftovers(tmp_path)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["caqes.duckdb", "caqes.duckdb.lock"]
