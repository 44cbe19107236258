"""Independent reading of a demo landing folder with pandas, and the campaign rules (targeting,
attainment) recomputed from the files alone, to check what the generator promises."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from caqes_tasks.referentiel import Referentiel


def dec(text: str) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text.replace(",", ".")) if text else None


def read_source(landing: Path, source: str, encoding: str = "utf-8") -> pd.DataFrame:
    frames = [
        pd.read_csv(p, sep=";", dtype=str, keep_default_na=False, encoding=encoding)
        for p in sorted((landing / source).glob("*.csv"))
    ]
    return pd.concat(frames, ignore_index=True)


def read_finess(landing: Path) -> dict[int, list[list[str]]]:
    """Register year -> structureet rows (fields after the row type)."""
    out = {}
    for path in sorted((landing / "finess").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        annee = int(rows[0][3][:4])
        out[annee] = [r[1:] for r in rows[1:] if r[0] == "structureet"]
    return out


def ej_by_year(landing: Path) -> dict[tuple[str, int], str]:
    return {(r[0], annee): r[1] for annee, rows in read_finess(landing).items() for r in rows}


def national_values(landing: Path, ref: Referentiel) -> dict[tuple[str, int, str], tuple[Decimal, Decimal, Decimal]]:
    """(finess_geo, annee, indicateur) -> (value, base, montant)."""
    phev = read_source(landing, "phev")
    out = {}
    for row in phev.itertuples(index=False):
        montant = dec(row.montant_rembourse)
        if ref.by_code[row.indicateur].mesure == "amount":
            out[(row.finess_geo, int(row.annee), row.indicateur)] = (montant, montant, montant)
        else:
            num, den = dec(row.numerateur), dec(row.denominateur)
            out[(row.finess_geo, int(row.annee), row.indicateur)] = (num / den, den, montant)
    return out


def national_targeted(values, ref: Referentiel, annee: int, ets: set[str]) -> set[tuple[str, str]]:
    """(finess_geo, indicateur) targeted for ``annee`` (rules.md §4), among the ETs of that year."""
    out = set()
    for (f, a, code), (valeur, base, _) in values.items():
        if a != annee - 1 or f not in ets:
            continue
        ind = ref.by_code[code]
        if ind.min_base is not None and base < ind.min_base:
            continue
        avant = values.get((f, annee - 2, code))
        hausse = (ind.max_taux_evolution is not None and avant is not None and avant[0] != 0
                  and valeur / avant[0] - 1 > ind.max_taux_evolution)
        if hausse or (ind.seuil_valeur is not None and valeur > ind.seuil_valeur):
            out.add((f, code))
    return out


def signed_in_force(landing: Path, volet: str, annee: int) -> set[str]:
    contrats = read_source(landing, "contrats")
    fin = date(annee, 12, 31)
    out = set()
    for c in contrats.itertuples(index=False):
        if c.volet != volet or c.statut != "signe":
            continue
        effet = date(*reversed([int(x) for x in c.date_effet.split("/")]))
        end = date(*reversed([int(x) for x in c.date_fin.split("/")]))
        if effet <= fin <= end:
            out.add(c.finess_ej)
    return out


def attainment(ref: Referentiel, code: str, r: Decimal, a: Decimal) -> Decimal:
    """rules.md §5 for a lower-is-better national indicator."""
    ind = ref.by_code[code]
    t = r * (1 + ind.objectif_taux_evolution) if ind.objectif_taux_evolution is not None else ind.objectif_valeur
    if a <= t:
        return Decimal(1)
    if t < r and a < r:
        return (r - a) / (r - t)
    return Decimal(0)


def national_evaluation(landing: Path, ref: Referentiel, annee: int, values=None) -> list[tuple[str, str, Decimal | None]]:
    """(finess_geo, indicateur, attainment or None when not evaluable) for the ET × national
    indicators targeted in ``annee`` whose EJ has V1 signed and in force; ``values`` as given by
    ``national_values`` (default: read from the landing folder)."""
    values = values if values is not None else national_values(landing, ref)
    ejs = ej_by_year(landing)
    ets = {f for (f, a) in ejs if a == annee}
    signes = signed_in_force(landing, "V1", annee)
    out = []
    for f, code in sorted(national_targeted(values, ref, annee, ets)):
        if ejs[(f, annee)] not in signes:
            continue
        r, a = values.get((f, annee - 1, code)), values.get((f, annee, code))
        out.append((f, code, None if r is None or a is None else attainment(ref, code, r[0], a[0])))
    return out
