"""Boolean helper columns for the checks Great Expectations cannot express natively.

Each helper is computed here and checked by an expectation of the source's suite
(``expect_column_values_to_be_in_set(value_set=[True])``), so every failure still goes through
GX and its report: FINESS check key (``<col>__cle_ok``), ET known to the FINESS register of the
year and attached to an EJ (``_et_connu``, with ``_registre`` the register year used), EJ known
(``_ej_connu``), numerator ≤ denominator for a rate or a share (``_num_le_den``), contract dates
in order (``_dates_ordonnees``), a regional value in the range of its indicator's measure
(``_valeur_dans_plage``, with ``_mesure`` the measure of the référentiel), contract dates inside
the campaign (``_dates_dans_campagne``), and the rules of the avenants, notifications and DG ARS
decisions (see :func:`add_helpers`). A missing value makes a helper True: the not-null
expectations report it.

Checks across files: :func:`mark_contract_conflicts` (``_sans_conflit``, ``_conflit``) compares a
``contrats`` file with the other contract files of the delivery and with the contracts already
loaded: the same proposal (finess_ej, volet, date_proposition) with other values in another file
refuses the file, naming the other one; no file wins by its name.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from collections.abc import Iterable
from datetime import date

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


@dataclass
class Catalogue:
    """What the checks need from the campaign's référentiel."""

    mesures: dict[str, str] = field(default_factory=dict)  # indicator code -> amount | rate | share
    indicateurs_par_volet: dict[str, set[str]] = field(default_factory=dict)
    debut: date | None = None  # campaign start and end
    fin: date | None = None

    @property
    def volets(self) -> set[str]:
        return set(self.indicateurs_par_volet)

    @classmethod
    def from_referentiel(cls, ref) -> Catalogue:
        par_volet: dict[str, set[str]] = {v["code"]: set() for v in ref.volets}
        for i in ref.indicateurs:
            par_volet.setdefault(i.volet, set()).add(i.code)
        return cls({i.code: i.mesure for i in ref.indicateurs}, par_volet, ref.date_debut, ref.date_fin)


# Measures whose value is a ratio in [0, 1] (rules §3); every other measure is ≥ 0 in its unit.
RATIO_MEASURES = ("rate", "share")
# The produits de santé volet: the only one whose non-attainment a liste en sus reduction replaces.
VOLET_PRODUITS_SANTE = "V1"
EJ_SOURCES = ("contrats", "produits_am", "modulations", "observations", "avenants", "notifications",
              "avis_cpam", "decisions_dg", "autoevaluations")
OBJET_RE = re.compile(r"^(refus|sanction|non_atteinte:(V[0-9]+))$")


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


def _flag(frame: pd.DataFrame, name: str, values) -> None:
    frame[name] = pd.Series(list(values), index=frame.index, dtype="bool")


def _cols(frame: pd.DataFrame, *names: str):
    return zip(*(frame[n] for n in names))


def _regional(frame: pd.DataFrame, catalogue: Catalogue) -> None:
    """Range of ``valeur`` by the indicator's measure: [0, 1] for a rate or a share; the
    ≥ 0 bound of every measure is a native expectation. Unknown indicators are reported by the
    indicator check, not here."""
    if not {"indicateur", "valeur"} <= set(frame.columns):
        return
    mesures = [None if _missing(i) else catalogue.mesures.get(i) for i in frame["indicateur"]]
    frame["_mesure"] = pd.Series(mesures, index=frame.index, dtype="object")
    _flag(frame, "_valeur_dans_plage",
          (_missing(v) or m not in RATIO_MEASURES or v <= 1 for m, v in zip(mesures, frame["valeur"])))


