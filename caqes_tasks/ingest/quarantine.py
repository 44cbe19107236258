"""Quarantine: a rejected file is copied (the landing zone is read-only) with its report.

Layout: ``<quarantine>/<run_id>/<source>/<file>`` and next to it
``<file>.validation.json`` (machine-readable), ``.txt`` and ``.html`` (for the ARS reader).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from caqes_tasks.quality.report import write_report
from caqes_tasks.quality.validation import Validation


def quarantine_file(path: Path, quarantine_root: Path, run_id: str, source: str, validation: Validation,
                    header: dict) -> dict[str, Path]:
    folder = quarantine_root / run_id / source
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / path.name
    shutil.copy2(path, copy)
    paths = write_report(validation, folder, header)
    return {"file": copy, **paths}
