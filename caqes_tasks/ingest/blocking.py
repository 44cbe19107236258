"""Which campaign evaluation years a quarantined file blocks.

A file that fails validation is never loaded; it also stops every downstream computation
(indicators, targeting, evaluation, scores, intéressement, sanctions, notices) for the
evaluation years whose results could depend on it, so that no result is computed from an
incomplete or wrong input and the last good published results of those years stay as they are.

Evaluation year N reads (rules §2, §4, §5; data contract):
- ``phev``, ``phev_lines`` and ``regional`` of data years N-2, N-1 and N (targeting looks at N-1 against N-2,
  evaluation compares N with N-1): a row of data year Y blocks N = Y, Y+1, Y+2;
- ``engagements`` (action-plan items) of year N only: a row of year Y blocks N = Y;
- ``produits_am`` of the last closed exercice, N by default (N-1 when N is not yet closed):
  exercice Y blocks N = Y and Y+1;
- ``enveloppes``, ``modulations``, ``observations`` of year N: year Y blocks N = Y;
- ``notifications``, ``avis_cpam`` and ``decisions_dg`` (the procedure of year N: receipt of
  the notices, avis of the CPAM, the DG ARS's choices) of year N: year Y blocks N = Y;
- ``avenants`` (no year column; dated by ``date_signature``): an avenant signed in year S
  changes the contracted perimeter from 1 January S+1 (a résiliation ends the volet on
  31 December S), so it blocks every evaluation year N ≥ S + 1 of the campaign (docs/rules.md
  §4). An avenant signed in the campaign's last year blocks no evaluation year (it is still
  quarantined and alerted). When a signature date cannot be trusted — empty, unreadable, or
  outside the campaign's dates — the file blocks every evaluation year;
- ``finess`` (the register every check and every mart joins) and ``contrats`` (no year
  column; one contract covers the whole campaign): every evaluation year;
- ``finess_ej`` (names and addresses of the legal entities, printed on every notice): every
  evaluation year, like the establishments' extract.

The years are read from the file's own rows. When they cannot be trusted — the file is
unreadable or empty, a line is not valid in its encoding, is not a readable CSV line or has the
wrong number of fields (truncated or garbled lines may hold any year), a year cell is empty or not a number, or a year
falls outside the campaign's data years (the file may be mislabelled) — the file blocks every
evaluation year. Years outside the
campaign are then never "just ignored".

A file stays blocking as long as it is in the landing zone and not superseded: in later runs a
quarantined file still present (same name, same bytes) keeps its years blocked, without a new
alert. Delivering a corrected file under the same name supersedes it (its years are freed if the
correction is accepted); removing the bad file from the landing zone frees them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from caqes_tasks.ingest.columns import YEAR_COLUMN

SPAN = {"phev": (0, 2), "phev_lines": (0, 2), "regional": (0, 2), "engagements": (0, 0), "produits_am": (0, 1),
        "enveloppes": (0, 0), "modulations": (0, 0), "observations": (0, 0),
        "notifications": (0, 0), "avis_cpam": (0, 0), "decisions_dg": (0, 0),
        "autoevaluations": (0, 0)}
WHOLE_CAMPAIGN = {"finess", "finess_ej", "contrats"}
DATED = {"avenants": "date_signature"}  # effect from 1 January after the date's year


def _lines_ok(frame: pd.DataFrame) -> bool:
    return all(frame[flag].all() for flag in ("_entete_ok", "_encodage_ok", "_champs_ok", "_ligne_ok") if flag in frame.columns)


def _dated(col: str, frame: pd.DataFrame, evaluation: list[int], data: set[int],
           campaign: tuple[date, date] | None) -> list[int]:
    values = frame[col]
    if values.isna().any() or (f"{col}__type_ok" in frame.columns and not frame[f"{col}__type_ok"].all()):
        return evaluation
    if campaign is not None:
        lo, hi = campaign
        if any(d < lo or d > hi for d in values):
            return evaluation
    elif not {d.year for d in values} <= data:
        return evaluation
    first = min(d.year for d in values) + 1
    return [n for n in evaluation if n >= first]


def blocked_years(source: str, frame: pd.DataFrame | None, evaluation_years: Iterable[int],
                  data_years: Iterable[int], campaign: tuple[date, date] | None = None) -> list[int]:
    """Evaluation years blocked by a failing file of ``source`` whose rows are ``frame``.

    ``campaign`` (start and end dates) bounds the signature dates of ``avenants``; without it
    their years must be data years of the campaign.
    """
    evaluation = sorted(evaluation_years)
    data = set(data_years)
    if source in DATED:
        col = DATED[source]
        if frame is None or col not in frame.columns or frame.empty or not _lines_ok(frame):
            return evaluation
        return _dated(col, frame, evaluation, data, campaign)
    col = YEAR_COLUMN.get(source)
    if source in WHOLE_CAMPAIGN or source not in SPAN or frame is None or col not in frame.columns or frame.empty:
        return evaluation
    if not _lines_ok(frame):
        return evaluation
    values = frame[col]
    if values.isna().any() or (f"{col}__type_ok" in frame.columns and not frame[f"{col}__type_ok"].all()):
        return evaluation
    years = {int(y) for y in values}
    if not years <= data:
        return evaluation
    lo, hi = SPAN[source]
    return sorted({n for y in years for n in range(y + lo, y + hi + 1)} & set(evaluation))
