"""Publishing the notices of a year: an issued notice is immutable, a run's set switches as one.

Layout (``ctx.notices`` is ``OUT/notices/<N>``)::

    OUT/notices/runs/<N>/<run_id>/<finess_ej>/<kind>.html | .pdf
                                  retenues.html | retenues.csv | manifest.json
    OUT/notices/<N> -> runs/<N>/<run_id>          relative symlink, the path readers use

**Issued notices.** A notice published once has been sent: it is a legal document and is never
rendered again, replaced or dropped. ``manifest.json`` records every issued notice of the year
(``issued``: the run that issued it, the date of the letter, its files) and the SHA-256 and size
of every file of the folder. A later run keeps each issued notice byte for byte (hard link, or
a verified copy) and issues only the notices not issued yet; a décision cites the date and the
reference of the notification préalable it follows. Before anything is built, every issued file
is checked against the recorded hash and size: a truncated or altered notice stops the run
(:class:`NoticeIntegrityError`) rather than being published again.

**All or nothing.** A run's folder is built aside (a staging folder under ``runs/<N>/``; each
file written to a temporary file in its own folder, mode 0644, fsynced, checked, renamed), then
placed and switched in by one atomic symlink swap (``caqes_tasks.feeds.publish``). A reader of
``OUT/notices/<N>`` sees the previous complete set or the new one; a run killed at any moment
leaves the previous set published and a staging folder that the next publish removes. Re-running
the same run gives the same bytes and changes nothing.

A year folder of the earlier layout (a real folder ``OUT/notices/<N>``, manifest of path →
SHA-256) is read as the issued set, then kept as ``runs/<N>/<its run id>`` (its ``archives/``
with it) and replaced by the link.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from caqes_tasks.feeds.publish import publish_folder
from caqes_tasks.notices import vocabulary as v

MANIFEST = "manifest.json"
MANIFEST_VERSION = 2
FILE_MODE = 0o644
VERSIONS = "runs"
WRITERS = 8  # files written at once: their fsyncs overlap (I/O waits, not CPU)
_NOTICE_FILE = re.compile(r"^(?P<ej>[^/]+)/(?P<kind>[a-z_]+)\.(?:html|pdf)$")


class NoticeIntegrityError(RuntimeError):
    """An issued notice is missing, truncated or altered, or the year's link is lost."""


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class IssuedNotice:
    """One notice sent: ``key`` is ``<finess_ej>/<kind>``; ``files`` maps each of its files
    (relative path) to ``{"sha256", "size"}`` (size None for the earlier layout)."""

    key: str
    run_id: str
    date: str | None
    files: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"run_id": self.run_id, "date": self.date, "files": sorted(self.files)}


# -- where the year's published set is -------------------------------------------------------
def versions_dir(notices: Path) -> Path:
    """``OUT/notices/runs/<N>``: one complete folder per run."""
    return notices.parent / VERSIONS / notices.name


def current_folder(notices: Path) -> Path | None:
    """The folder ``notices`` (``OUT/notices/<N>``) shows now; None before the first publish.

    Raises ``NoticeIntegrityError`` when the link is broken or absent while runs were published:
    the issued set would be unknown, and notices already sent would be issued again."""
    if notices.is_symlink():
        target = notices.resolve()
        if not (target / MANIFEST).is_file():
            raise NoticeIntegrityError(
                f"{notices} pointe vers {target}, qui ne contient pas de manifeste des notices : les notices "
                f"émises pour {notices.name} sont inconnues ; rétablir le lien vers le dernier dossier de "
                f"{versions_dir(notices)}"
            )
        return target
    published = [p.name for p in versions_dir(notices).glob("[!.]*") if (p / MANIFEST).is_file()]
    if notices.is_dir() and ((notices / MANIFEST).is_file() or not published):
        return notices  # earlier layout: a real folder
    if published:
        raise NoticeIntegrityError(
            f"{notices} n'est pas le lien vers les notices publiées (absent, ou dossier sans manifeste) alors que "
            f"{versions_dir(notices)} en contient "
            f"({', '.join(sorted(published))}) : rétablir le lien vers la dernière avant de relancer"
        )
    return None


def read_manifest(folder: Path | None) -> dict:
    path = None if folder is None else folder / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path is not None and path.is_file() else {}


def _file_entry(value) -> dict:
    if isinstance(value, dict):
        return {"sha256": value["sha256"], "size": value.get("size")}
    return {"sha256": str(value), "size": None}  # earlier layout: path → SHA-256


def issued_register(folder: Path | None) -> dict[str, IssuedNotice]:
    """Every notice issued for the year, as the manifest of ``folder`` records it."""
    manifest = read_manifest(folder)
    files = {rel: _file_entry(val) for rel, val in (manifest.get("files") or {}).items()}
    if "issued" in manifest:
        return {
            key: IssuedNotice(key, e["run_id"], e.get("date"), {rel: files[rel] for rel in e["files"]})
            for key, e in manifest["issued"].items()
        }
    # earlier layout: every notice file the last run published was sent by that run
    register: dict[str, IssuedNotice] = {}
    for rel, entry in sorted(files.items()):
        m = _NOTICE_FILE.match(rel)
        if not m or m.group("kind") not in v.KINDS:
            continue
        key = f"{m.group('ej')}/{m.group('kind')}"
        prev = register.get(key) or IssuedNotice(key, manifest.get("run_id") or "inconnu", None, {})
        register[key] = IssuedNotice(key, prev.run_id, None, {**prev.files, rel: entry})
    return register


