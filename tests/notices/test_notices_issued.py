"""Notices are legal documents: issued once, kept byte for byte, verified, published as one set."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from notices_fixtures import RUN_ID, build_warehouse, make_ctx
from pypdf import PdfReader

from caqes_tasks.notices import publish as pub
from caqes_tasks.notices.publish import NoticeIntegrityError, write_file
from caqes_tasks.notices.stage import notices_stage

LATER = "2024-fedcba987654"
PREALABLE = "330000100/notification_prealable"
DECISION = "330000100/decision_sanction"


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _sql(ctx, statement: str) -> None:
    con = duckdb.connect(str(ctx.warehouse))
    try:
        con.execute(statement)
    finally:
        con.close()


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


@pytest.fixture
def fresh(tmp_path):
    ctx = make_ctx(tmp_path)
    ctx.warehouse.parent.mkdir(parents=True)
    build_warehouse(ctx.warehouse)
    return ctx


def test_april_notice_kept_byte_for_byte_and_cited_by_the_july_decision(fresh):
    """15 April: notification préalable; 1 July (another run): the préalable is not drawn again
    with the July reference, and the décision cites the préalable's date and reference."""
    april = replace(fresh, as_of="2025-04-01")
    _sql(april, "UPDATE marts.fct_procedure SET etape = 'notification_prealable' WHERE finess_ej = '330000100'")
    notices_stage(april)
    sent = {ext: (april.notices / f"{PREALABLE}.{ext}").read_bytes() for ext in ("html", "pdf")}
    assert not (april.notices / f"{DECISION}.pdf").exists()

    _sql(april, "UPDATE marts.fct_procedure SET etape = 'decision' WHERE finess_ej = '330000100'")
    july = replace(make_ctx(fresh.out, run_id=LATER), as_of="2025-07-01")
    result = notices_stage(july)
    for ext, content in sent.items():
        assert (july.notices / f"{PREALABLE}.{ext}").read_bytes() == content
    assert f"{PREALABLE}.pdf" in result["kept"]
    assert sorted(result["issued"]) == [f"{DECISION}.html", f"{DECISION}.pdf"]
    text = _pdf_text(july.notices / f"{DECISION}.pdf")
    assert f"Vu la notification préalable du 1er avril 2025 (référence : run {RUN_ID}), reçue par" in text
    assert f"run {LATER}" in text  # the décision itself is the July run's document
    manifest = json.loads((july.notices / "manifest.json").read_text())
    assert manifest["issued"][PREALABLE]["run_id"] == RUN_ID and manifest["issued"][PREALABLE]["date"] == "2025-04-01"
    assert manifest["issued"][DECISION]["run_id"] == LATER and manifest["issued"][DECISION]["date"] == "2025-06-16"
    for rel in (f"{PREALABLE}.pdf", f"{DECISION}.pdf"):
        entry = manifest["files"][rel]
        content = (july.notices / rel).read_bytes()
        assert entry == {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}


def test_notices_are_world_readable_whatever_the_umask(fresh):
    old = os.umask(0o077)
    try:
        notices_stage(fresh)
    finally:
        os.umask(old)
    files = [p for p in fresh.notices.rglob("*") if p.is_file()]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}


def test_a_year_switches_as_one_folder(fresh):
    """OUT/notices/<N> is a link to one complete run folder; a second run's set replaces it in one
    swap, and the first run's folder stays whole."""
    notices_stage(fresh)
    assert fresh.notices.is_symlink()
    first = fresh.notices.resolve()
    assert first == (fresh.out / "notices" / "runs" / "2024" / RUN_ID).resolve()
    before = _tree(first)
    notices_stage(make_ctx(fresh.out, run_id=LATER))
    assert fresh.notices.resolve().name == LATER and _tree(first) == before


def test_truncated_issued_notice_stops_the_run(fresh):
    """A notice cut short (a full disk, a bad copy) is found against its recorded size and hash:
    the run fails naming it, and what was published stays as it was."""
    notices_stage(fresh)
    target = fresh.notices / f"{PREALABLE}.pdf"
    content = target.read_bytes()
    link = os.readlink(fresh.notices)
    target.unlink()  # a new inode: the earlier run folder's hard link keeps the intact file
    target.write_bytes(content[:8192])
    with pytest.raises(NoticeIntegrityError, match=rf"{PREALABLE}\.pdf : 8192 octets, {len(content)} enregistrés"):
        notices_stage(make_ctx(fresh.out, run_id=LATER))
    assert os.readlink(fresh.notices) == link
    assert not (fresh.out / "notices" / "runs" / "2024" / LATER).exists()


