"""Completeness of an ET × year × indicator delivery (``phev``, ``regional``): a warning, not a rejection.

A file cut at a line end is a valid file with fewer rows; no row check can see it. The rule:
an (ET, indicator) pair present for year Y-1 in the accepted data (the warehouse, other files)
or in the file itself, whose ET is still in the FINESS register used for year Y, and absent for
year Y once the file is loaded (the file's rows and the rows of other files that stay), is
*missing*. Every year the file carries is checked; a year with no data the year before is not.

Missing pairs are a **warning** in the validation report, the ingest result and the alert; the
file is still loaded. Reason: an indicator can legitimately disappear (no prescription that
year, an activity closed), and the demo region has about 1 % of such gaps each year, which are
real and make those pairs non-evaluable: the ARS should see them, not lose the whole delivery.
A truncated file shows up as hundreds of missing pairs, or whole establishments missing.
Not seen: an ET missing from every year of a multi-year file delivered for the first time.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from caqes_tasks.quality.helpers import Register

SOURCES = ("phev", "regional")
LIMIT = 40  # pairs named in the warning; the count is always given


def _missing(v) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def file_pairs(frame: pd.DataFrame) -> list[tuple[str, int, str]]:
    if not {"finess_geo", "annee", "indicateur"} <= set(frame.columns):
        return []
    return [(g, int(a), i) for g, a, i in zip(frame["finess_geo"], frame["annee"], frame["indicateur"])
            if not (_missing(g) or _missing(a) or _missing(i))]


def years_needed(frame: pd.DataFrame) -> list[int]:
    """Data years whose accepted rows the check needs (each year of the file and the one before)."""
    years = {y for _, y, _ in file_pairs(frame)}
    return sorted(years | {y - 1 for y in years})


def completeness_warnings(source: str, frame: pd.DataFrame, others: Iterable[tuple[str, int, str]],
                          register: Register) -> list[str]:
    """Warnings for the pairs this file leaves missing (see the module doc).

    ``others``: ``(finess_geo, annee, indicateur)`` of the accepted rows of other files of the
    source that stay once this file is loaded.
    """
    if source not in SOURCES:
        return []
    mine = file_pairs(frame)
    if not mine:
        return []
    by_year: dict[int, set[tuple[str, str]]] = {}
    for g, a, i in list(others) + mine:
        by_year.setdefault(a, set()).add((g, i))
    out = []
    for year in sorted({a for _, a, _ in mine}):
        before = by_year.get(year - 1)
        if not before:
            continue
        reg_year = register.year_for(year)
        ets = register.by_year.get(reg_year) if reg_year is not None else None
        expected = {p for p in before if ets is None or p[0] in ets}
        missing = sorted(expected - by_year.get(year, set()))
        if not missing:
            continue
        present_ets = {g for g, _ in by_year.get(year, set())}
        whole = sorted({g for g, _ in missing} - present_ets)
        text = (f"{len(missing)} couple(s) établissement × indicateur présent(s) en {year - 1} absent(s) en {year} "
                f"(fichier coupé ou données manquantes ?)")
        if whole:
            text += f", dont {len(whole)} établissement(s) absent(s) en entier : " + ", ".join(whole[:LIMIT])
            text += f" … et {len(whole) - LIMIT} autre(s)" if len(whole) > LIMIT else ""
        text += " ; couples : " + ", ".join(f"{g} {i}" for g, i in missing[:LIMIT])
        text += f" … et {len(missing) - LIMIT} autre(s)" if len(missing) > LIMIT else ""
        out.append(text)
    return out
