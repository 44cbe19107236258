"""Quarantine: a rejected file is copied (the landing zone is read-only) with its report.

Layout: ``<quarantine>/<run_id>/<source>/<file>`` and next to it
``<file>.validation.json`` (machine-readable), ``.txt`` and ``.html`` (for the ARS reader).
The copy holds the bytes that were validated (and hashed), never a later state of the landing
file; a link refused by the landing survey never gets here.
"""

from __future__ import annotations

from pathlib import Path

from caqes_tasks.quality.report import write_report
from caqes_tasks.quality.validation import Validation


def quarantine_file(name: str, data: bytes, quarantine_root: Path, run_id: str, source: str,
                    validation: Validation, header: dict) -> dict[str, Path]:
    """Write ``data`` (the file as read) and its report under the run's quarantine folder."""
    folder = quarantine_root / run_id / source
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / name  # a file in a sub-folder of its source keeps its sub-folder
    copy.parent.mkdir(parents=True, exist_ok=True)
    tmp = copy.with_name(f".{copy.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(copy)
    paths = write_report(validation, folder, header)
    return {"file": copy, **paths}