def test_lost_link_with_published_runs_stops_instead_of_issuing_again(fresh):
    notices_stage(fresh)
    fresh.notices.unlink()
    with pytest.raises(NoticeIntegrityError, match="rétablir le lien"):
        notices_stage(make_ctx(fresh.out, run_id=LATER))


def test_earlier_layout_is_read_as_issued_and_kept(fresh):
    """A year folder written by the earlier version (a real folder, manifest path → SHA-256, an
    archives/ folder) is the issued set: its notices are kept byte for byte, the folder itself
    is kept under runs/<N>/<its run id>, and the link replaces it."""
    notices_stage(fresh)
    folder = fresh.notices.resolve()
    fresh.notices.unlink()
    shutil.copytree(folder, fresh.notices)
    shutil.rmtree(fresh.out / "notices" / "runs")  # never existed in the earlier layout
    legacy = fresh.notices
    files = {rel: h for rel, h in _tree(legacy).items() if rel != "manifest.json"}
    (legacy / "manifest.json").write_text(json.dumps({"run_id": "2024-0000000000aa", "files": files}))
    (legacy / "archives" / "2023-old").mkdir(parents=True)
    (legacy / "archives" / "2023-old" / "x.pdf").write_bytes(b"archive")
    for p in legacy.rglob("*.pdf"):
        p.chmod(0o600)

    result = notices_stage(make_ctx(fresh.out, run_id=LATER))
    assert result["issued"] == []
    assert fresh.notices.is_symlink()
    kept = fresh.out / "notices" / "runs" / "2024" / "2024-0000000000aa"
    assert (kept / "archives" / "2023-old" / "x.pdf").read_bytes() == b"archive"
    now = _tree(fresh.notices)
    assert all(now[rel] == h for rel, h in files.items() if not rel.startswith("retenues"))
    manifest = json.loads((fresh.notices / "manifest.json").read_text())
    assert {e["run_id"] for e in manifest["issued"].values()} == {"2024-0000000000aa"}
    assert {stat.S_IMODE(p.stat().st_mode) for p in fresh.notices.rglob("*.pdf")} == {0o644}


def test_write_file_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "a" / "notice.pdf"
    write_file(target, b"first")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pub.os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_file(target, b"second, longer")
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["notice.pdf"]


@pytest.fixture
def small_fs(tmp_path):
    """A 1 MiB tmpfs (root only): a real full disk."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"tmpfs not available: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_publishes_nothing_and_keeps_what_was_sent(fresh, small_fs):
    """Notices on a full file system: the run fails, the issued set stays whole and published,
    no partial file is left, and once room is made the rerun completes."""
    (fresh.out / "notices").symlink_to(small_fs)  # OUT/notices on the small file system
    april = replace(fresh, as_of="2025-04-01")
    _sql(april, "UPDATE marts.fct_procedure SET etape = 'notification_prealable' WHERE finess_ej = '330000100'")
    notices_stage(april)
    published = _tree(april.notices)
    link = os.readlink(april.notices)
    free = os.statvfs(small_fs).f_bavail * os.statvfs(small_fs).f_frsize
    filler = small_fs / "filler"
    filler.write_bytes(b"\0" * max(0, free - 24 * 1024))

    _sql(april, "UPDATE marts.fct_procedure SET etape = 'decision' WHERE finess_ej = '330000100'")
    july = replace(make_ctx(fresh.out, run_id=LATER), as_of="2025-07-01")
    with pytest.raises(OSError):
        notices_stage(july)
    assert os.readlink(july.notices) == link and _tree(july.notices) == published
    assert [p.name for p in (small_fs / "runs" / "2024").iterdir()] == [RUN_ID]  # no staging left

    filler.unlink()
    result = notices_stage(july)
    assert sorted(result["issued"]) == [f"{DECISION}.html", f"{DECISION}.pdf"]
    after = _tree(july.notices)
    assert all(after[rel] == h for rel, h in published.items() if "/" in rel)  # every notice sent


def test_empty_folder_made_ahead_is_replaced_but_never_hides_the_issued_set(fresh):
    fresh.notices.mkdir(parents=True)  # e.g. made by a check before the first publish
    notices_stage(fresh)
    assert fresh.notices.is_symlink() and not (fresh.out / "notices" / "runs" / "2024" / "anterieur").exists()
    fresh.notices.unlink()
    fresh.notices.mkdir()  # the link lost, an empty folder in its place: the sent notices must not be issued again
    with pytest.raises(NoticeIntegrityError, match="rétablir le lien"):
        notices_stage(make_ctx(fresh.out, run_id=LATER))