def _avenants(frame: pd.DataFrame, register: Register, catalogue: Catalogue) -> None:
    cols = set(frame.columns)
    if {"action", "finess_geo", "indicateur"} <= cols:
        cible = [(a, not _missing(g), not _missing(i)) for a, g, i in _cols(frame, "action", "finess_geo", "indicateur")]
        _flag(frame, "_avenant_cible", (a not in ("ajout", "retrait") or (g and i) for a, g, i in cible))
        _flag(frame, "_resiliation_sans_cible", (a != "resiliation" or not (g or i) for a, g, i in cible))
    if {"finess_ej", "finess_geo", "date_signature"} <= cols:
        known, used = [], []
        for ej, geo, signed in _cols(frame, "finess_ej", "finess_geo", "date_signature"):
            if _missing(ej) or _missing(geo) or _missing(signed):
                known.append(True)
                used.append(None)
                continue
            year = register.year_for(signed.year)
            used.append(year)
            known.append(bool(year is not None and register.by_year[year].get(geo) == ej))
        _flag(frame, "_et_de_l_ej", known)
        frame["_registre"] = pd.Series(used, index=frame.index, dtype="object")
    if {"volet", "indicateur"} <= cols:
        _flag(frame, "_indicateur_du_volet", (
            _missing(i) or _missing(v) or v not in catalogue.indicateurs_par_volet
            or i in catalogue.indicateurs_par_volet[v]
            for v, i in _cols(frame, "volet", "indicateur")))
    if "date_signature" in cols:
        lo, hi = catalogue.debut, catalogue.fin
        _flag(frame, "_signature_dans_campagne", (
            _missing(d) or ((lo is None or d >= lo) and (hi is None or d <= hi)) for d in frame["date_signature"]))


def _decisions(frame: pd.DataFrame, catalogue: Catalogue) -> None:
    cols = set(frame.columns)
    if "objet" in cols:
        def volet_ok(objet) -> bool:
            m = None if _missing(objet) else OBJET_RE.match(objet)
            return m is None or m[2] is None or m[2] in catalogue.volets
        _flag(frame, "_objet_volet_connu", (volet_ok(o) for o in frame["objet"]))
    if {"choix", "montant_base"} <= cols:
        pairs = list(_cols(frame, "choix", "montant_base"))
        _flag(frame, "_montant_base_requis",
              (c not in ("reduction_liste_en_sus", "reduction") or not _missing(b) for c, b in pairs))
        _flag(frame, "_montant_base_positif",
              (c != "reduction_liste_en_sus" or _missing(b) or b > 0 for c, b in pairs))
        _flag(frame, "_montant_base_vide",
              (c not in ("accord_prealable", "renonciation") or _missing(b) for c, b in pairs))
    if {"choix", "objet"} <= cols:
        def compatible(choix, objet) -> bool:
            if _missing(choix) or _missing(objet):
                return True
            if choix == "reduction_liste_en_sus":
                return objet in ("refus", f"non_atteinte:{VOLET_PRODUITS_SANTE}")
            if choix == "accord_prealable":
                return objet.startswith("non_atteinte:")
            return True
        _flag(frame, "_choix_compatible", (compatible(c, o) for c, o in _cols(frame, "choix", "objet")))


# Contract dates lie in the campaign window: from 1 January of the year before the campaign starts
# (proposals and signatures precede it) to its last day (docs/rules.md §7).
CONTRAT_DATES = ("date_proposition", "date_signature", "date_effet", "date_fin")
CONTRAT_KEY = ("finess_ej", "volet", "date_proposition")
CONTRAT_VALUES = ("statut", "date_signature", "date_effet", "date_fin")


def contract_window(catalogue: Catalogue) -> tuple[date | None, date | None]:
    lo = date(catalogue.debut.year - 1, 1, 1) if catalogue.debut else None
    return lo, catalogue.fin


def _contrats(frame: pd.DataFrame, catalogue: Catalogue) -> None:
    cols = [c for c in CONTRAT_DATES if c in frame.columns]
    if not cols:
        return
    lo, hi = contract_window(catalogue)

    def inside(d) -> bool:
        return _missing(d) or ((lo is None or d >= lo) and (hi is None or d <= hi))

    _flag(frame, "_dates_dans_campagne", (all(inside(d) for d in row) for row in _cols(frame, *cols)))


