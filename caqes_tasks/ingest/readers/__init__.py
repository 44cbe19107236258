"""Readers of the landing sources: text in, a typed DataFrame with line numbers out."""

from __future__ import annotations

from pathlib import Path

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.delimited import ReadResult, read_delimited
from caqes_tasks.ingest.readers.finess import read_finess


def read_file(source: str, path: Path, fmt: SourceFormat | None = None) -> ReadResult:
    """Read one delivered file of ``source`` (never raises on bad content: see the suites)."""
    fmt = fmt or SourceFormat()
    if source == "finess":
        return read_finess(path, fmt)
    return read_delimited(source, path, fmt)


__all__ = ["ReadResult", "read_file"]
