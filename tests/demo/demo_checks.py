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


def parse_date(text: str) -> date | None:
    """DD/MM/YYYY or YYYY-MM-DD (empty: None)."""
    text = (text or "").strip()
    if not text:
        return None
    if "/" in text:
        d, m, y = (int(x) for x in text.split("/"))
        return date(y, m, d)
    return date.fromisoformat(text)


def national_targeted(values, ref: Referentiel, annee: int, ets: set[str]) -> set[tuple[str, str]]:
    """(finess_geo, indicateur) targeted for a proposal in ``annee`` (docs/rules.md §4): reference
    year ``annee − 1``; growth of the SPENDING against ``annee − 2``, value test on the measure."""
    out = set()
    for (f, a, code), (valeur, base, montant) in values.items():
        if a != annee - 1 or f not in ets:
            continue
        ind = ref.by_code[code]
        if ind.min_base is not None and base < ind.min_base:
            continue
        avant = values.get((f, annee - 2, code))
        hausse = (ind.max_taux_evolution is not None and avant is not None and avant[2] != 0
                  and montant / avant[2] - 1 > ind.max_taux_evolution)
        if hausse or (ind.seuil_valeur is not None and valeur > ind.seuil_valeur):
            out.add((f, code))
    return out


def regional_targeted(landing: Path, ref: Referentiel, annee: int, ets: set[str]) -> set[tuple[str, str]]:
    """(finess_geo, indicateur) targeted on a regional indicator for a proposal in ``annee``."""
    regional = read_source(landing, "regional")
    out = set()
    for code in ref.codes("regional"):
        ind = ref.by_code[code]
        if ind.regle_ciblage == "liste":
            out |= {(f, code) for f in ind.liste_ciblage if f in ets}
    for row in regional[regional.annee == str(annee - 1)].itertuples(index=False):
        ind = ref.by_code[row.indicateur]
        if ind.regle_ciblage == "liste" or ind.seuil_valeur is None or row.finess_geo not in ets:
            continue
        valeur = dec(row.valeur)
        if (valeur > ind.seuil_valeur) if ind.sens == "lower_is_better" else (valeur < ind.seuil_valeur):
            out.add((row.finess_geo, row.indicateur))
    return out


def contracts(landing: Path) -> list[dict]:
    """Contract rows with parsed dates."""
    out = []
    for c in read_source(landing, "contrats").to_dict("records"):
        for col in ("date_proposition", "date_signature", "date_effet", "date_fin"):
            c[col] = parse_date(c[col])
        out.append(c)
    return out


def avenants(landing: Path) -> list[dict]:
    out = []
    for a in read_source(landing, "avenants").to_dict("records"):
        a["date_signature"] = parse_date(a["date_signature"])
        out.append(a)
    return out


class Perimeter:
    """The contracted perimeter recomputed from the files (docs/rules.md §4): at signature, the
    ETs of the EJ in the register of the proposal's year P × the volet's indicators targeted for
    P; then avenants (ajout/retrait from 1 January after signature; résiliation ends the volet on
    31 December of its year)."""

    def __init__(self, landing: Path, ref: Referentiel):
        self.ref = ref
        ejs = ej_by_year(landing)
        values = national_values(landing, ref)
        self.signed = {(c["finess_ej"], c["volet"]): c for c in contracts(landing) if c["statut"] == "signe"}
        self.avenants = sorted(avenants(landing), key=lambda a: a["date_signature"])
        self.signature: dict[tuple[str, str], set[tuple[str, str]]] = {}
        targeted: dict[int, set[tuple[str, str]]] = {}
        for (ej, volet), c in self.signed.items():
            p = c["date_proposition"].year
            if p not in targeted:
                ets = {f for (f, a) in ejs if a == p}
                targeted[p] = national_targeted(values, ref, p, ets) | regional_targeted(landing, ref, p, ets)
            self.signature[(ej, volet)] = {
                (f, code) for f, code in targeted[p] if ejs.get((f, p)) == ej and ref.by_code[code].volet == volet
            }

    def end(self, ej: str, volet: str) -> date:
        end = self.signed[(ej, volet)]["date_fin"]
        for a in self.avenants:
            if a["action"] == "resiliation" and (a["finess_ej"], a["volet"]) == (ej, volet):
                end = min(end, date(a["date_signature"].year, 12, 31))
        return end

    def in_force(self, annee: int) -> dict[tuple[str, str], set[tuple[str, str]]]:
        out = {}
        for key, c in self.signed.items():
            if not c["date_effet"] <= date(annee, 12, 31) <= self.end(*key):
                continue
            pairs = set(self.signature[key])
            for a in self.avenants:
                if (a["finess_ej"], a["volet"]) != key or a["date_signature"].year + 1 > annee:
                    continue
                if a["action"] == "ajout":
                    pairs.add((a["finess_geo"], a["indicateur"]))
                elif a["action"] == "retrait":
                    pairs.discard((a["finess_geo"], a["indicateur"]))
            out[key] = pairs
        return out


