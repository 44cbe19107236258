"""Atomic publication of a folder of files behind a symlink (feeds, notices, campaign report).

Layout (feeds: ``OUT/feeds/<annee>``, ``runs/`` and ``latest``)::

    <versions>/<name>/...            one complete folder per run, kept
    <link> -> <versions>/<name>      relative symlink, the path readers use

A folder is built under a hidden staging name in ``<versions>`` (``.<name>.tmp-<pid>-<hex>``),
every file and folder is fsynced, and it is renamed into place only once complete, so a
published folder is always complete. The link is then swapped with ``os.replace`` of a fresh
temporary symlink: a reader following it sees either the previous complete folder or the new
one, never a mix. Publishing the same name again with the same bytes changes nothing; if the
bytes differ (code changed under the same run id) the earlier folder is kept and the new one
goes to ``<name>-<digest>``.

A process killed while building leaves its staging folder behind: every publish first removes
the staging entries (``.*.tmp-<pid>-<hex>*``) of processes that no longer run
(:func:`sweep_dead_leftovers`).
"""

from __future__ import annotations

import filecmp
import hashlib
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

LATEST = "latest"
# ".<anything>.tmp-<pid>-<hex>" plus an optional suffix (a DuckDB file's ".wal", ...)
_LEFTOVER = re.compile(r"^\..+\.tmp-(?P<pid>\d+)-[0-9a-f]{6,}(\..*)?$")


# -- staging names and leftovers -------------------------------------------------------------
def staging_name(name: str) -> str:
    """The hidden name a process builds ``name`` under (it carries the process id)."""
    return f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a process of another user counts)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (killed, not yet reaped by its parent) writes nothing any more
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def sweep_dead_leftovers(folder: Path) -> list[str]:
    """Remove the staging files and folders of ``folder`` whose process no longer runs.

    Returns the names removed. Entries of live processes (a build in progress) are left alone."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        m = _LEFTOVER.match(entry.name)
        if not m or pid_alive(int(m.group("pid"))):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        removed.append(entry.name)
    if removed:
        log.warning("%s : %d reste(s) de runs interrompus supprimé(s) : %s", folder, len(removed), ", ".join(sorted(removed)))
    return removed


def new_staging_folder(versions: Path, name: str) -> Path:
    """Create and return an empty staging folder for ``name`` under ``versions``."""
    versions.mkdir(parents=True, exist_ok=True)
    tmp = versions / staging_name(name)
    tmp.mkdir()
    return tmp


# -- durable, comparable trees ---------------------------------------------------------------
def fsync_path(path: Path | str) -> None:
    """fsync one file or one folder (a folder's fsync makes the renames inside it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder`` (deepest first), then ``folder`` itself."""
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                fsync_path(path)
        fsync_path(root)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def same_tree(a: Path, b: Path) -> bool:
    """Same relative file names with the same bytes under ``a`` and ``b``."""
    names = _files(a)
    if names != _files(b):
        return False
    return all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for rel in _files(folder):
        h.update(rel.encode() + b"\0" + hashlib.sha256((folder / rel).read_bytes()).digest())
    return h.hexdigest()


def _place(tmp: Path, target: Path) -> tuple[Path, bool]:
    """Rename ``tmp`` to ``target`` unless an identical folder is there. Returns (folder, created)."""
    if target.exists():
        if same_tree(target, tmp):
            shutil.rmtree(tmp)
            return target, False
        return _place(tmp, target.with_name(f"{target.name}-{tree_digest(tmp)[:8]}"))
    try:
        os.rename(tmp, target)
    except OSError:  # another process placed the same run first
        if target.exists():
            return _place(tmp, target)
        raise
    fsync_path(target.parent)
    return target, True


def place_folder(tmp: Path, target: Path) -> tuple[Path, bool]:
    """Rename the complete staging folder ``tmp`` to ``target``; an identical folder already
    there is kept (``tmp`` removed), a different one keeps its place and ``tmp`` goes to
    ``<target>-<digest>``. Returns (folder, created)."""
    return _place(tmp, target)


# -- the link readers follow -----------------------------------------------------------------
def swap_link(link: Path, folder: Path) -> bool:
    """Point ``link`` at ``folder`` atomically (relative symlink); False when it already did.

    ``link`` must be a symlink or absent (see :func:`retire_legacy_folder` for a real folder)."""
    rel = os.path.relpath(folder, link.parent)
    if link.is_symlink() and os.readlink(link) == rel:
        return False
    tmp_link = link.parent / staging_name(link.name)
    os.symlink(rel, tmp_link, target_is_directory=True)
    try:
        os.replace(tmp_link, link)
    except BaseException:
        tmp_link.unlink(missing_ok=True)
        raise
    fsync_path(link.parent)
    return True


def retire_legacy_folder(link: Path, versions: Path, name: str) -> Path | None:
    """Turn ``link``, when it is still a real folder (layout of an earlier version), into a kept
    version: moved to ``versions/<name>`` (suffixed if taken) and ``link`` pointed at it.

    Between the move and the link, ``link`` is absent for an instant (a crash there leaves the
    folder under ``versions``). Returns the new place, or None when ``link`` is not a folder."""
    if link.is_symlink() or not link.is_dir():
        return None
    if not any(link.iterdir()):  # an empty folder (made ahead of the first publish): nothing to keep
        link.rmdir()
        return None
    versions.mkdir(parents=True, exist_ok=True)
    target = versions / name
    n = 1
    while target.exists():
        n += 1
        target = versions / f"{name}-{n}"
    os.rename(link, target)
    swap_link(link, target)
    fsync_path(versions)
    return target


def publish_folder(
    versions: Path,
    link: Path,
    name: str,
    build: Callable[[Path], None],
    *,
    legacy_name: str | None = None,
) -> dict:
    """Build a folder with ``build(folder)``, place it as ``versions/<name>`` and swap ``link``.

    Leftovers of dead processes are swept first. A real folder at ``link`` (earlier layout) is
    kept as ``versions/<legacy_name>`` before the swap. If ``build`` raises, nothing is
    published and ``link`` keeps pointing at the previous complete folder.

    Returns ``{"folder", "created", "latest_changed", "swept"}``."""
    versions.mkdir(parents=True, exist_ok=True)
    swept = sweep_dead_leftovers(versions) + sweep_dead_leftovers(link.parent)
    tmp = new_staging_folder(versions, name)
    try:
        build(tmp)
        fsync_tree(tmp)
        folder, created = _place(tmp, versions / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if legacy_name is not None:
        retire_legacy_folder(link, versions, legacy_name)
    changed = swap_link(link, folder)
    return {"folder": folder, "created": created, "latest_changed": changed, "swept": swept}


def publish_run(feeds_dir: Path, run_id: str, build: Callable[[Path], None]) -> dict:
    """Build a run folder with ``build(folder)``, place it under ``runs/`` and swap ``latest``.

    Returns ``{"folder", "created", "latest_changed", "swept"}``. If ``build`` raises, nothing is
    published and ``latest`` keeps pointing at the previous complete run.
    """
    return publish_folder(feeds_dir / "runs", feeds_dir / LATEST, run_id, build)