def _shown_value(v) -> str:
    if _missing(v):
        return ""
    return v.isoformat() if isinstance(v, date) else str(v)


def contract_rows(frame: pd.DataFrame) -> list[tuple]:
    """``(key, values, line)`` of each row of a contrats frame (empty when a column is missing)."""
    if not set(CONTRAT_KEY + CONTRAT_VALUES + ("_line",)) <= set(frame.columns):
        return []
    return [(tuple(_shown_value(v) for v in row[:3]), tuple(_shown_value(v) for v in row[3:7]), int(row[7]))
            for row in _cols(frame, *CONTRAT_KEY, *CONTRAT_VALUES, "_line")]


def mark_contract_conflicts(frame: pd.DataFrame, others: Iterable[tuple[str, list[tuple]]]) -> None:
    """Flag each row of ``frame`` whose proposal is delivered with other values in another file.

    ``others``: ``(file, rows)`` with rows as given by :func:`contract_rows` (or read back from
    raw.contrats). Sets ``_sans_conflit`` and, for a conflicting row, ``_conflit`` (the other
    file, its line and its values).
    """
    index: dict[tuple, list[tuple[str, tuple, int]]] = {}
    for name, rows in others:
        for key, values, line in rows:
            index.setdefault(key, []).append((name, values, line))
    mine = contract_rows(frame)
    if not mine:
        return
    ok, why = [], []
    for key, values, _line in mine:
        clash = next(((n, v, ln) for n, v, ln in index.get(key, []) if v != values), None)
        ok.append(clash is None)
        if clash is None:
            why.append(None)
        else:
            n, v, ln = clash
            why.append(f"{n} ligne {ln} : " + ", ".join(f"{c}={x or '(vide)'}" for c, x in zip(CONTRAT_VALUES, v)))
    _flag(frame, "_sans_conflit", ok)
    frame["_conflit"] = pd.Series(why, index=frame.index, dtype="object")


def add_helpers(source: str, frame: pd.DataFrame, register: Register, catalogue: Catalogue | None = None) -> list[str]:
    """Add the helper columns of ``source`` to ``frame`` in place; return notes for the report.

    ``catalogue`` (from the référentiel) gives the measures, the volets' indicators and the
    campaign dates; without it those checks pass and the other expectations still apply.
    """
    catalogue = catalogue or Catalogue()
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
    if source in EJ_SOURCES and "finess_ej" in frame.columns:
        ejs = register.ejs
        frame["_ej_connu"] = pd.Series([v is None or v in ejs for v in frame["finess_ej"]], index=frame.index, dtype="bool")
    if {"numerateur", "denominateur"} <= set(frame.columns):
        # a rate or a share only (an amount such as DDJ per 1,000 journées has no such bound);
        # an indicator the référentiel does not give is checked as a ratio
        mesures = ([catalogue.mesures.get(i) for i in frame["indicateur"]] if "indicateur" in frame.columns
                   else [None] * len(frame))
        _flag(frame, "_num_le_den", (
            _missing(n) or _missing(d) or (m is not None and m not in RATIO_MEASURES) or n <= d
            for m, n, d in zip(mesures, frame["numerateur"], frame["denominateur"])))
    if source == "regional":
        _regional(frame, catalogue)
    if source == "avenants":
        _avenants(frame, register, catalogue)
    if source == "decisions_dg":
        _decisions(frame, catalogue)
    if source == "contrats":
        _contrats(frame, catalogue)
    if source == "notifications" and {"date_envoi", "date_reception"} <= set(frame.columns):
        _flag(frame, "_reception_apres_envoi", (
            _missing(e) or _missing(r) or r >= e for e, r in _cols(frame, "date_envoi", "date_reception")))
    if {"date_effet", "date_fin"} <= set(frame.columns):
        frame["_dates_ordonnees"] = pd.Series(
            [_missing(a) or _missing(b) or a <= b for a, b in zip(frame["date_effet"], frame["date_fin"])],
            index=frame.index, dtype="bool",
        )
    return notes