def attainment(ref: Referentiel, code: str, r: Decimal, a: Decimal) -> Decimal:
    """docs/rules.md §5 for a lower-is-better national indicator."""
    ind = ref.by_code[code]
    t = r * (1 + ind.objectif_taux_evolution) if ind.objectif_taux_evolution is not None else ind.objectif_valeur
    if a <= t:
        return Decimal(1)
    if t < r and a < r:
        return (r - a) / (r - t)
    return Decimal(0)


def target(ref: Referentiel, code: str, r: Decimal) -> Decimal:
    ind = ref.by_code[code]
    return r * (1 + ind.objectif_taux_evolution) if ind.objectif_taux_evolution is not None else ind.objectif_valeur


def national_evaluation(landing: Path, ref: Referentiel, annee: int, values=None,
                        perimeter: Perimeter | None = None) -> list[tuple[str, str, Decimal | None]]:
    """(finess_geo, indicateur, attainment or None when not evaluable) for the ET × national
    indicators in the perimeter in force in ``annee`` of the signed volets 1; ``values`` as given
    by ``national_values`` (default: read from the landing folder)."""
    values = values if values is not None else national_values(landing, ref)
    perimeter = perimeter or Perimeter(landing, ref)
    out = []
    for (ej, volet), pairs in sorted(perimeter.in_force(annee).items()):
        for f, code in sorted(pairs):
            if volet != "V1" or ref.by_code[code].type != "national":
                continue
            r, a = values.get((f, annee - 1, code)), values.get((f, annee, code))
            out.append((f, code, None if r is None or a is None else attainment(ref, code, r[0], a[0])))
    return out


def overshoot_ejs(landing: Path, ref: Referentiel, annee: int, values=None,
                  perimeter: Perimeter | None = None) -> set[str]:
    """EJs whose volet 1 in force in ``annee`` has an ET × amount indicator with A − T ≥ 1 €:
    their non-attainment sanction is positive (score below 100, impact on spending > 0)."""
    values = values if values is not None else national_values(landing, ref)
    perimeter = perimeter or Perimeter(landing, ref)
    out = set()
    for (ej, volet), pairs in perimeter.in_force(annee).items():
        if volet != "V1":
            continue
        total = Decimal(0)
        for f, code in pairs:
            if ref.by_code[code].mesure != "amount" or ref.by_code[code].type != "national":
                continue
            r, a = values.get((f, annee - 1, code)), values.get((f, annee, code))
            if r is not None and a is not None:
                total += max(a[2] - target(ref, code, r[2]), Decimal(0))
        if total >= 1:
            out.add(ej)
    return out


def refusing_ejs(landing: Path, annee: int) -> set[str]:
    """EJs with a refused proposal dated in ``annee``."""
    return {c["finess_ej"] for c in contracts(landing)
            if c["statut"] == "refus" and c["date_proposition"].year == annee}
