"""Readers of the landing sources: bytes in, a typed DataFrame with line numbers out."""

from __future__ import annotations

from pathlib import Path

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.delimited import ReadResult, read_delimited
from caqes_tasks.ingest.readers.finess import read_finess
from caqes_tasks.ingest.readers.finess_ej import read_finess_ej
from caqes_tasks.ingest.readers.header_cause import add_header_flag


def read_file(source: str, path: Path, fmt: SourceFormat | None = None, data: bytes | None = None) -> ReadResult:
    """Read one delivered file of ``source`` (never raises on bad content: see the suites).

    ``data``: the file's bytes, as read (and hashed) by the caller; ``path`` then only names the
    file. Without it the file is read from ``path``.
    """
    fmt = fmt or SourceFormat()
    if source == "finess":
        result = read_finess(Path(path), fmt, data)
    elif source == "finess_ej":
        result = read_finess_ej(Path(path), fmt, data)
    else:
        result = read_delimited(source, Path(path), fmt, data)
    add_header_flag(result.frame)
    return result


__all__ = ["ReadResult", "read_file"]
