"""Writing the notices folder of a year: atomic, idempotent, earlier runs kept.

``manifest.json`` lists what the last run wrote (run id, files, SHA-256). When a later run
would change or drop a file an earlier run published, that file is first copied to
``archives/<earlier run id>/`` (docs/rules.md §8: a published result is never overwritten without
being kept). Re-running the same run writes identical bytes and touches nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

MANIFEST = "manifest.json"
ARCHIVES = "archives"


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_atomic(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` via a temporary file and rename; False when unchanged."""
    if path.is_file() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def publish(folder: Path, files: dict[str, bytes], run_id: str, extra: dict | None = None) -> dict:
    """Make ``folder`` hold exactly ``files`` (relative path → bytes) for this run.

    ``extra`` adds entries to the manifest (e.g. the PDFs' render keys).

    Returns ``{"written": [...], "archived": [...], "removed": [...]}`` (relative paths)."""
    previous = read_manifest(folder)
    old_files: dict[str, str] = previous.get("files", {})
    old_run = previous.get("run_id") or "inconnu"
    archived, removed, written = [], [], []
    for rel, old_sha in sorted(old_files.items()):
        target = folder / rel
        new = files.get(rel)
        if not target.is_file() or (new is not None and sha256_bytes(new) == old_sha):
            continue
        if old_run != run_id:
            dest = folder / ARCHIVES / old_run / rel
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(target, dest)
            archived.append(f"{ARCHIVES}/{old_run}/{rel}")
        if new is None:
            target.unlink()
            removed.append(rel)
    for rel, content in sorted(files.items()):
        if write_atomic(folder / rel, content):
            written.append(rel)
    manifest = {
        "run_id": run_id,
        "files": {rel: sha256_bytes(content) for rel, content in sorted(files.items())},
        **{k: val for k, val in sorted((extra or {}).items()) if k not in ("run_id", "files")},
    }
    write_atomic(folder / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    return {"written": written, "archived": archived, "removed": removed}
