"""Where the documents are published, and how: the notices' immutable publication.

Layout, for a set (``rapports/<N>``, ``analyses/<N>-S<h>``)::

    OUT/rapports/runs/<N>/<run_id>/<finess_ej>/rapport_evaluation.html | .pdf, manifest.json
    OUT/rapports/<N> -> runs/<N>/<run_id>
    OUT/analyses/runs/<N>-S<h>/<run_id>/<finess_ej>/analyse_semestrielle.html | .pdf,
                                        distribution.json | distribution.csv, manifest.json
    OUT/analyses/<N>-S<h> -> runs/<N>-S<h>/<run_id>

A document once issued has been sent: it is kept byte for byte by every later run (SHA-256 and
size checked before anything is built) and never drawn again; a set switches in one step
(``caqes_tasks.notices.publish``).
"""

from __future__ import annotations

from pathlib import Path

from caqes_tasks.notices.publish import NewNotice as NewDocument  # noqa: F401 - re-exported
from caqes_tasks.notices.publish import open_year as open_set  # noqa: F401 - re-exported
from caqes_tasks.notices.publish import publish_year as publish_set  # noqa: F401 - re-exported
from caqes_tasks.notices.publish import read_manifest

RAPPORT = "rapport_evaluation"
ANALYSE = "analyse_semestrielle"
DISTRIBUTION = "distribution"


def rapports_dir(out: Path, year: int) -> Path:
    """``OUT/rapports/<N>``: the published link to the year's rapports d'évaluation."""
    return Path(out) / "rapports" / str(year)


def semestre_label(year: int, half: int) -> str:
    return f"{year}-S{half}"


def analyses_dir(out: Path, year: int, half: int) -> Path:
    """``OUT/analyses/<N>-S<h>``: the published link to the half-year's analyses."""
    return Path(out) / "analyses" / semestre_label(year, half)


def published_manifest(folder: Path) -> dict:
    """The manifest of the published set ``folder`` ({} when nothing is published)."""
    folder = Path(folder)
    return read_manifest(folder.resolve()) if folder.exists() else {}
