"""The landing zone: what was delivered (hashes) and how each source's files are written.

``landing/<source>/<file>``: one folder per source, one file per delivery; the folder is never
modified. ``landing/sources.yml`` (optional) declares per source ``encoding`` (``utf-8``, the
default, BOM accepted, or ``cp1252``) and ``separator`` (``;`` default, or ``,``)::

    phev: {encoding: cp1252, separator: ";"}
    contrats: {separator: ","}

Hashing a large delivery every night is wasteful: ``scan_landing`` can keep a cache keyed by
path, size and modification time, so an unchanged landing zone is rescanned in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

SOURCES = (
    "finess",
    "phev",
    "phev_lines",
    "regional",
    "engagements",
    "contrats",
    "produits_am",
    "enveloppes",
    "modulations",
    "observations",
    "avenants",
    "notifications",
    "avis_cpam",
    "decisions_dg",
)
SOURCES_FILE = "sources.yml"
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "cp1252": "cp1252", "windows-1252": "cp1252", "latin-1": "cp1252"}
SEPARATORS = {";", ","}


class LandingError(ValueError):
    """landing/sources.yml is not understood; the message names the entry."""


@dataclass(frozen=True)
class SourceFormat:
    encoding: str = "utf-8"
    encoding_declared: bool = False
    separator: str = ";"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def delivered_files(landing: Path) -> list[tuple[str, Path]]:
    """``(source, path)`` of every delivered file, sorted; hidden files and sources.yml ignored."""
    out: list[tuple[str, Path]] = []
    if not landing.is_dir():
        return out
    for folder in sorted(p for p in landing.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                out.append((folder.name, path))
    return out


def scan_landing(landing: Path, cache: Path | None = None) -> dict[str, str]:
    """Map ``"<source>/<file>"`` to the SHA-256 of every delivered file.

    ``cache`` (optional JSON file) remembers hashes by (size, mtime) so unchanged files are not
    read again; it is rewritten only when something changed.
    """
    landing = Path(landing)
    known: dict = {}
    if cache is not None and cache.exists():
        try:
            known = json.loads(cache.read_text())
        except (OSError, ValueError):
            known = {}
    hashes: dict[str, str] = {}
    fresh: dict = {}
    for source, path in delivered_files(landing):
        key = f"{source}/{path.relative_to(landing / source).as_posix()}"
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns]
        entry = known.get(key)
        digest = entry["sha256"] if entry and entry.get("stamp") == stamp else sha256_file(path)
        hashes[key] = digest
        fresh[key] = {"stamp": stamp, "sha256": digest}
    if cache is not None and fresh != known:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(fresh, sort_keys=True))
        tmp.replace(cache)
    return hashes


def read_formats(landing: Path) -> dict[str, SourceFormat]:
    """Formats declared in ``landing/sources.yml`` (every source defaults to UTF-8 and ``;``)."""
    path = Path(landing) / SOURCES_FILE
    formats = {s: SourceFormat() for s in SOURCES}
    if not path.exists():
        return formats
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise LandingError(f"{path.name}: expected a mapping source -> {{encoding, separator}}")
    for source, decl in data.items():
        decl = decl or {}
        if not isinstance(decl, dict):
            raise LandingError(f"{path.name}: entry '{source}' must be a mapping")
        enc_raw = decl.get("encoding")
        enc = ENCODINGS.get(str(enc_raw).lower()) if enc_raw is not None else "utf-8"
        if enc is None:
            raise LandingError(f"{path.name}: {source}.encoding '{enc_raw}' must be utf-8 or cp1252")
        sep = str(decl.get("separator", ";"))
        if sep not in SEPARATORS:
            raise LandingError(f"{path.name}: {source}.separator '{sep}' must be ';' or ','")
        formats[str(source)] = SourceFormat(encoding=enc, encoding_declared=enc_raw is not None, separator=sep)
    return formats
