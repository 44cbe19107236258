"""Atomic publication of a run folder and of the ``latest`` pointer.

Layout under a year's feeds folder (``OUT/feeds/<annee>``)::

    runs/<run_id>/<mart>.parquet, <mart>.csv, manifest.json    one folder per run, kept
    latest -> runs/<run_id>                                      relative symlink

A run folder is built under a hidden temporary name and renamed into place only once every
file and the manifest are written, so a run folder is always complete. ``latest`` is then
swapped with ``os.replace`` of a fresh temporary symlink: a reader following ``latest`` sees
either the previous complete run or the new one, never a mix. Publishing the same run id again
with the same bytes changes nothing; if the bytes differ (code changed under the same run id)
the earlier folder is kept and the new one goes to ``runs/<run_id>-<digest>``.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

LATEST = "latest"


def _same_tree(a: Path, b: Path) -> bool:
    names_a = sorted(p.name for p in a.iterdir())
    names_b = sorted(p.name for p in b.iterdir())
    if names_a != names_b:
        return False
    return all(filecmp.cmp(a / n, b / n, shallow=False) for n in names_a)


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        h.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_files(folder: Path) -> None:
    for p in folder.iterdir():
        with open(p, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(folder)


def _place(tmp: Path, target: Path) -> tuple[Path, bool]:
    """Rename ``tmp`` to ``target`` unless an identical folder is there. Returns (folder, created)."""
    if target.exists():
        if _same_tree(target, tmp):
            shutil.rmtree(tmp)
            return target, False
        return _place(tmp, target.with_name(f"{target.name}-{_tree_digest(tmp)[:8]}"))
    try:
        os.rename(tmp, target)
    except OSError:  # another process placed the same run first
        if target.exists():
            return _place(tmp, target)
        raise
    _fsync_dir(target.parent)
    return target, True


def swap_latest(feeds_dir: Path, run_folder: Path) -> bool:
    """Point ``feeds_dir/latest`` at ``run_folder`` atomically; False when it already did."""
    link = feeds_dir / LATEST
    rel = os.path.relpath(run_folder, feeds_dir)
    if link.is_symlink() and os.readlink(link) == rel:
        return False
    tmp_link = feeds_dir / f".{LATEST}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.symlink(rel, tmp_link, target_is_directory=True)
    os.replace(tmp_link, link)
    _fsync_dir(feeds_dir)
    return True


def publish_run(feeds_dir: Path, run_id: str, build: Callable[[Path], None]) -> dict:
    """Build a run folder with ``build(folder)``, place it under ``runs/`` and swap ``latest``.

    Returns ``{"folder", "created", "latest_changed"}``. If ``build`` raises, nothing is
    published and ``latest`` keeps pointing at the previous complete run.
    """
    runs = feeds_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    tmp = runs / f".{run_id}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        build(tmp)
        _fsync_files(tmp)
        folder, created = _place(tmp, runs / run_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    changed = swap_latest(feeds_dir, folder)
    return {"folder": folder, "created": created, "latest_changed": changed}
