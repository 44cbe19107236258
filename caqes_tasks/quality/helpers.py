"""Boolean helper columns for the checks Great Expectations cannot express natively.

Each helper is computed here and checked by an expectation of the source's suite
(``expect_column_values_to_be_in_set(value_set=[True])``), so every failure still goes through
GX and its report: FINESS check key (``<col>__cle_ok``), ET known to the FINESS register of the
year and attached to an EJ (``_et_connu``, with ``_registre`` the register year used), EJ known
(``_ej_connu``), numerator ≤ denominator (``_num_le_den``), contract dates in order
(``_dates_ordonnees``). A missing value makes a helper True: the not-null expectations report it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import pandas as pd

from caqes_tasks.finess.numbers import check_finess


@dataclass
class Register:
    """The FINESS register as loaded: year -> {finess_geo: finess_ej}."""

    by_year: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def ejs(self) -> set[str]:
        return {ej for ets in self.by_year.values() for ej in ets.values() if ej}

    def year_for(self, annee: int) -> int | None:
        """The register year used for data of ``annee``: the same year, else the latest earlier
        extract, else the earliest later one (an ARS may hold one extract for several years)."""
        years = sorted(self.by_year)
        if not years:
            return None
        if annee in self.by_year:
            return annee
        i = bisect_right(years, annee)
        return years[i - 1] if i else years[0]

    def add_frame(self, frame: pd.DataFrame) -> None:
        for annee, geo, ej in zip(frame["annee"], frame["finess_geo"], frame["finess_ej"]):
            if pd.notna(annee) and geo:
                self.by_year.setdefault(int(annee), {})[geo] = ej


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _finess_keys(frame: pd.DataFrame, col: str, notes: list[str]) -> None:
    cache: dict = {}
    corsica: set[str] = set()
    values = []
    for v in frame[col]:
        if _missing(v):
            values.append(True)
            continue
        if v not in cache:
            chk = check_finess(v)
            cache[v] = chk.ok
            if chk.ok and not chk.key_checked:
                corsica.add(v)
        values.append(cache[v])
    frame[f"{col}__cle_ok"] = pd.Series(values, index=frame.index, dtype="bool")
    if corsica:
        notes.append(
            f"{len(corsica)} numéro(s) {col} corse(s) (2A/2B) accepté(s) sur leur seul format, la règle de clé "
            f"n'étant pas confirmée : {', '.join(sorted(corsica)[:10])}"
        )


def add_helpers(source: str, frame: pd.DataFrame, register: Register) -> list[str]:
    """Add the helper columns of ``source`` to ``frame`` in place; return notes for the report."""
    notes: list[str] = []
    for col in ("finess_geo", "finess_ej"):
        if col in frame.columns:
            _finess_keys(frame, col, notes)
    if source in ("phev", "regional", "engagements") and {"finess_geo", "annee"} <= set(frame.columns):
        known, used = [], []
        for geo, annee in zip(frame["finess_geo"], frame["annee"]):
            if _missing(geo) or _missing(annee):
                known.append(True)
                used.append(None)
                continue
            year = register.year_for(int(annee))
            used.append(year)
            known.append(bool(year is not None and register.by_year[year].get(geo)))
        frame["_et_connu"] = pd.Series(known, index=frame.index, dtype="bool")
        frame["_registre"] = pd.Series(used, index=frame.index, dtype="object")
        if not register.by_year:
            notes.append("aucun extrait FINESS chargé : aucun établissement ne peut être reconnu")
    if source in ("contrats", "produits_am", "modulations", "observations") and "finess_ej" in frame.columns:
        ejs = register.ejs
        frame["_ej_connu"] = pd.Series([v is None or v in ejs for v in frame["finess_ej"]], index=frame.index, dtype="bool")
    if {"numerateur", "denominateur"} <= set(frame.columns):
        frame["_num_le_den"] = pd.Series(
            [_missing(n) or _missing(d) or n <= d for n, d in zip(frame["numerateur"], frame["denominateur"])],
            index=frame.index, dtype="bool",
        )
    if {"date_effet", "date_fin"} <= set(frame.columns):
        frame["_dates_ordonnees"] = pd.Series(
            [_missing(a) or _missing(b) or a <= b for a, b in zip(frame["date_effet"], frame["date_fin"])],
            index=frame.index, dtype="bool",
        )
    return notes
