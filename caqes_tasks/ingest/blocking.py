"""Which campaign evaluation years a quarantined file blocks.

A file that fails validation is never loaded; it also stops every downstream computation
(indicators, targeting, evaluation, scores, intéressement, sanctions, notices) for the
evaluation years whose results could depend on it, so that no result is computed from an
incomplete or wrong input and the last good published results of those years stay as they are.

Evaluation year N reads (rules §2, §4, §5; data contract):
- ``phev`` and ``regional`` of data years N-2, N-1 and N (targeting looks at N-1 against N-2,
  evaluation compares N with N-1): a row of data year Y blocks N = Y, Y+1, Y+2;
- ``engagements`` (action-plan items) of year N only: a row of year Y blocks N = Y;
- ``produits_am`` of the last closed exercice, N by default (N-1 when N is not yet closed):
  exercice Y blocks N = Y and Y+1;
- ``enveloppes``, ``modulations``, ``observations`` of year N: year Y blocks N = Y;
- ``finess`` (the register every check and every mart joins) and ``contrats`` (no year
  column; one contract covers the whole campaign): every evaluation year.

The years are read from the file's own rows. When they cannot be trusted — the file is
unreadable or empty, a line is not valid in its encoding or has the wrong number of fields
(truncated or garbled lines may hold any year), a year cell is empty or not a number, or a year
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

import pandas as pd

from caqes_tasks.ingest.columns import YEAR_COLUMN

SPAN = {"phev": (0, 2), "regional": (0, 2), "engagements": (0, 0), "produits_am": (0, 1),
        "enveloppes": (0, 0), "modulations": (0, 0), "observations": (0, 0)}
WHOLE_CAMPAIGN = {"finess", "contrats"}


def blocked_years(source: str, frame: pd.DataFrame | None, evaluation_years: Iterable[int],
                  data_years: Iterable[int]) -> list[int]:
    """Evaluation years blocked by a failing file of ``source`` whose rows are ``frame``."""
    evaluation = sorted(evaluation_years)
    data = set(data_years)
    col = YEAR_COLUMN.get(source)
    if source in WHOLE_CAMPAIGN or source not in SPAN or frame is None or col not in frame.columns or frame.empty:
        return evaluation
    for flag in ("_encodage_ok", "_champs_ok"):
        if flag in frame.columns and not frame[flag].all():
            return evaluation
    values = frame[col]
    if values.isna().any() or (f"{col}__type_ok" in frame.columns and not frame[f"{col}__type_ok"].all()):
        return evaluation
    years = {int(y) for y in values}
    if not years <= data:
        return evaluation
    lo, hi = SPAN[source]
    return sorted({n for y in years for n in range(y + lo, y + hi + 1)} & set(evaluation))