def verify_issued(folder: Path, register: Mapping[str, IssuedNotice]) -> None:
    """Check every issued file against its recorded size and SHA-256; raise on any difference."""
    problems: list[str] = []
    for notice in register.values():
        for rel, entry in sorted(notice.files.items()):
            path = folder / rel
            if not path.is_file():
                problems.append(f"{rel} : absent")
                continue
            size = path.stat().st_size
            if entry.get("size") is not None and size != entry["size"]:
                problems.append(f"{rel} : {size} octets, {entry['size']} enregistrés (tronqué ou modifié)")
            elif sha256_file(path) != entry["sha256"]:
                problems.append(f"{rel} : SHA-256 différent de celui enregistré (modifié)")
    if problems:
        raise NoticeIntegrityError(
            f"notices émises de {folder} non conformes à leur manifeste, rien n'est publié : "
            + " ; ".join(problems)
            + ". Une notice émise n'est jamais republiée altérée : la restaurer depuis une copie dont le "
            "SHA-256 est celui du manifeste."
        )


def open_year(notices: Path) -> tuple[Path | None, dict[str, IssuedNotice]]:
    """The year's current folder and its verified register of issued notices."""
    folder = current_folder(notices)
    register = issued_register(folder)
    if folder is not None:
        verify_issued(folder, register)
    return folder, register


# -- writing ---------------------------------------------------------------------------------
def _check_written(path: Path, sha: str, size: int) -> None:
    actual = path.stat().st_size
    if actual != size or sha256_file(path) != sha:
        raise OSError(f"{path} : {actual} octets écrits sur {size}, ou contenu différent : non publié")


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``: temporary file in the same folder (mode 0644), fsync, read
    back and checked, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        _check_written(Path(tmp), sha256_bytes(content), len(content))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _carry(src: Path, dst: Path, entry: dict) -> None:
    """Put the issued file ``src`` (already verified) at ``dst``: a hard link, else a checked copy."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        write_file(dst, src.read_bytes())
    if stat.S_IMODE(dst.stat().st_mode) != FILE_MODE:
        os.chmod(dst, FILE_MODE)  # notices of the earlier layout were written 0600
    size = entry.get("size")
    _check_written(dst, entry["sha256"], dst.stat().st_size if size is None else size)


@dataclass(frozen=True)
class NewNotice:
    """A notice this run issues: the date of the letter and its files (relative path → bytes)."""

    date: str | None
    files: dict[str, bytes]


def publish_year(
    notices: Path,
    run_id: str,
    *,
    current: Path | None,
    register: Mapping[str, IssuedNotice],
    new: Mapping[str, NewNotice],
    files: Mapping[str, bytes],
    extra: dict | None = None,
) -> dict:
    """Publish the year's notices for run ``run_id`` (see module docstring).

    ``current`` and ``register`` come from :func:`open_year`; ``new`` holds the notices this run
    issues (key ``<finess_ej>/<kind>``, none of them in ``register``); ``files`` the run's other
    files (``retenues.*``). Returns ``{"issued", "kept", "folder", "switched", "swept"}``."""
    clash = sorted(set(new) & set(register))
    if clash:
        raise NoticeIntegrityError(f"notices déjà émises, jamais émises une seconde fois : {', '.join(clash)}")
    entries: dict[str, dict] = {}
    issued: dict[str, IssuedNotice] = dict(register)
    for key, notice in sorted(new.items()):
        fentries = {rel: {"sha256": sha256_bytes(b), "size": len(b)} for rel, b in sorted(notice.files.items())}
        issued[key] = IssuedNotice(key, run_id, notice.date, fentries)
    kept = sorted(rel for n in register.values() for rel in n.files)

    def build(folder: Path) -> None:
        for notice in (register[k] for k in sorted(register)):
            for rel, entry in sorted(notice.files.items()):
                _carry(current / rel, folder / rel, entry)
                entries[rel] = {"sha256": entry["sha256"], "size": (folder / rel).stat().st_size}
        writes = [(rel, content) for key in sorted(new) for rel, content in sorted(new[key].files.items())]
        writes += sorted(files.items())
        # each file written, fsynced and checked on its own; fsyncs waited for side by side
        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(lambda item: write_file(folder / item[0], item[1]), writes))
        for key in sorted(new):
            for rel in sorted(new[key].files):
                entries[rel] = issued[key].files[rel]
        for rel, content in sorted(files.items()):
            entries[rel] = {"sha256": sha256_bytes(content), "size": len(content)}
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "run_id": run_id,
            "files": dict(sorted(entries.items())),
            "issued": {k: issued[k].to_json() for k in sorted(issued)},
            **{k: val for k, val in sorted((extra or {}).items()) if k not in ("run_id", "files", "issued")},
        }
        write_file(folder / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())

    legacy = None
    if current is not None and not notices.is_symlink():
        legacy = read_manifest(current).get("run_id") or "anterieur"
    published = publish_folder(versions_dir(notices), notices, run_id, build, legacy_name=legacy)
    return {
        "issued": sorted(rel for k in new for rel in new[k].files),
        "kept": kept,
        "folder": str(published["folder"]),
        "switched": published["latest_changed"],
        "swept": published["swept"],
    }
