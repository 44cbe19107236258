"""The half-yearly analysis of prescriptions of an EJ (contrat type, volet 1 art. 4).

« Une information portant sur l'analyse des prescriptions et de leur évolution est présentée
chaque semestre à la commission ou à la conférence définie à l'article R. 6111-10 du code de la
santé publique et adressée à l'observatoire mentionné aux articles R. 1413-90 et R. 1413-91 du
code de santé publique, au directeur de l'ARS ainsi qu'à l'organisme local d'assurance maladie. »

Half-years: S1 = January–June, S2 = July–December of year N (execution dates). Per ET of the EJ
and national indicator:
- spending and volume of the half-year (``staging.stg_phev_lines``, the line-level feed as dbt
  aggregated it per ET × month × indicator), and of the same half-year of N−1, with the evolution;
- the position against the year's target path: for an amount indicator under evaluation in N
  (``marts.fct_evaluation.objectif``), the path from January to the end of the half-year is the
  annual target × the share of N−1's spending made over the same months (days of the year when
  N−1 has no line); the gap is spending to date minus the path. A rate or share indicator's
  target is not a spending: its annual target is shown, with no half-year position;
- the product codes behind the change (the largest absolute changes between the two half-years),
  from the Parquet files the warehouse loaded (``landing/phev_lines/<fichier>``).
When the EJ has no line-level data for the half-year, the document says the half-year split is
not available and shows the yearly spending (``marts.fct_indicateur``).

The EJs concerned are those whose volet 1 contract is in force in year N
(``marts.fct_contractualisation``), else, without that mart's year, those with lines.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from caqes_tasks.documents import charts
from caqes_tasks.quality.helpers import VOLET_PRODUITS_SANTE

log = logging.getLogger(__name__)

TITRE = "Analyse semestrielle des prescriptions"
MOIS = {1: (1, 6), 2: (7, 12)}
LIBELLES_SEMESTRE = {1: "premier semestre (janvier à juin)", 2: "second semestre (juillet à décembre)"}
TOP_CODES = 3
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def bornes(year: int, half: int) -> tuple[date, date]:
    first, last = MOIS[half]
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def _tables(con) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()}


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@dataclass
class SemesterData:
    """What the analyses of one half-year read, for every EJ."""

    year: int
    half: int
    etablissements: dict[str, list[dict]] = field(default_factory=dict)  # finess_ej → ET rows
    noms_ej: dict[str, str] = field(default_factory=dict)
    ejs: list[str] = field(default_factory=list)
    # (finess_geo, indicateur, annee, semestre) → {"montant", "volume"}
    semestres: dict[tuple, dict] = field(default_factory=dict)
    evaluation: dict[tuple, dict] = field(default_factory=dict)  # (finess_geo, indicateur) → row of N
    annuel: dict[tuple, Decimal | None] = field(default_factory=dict)  # (finess_geo, indicateur, annee) → montant
    codes: dict[tuple, list[dict]] | None = None  # (finess_geo, indicateur) → top codes; None: files unreadable
    fichiers: dict[str, str] = field(default_factory=dict)  # phev_lines file → SHA-256 (ledger)

    def lignes_et(self, geo: str) -> bool:
        """Whether the ET has line-level spending in the half-year of N."""
        return any(k[0] == geo and k[2] == self.year and k[3] == self.half for k in self.semestres)


def _fichiers(con, tables: set[str], years: list[int]) -> dict[str, str]:
    """The line files the warehouse holds (accepted by ingest, ``meta.ledger``) → SHA-256.

    The aggregate does not say which file a line came from: every accepted file is listed, and
    the top codes read them filtered on the half-year's dates (``years`` kept for the callers)."""
    if "meta.ledger" not in tables:
        return {}
    return dict(con.execute(
        "SELECT file_name, sha256 FROM meta.ledger WHERE source = 'phev_lines' AND status = 'loaded' "
        "QUALIFY row_number() OVER (PARTITION BY file_name ORDER BY recorded_at DESC) = 1 ORDER BY 1"
    ).fetchall())  # fmt: skip


def top_codes(landing: Path, fichiers: list[str], year: int, half: int, n: int = TOP_CODES) -> dict[tuple, list[dict]] | None:
    """Per (finess_geo, indicateur), the ``n`` codes whose spending changed most between the
    half-year of N−1 and that of N (absolute change, then code). None when a file is missing."""
    import duckdb

    paths = [Path(landing) / "phev_lines" / f for f in fichiers]
    if not paths or not all(p.is_file() for p in paths):
        return None
    (d0, d1), (p0, p1) = bornes(year, half), bornes(year - 1, half)
    con = duckdb.connect()
    try:
        rows = _rows(
            con,
            "SELECT cast(finess_geo AS VARCHAR) AS finess_geo, cast(indicateur AS VARCHAR) AS indicateur, "
            "cast(code AS VARCHAR) AS code, "
            "cast(sum(CASE WHEN d >= ? THEN m ELSE 0 END) AS DECIMAL(18,2)) AS courant, "
            "cast(sum(CASE WHEN d <= ? THEN m ELSE 0 END) AS DECIMAL(18,2)) AS precedent, "
            "cast(sum(CASE WHEN d >= ? THEN q ELSE 0 END) AS BIGINT) AS volume_courant, "
            "cast(sum(CASE WHEN d <= ? THEN q ELSE 0 END) AS BIGINT) AS volume_precedent "
            "FROM (SELECT finess_geo, indicateur, code, cast(date_execution AS DATE) AS d, "
            "      cast(montant_rembourse AS DECIMAL(18,2)) AS m, cast(quantite AS BIGINT) AS q "
            "      FROM read_parquet(?, hive_partitioning = false)) "
            "WHERE d BETWEEN ? AND ? OR d BETWEEN ? AND ? GROUP BY ALL",
            [d0, p1, d0, p1, [str(p) for p in paths], p0, p1, d0, d1],
        )
    finally:
        con.close()
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        r["variation"] = r["courant"] - r["precedent"]
        grouped[(r["finess_geo"], r["indicateur"])].append(r)
    return {
        k: sorted(v, key=lambda r: (-abs(r["variation"]), r["code"]))[:n]
        for k, v in grouped.items()
    }


def read_semester(con, year: int, half: int, landing: Path | None, nationaux: list[str]) -> SemesterData:
    """Everything the analyses of ``year``/``half`` read (connection opened read-only)."""
    tables = _tables(con)
    data = SemesterData(year, half)
    if "marts.dim_etablissement" in tables:
        for r in _rows(con, "SELECT * FROM marts.dim_etablissement WHERE annee = ? ORDER BY finess_ej, finess_geo", [year]):
            data.etablissements.setdefault(r["finess_ej"], []).append(r)
            if r.get("raison_sociale_ej"):
                data.noms_ej.setdefault(r["finess_ej"], r["raison_sociale_ej"])
    ets = {r["finess_geo"]: ej for ej, rows in data.etablissements.items() for r in rows}
    if "staging.stg_phev_lines" in tables:
        first, last = MOIS[half]
        for r in _rows(
            con,
            "SELECT finess_geo, indicateur, annee, CASE WHEN month(mois) <= 6 THEN 1 ELSE 2 END AS semestre, "
            "cast(sum(montant) AS DECIMAL(18,2)) AS montant, cast(sum(volume) AS BIGINT) AS volume "
            "FROM staging.stg_phev_lines WHERE annee IN (?, ?) GROUP BY ALL",
            [year - 1, year],
        ):
            if r["indicateur"] in nationaux and r["finess_geo"] in ets:
                data.semestres[(r["finess_geo"], r["indicateur"], r["annee"], r["semestre"])] = r
    if "marts.fct_evaluation" in tables:
        for r in _rows(
            con,
            "SELECT finess_geo, indicateur, sens, sous_contrat, objectif, valeur_reference, montant_reference "
            "FROM marts.fct_evaluation WHERE annee = ? AND type_indicateur = 'national'",
            [year],
        ):
            data.evaluation[(r["finess_geo"], r["indicateur"])] = r
    if "marts.fct_indicateur" in tables:
        for r in _rows(
            con,
            "SELECT finess_geo, indicateur, annee, montant FROM marts.fct_indicateur "
            "WHERE annee IN (?, ?) AND type_indicateur = 'national'",
            [year - 1, year],
        ):
            data.annuel[(r["finess_geo"], r["indicateur"], r["annee"])] = r["montant"]
    contrats: list[dict] = []
    if "marts.fct_contractualisation" in tables:
        contrats = _rows(con, "SELECT finess_ej, volet, en_vigueur FROM marts.fct_contractualisation WHERE annee = ?", [year])
    signes = {r["finess_ej"] for r in contrats if r["volet"] == VOLET_PRODUITS_SANTE and r["en_vigueur"]}
    if not contrats:  # contracts not built for year N (nightly marts only): the EJs with lines
        signes = {ets[k[0]] for k in data.semestres}
    data.ejs = sorted(signes & set(data.etablissements))
    data.fichiers = _fichiers(con, tables, [year - 1, year])
    if landing is not None and data.fichiers:
        try:
            data.codes = top_codes(landing, sorted(data.fichiers), year, half)
        except Exception as exc:  # noqa: BLE001 - the codes are a detail: the figures stand without them
            log.warning("phev_lines files unreadable for the product codes (%s)", exc)
            data.codes = None
    return data


def _rate(cur: Decimal | None, prev: Decimal | None) -> Decimal | None:
    if cur is None or not prev:
        return None
    return (cur / prev - 1).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _days_share(year: int, half: int) -> Decimal:
    start = date(year, 1, 1)
    end = bornes(year, half)[1]
    total = 366 if calendar.isleap(year) else 365
    return Decimal((end - start).days + 1) / Decimal(total)


def trajectoire(data: SemesterData, geo: str, ind: str, objectif: Decimal) -> tuple[Decimal, str]:
    """The target path to the end of the half-year (module docstring) and how it was split."""
    prev = [data.semestres.get((geo, ind, data.year - 1, s), {}).get("montant") for s in (1, 2)]
    upto = sum((m for m in prev[: data.half] if m is not None), ZERO)
    total = sum((m for m in prev if m is not None), ZERO)
    if all(m is not None for m in prev) and total > 0:
        share, how = upto / total, f"répartition des dépenses de {data.year - 1}"
    else:
        share, how = _days_share(data.year, data.half), "prorata des jours"
    return (objectif * share).quantize(CENT, rounding=ROUND_HALF_UP), how


def _ligne(data: SemesterData, geo: str, ind: str, lib, mesures: dict[str, str]) -> dict:
    y, h = data.year, data.half
    cur = data.semestres.get((geo, ind, y, h), {})
    prev = data.semestres.get((geo, ind, y - 1, h), {})
    mesure = mesures.get(ind, "")
    ev = data.evaluation.get((geo, ind))
    ligne = {
        "finess_geo": geo,
        "indicateur": ind,
        "libelle": lib.indicateurs.get(ind, ""),
        "mesure": mesure,
        "montant": cur.get("montant"),
        "volume": cur.get("volume"),
        "montant_precedent": prev.get("montant"),
        "volume_precedent": prev.get("volume"),
        "evolution": _rate(cur.get("montant"), prev.get("montant")),
        "evolution_volume": _rate(None if cur.get("volume") is None else Decimal(cur["volume"]),
                                  None if prev.get("volume") is None else Decimal(prev["volume"])),
        "objectif": None if ev is None else ev["objectif"],
        "sous_contrat": bool(ev and ev["sous_contrat"]),
        "cumul": None,
        "trajectoire": None,
        "ecart": None,
        "repartition": "",
        "position": "",
        "codes": None if data.codes is None else data.codes.get((geo, ind), []),
    }  # fmt: skip
    if ev is None or ev["objectif"] is None:
        ligne["position"] = "pas de cible pour l'année (indicateur non évalué pour cet établissement)"
    elif mesure != "amount":
        ligne["position"] = "cible annuelle exprimée en taux : pas de trajectoire semestrielle sur les dépenses"
    else:
        cumul = sum((data.semestres.get((geo, ind, y, s), {}).get("montant") or ZERO for s in range(1, h + 1)), ZERO)
        path, how = trajectoire(data, geo, ind, ev["objectif"])
        ecart = cumul - path
        plus_bas = (ev.get("sens") or "lower_is_better") != "higher_is_better"
        bon = ecart <= 0 if plus_bas else ecart >= 0
        ligne.update(cumul=cumul, trajectoire=path, ecart=ecart, repartition=how,
                     position="conforme à la trajectoire" if bon else "en écart défavorable à la trajectoire")  # fmt: skip
    return ligne


def analyse_context(data: SemesterData, ej: str, lib, mesures: dict[str, str], nationaux: list[str], run, titre: str = TITRE) -> dict:
    """Everything the analysis of ``ej`` states (module docstring)."""
    ets = data.etablissements.get(ej, [])
    sections = []
    for et in ets:
        geo = et["finess_geo"]
        if data.lignes_et(geo):
            lignes = [_ligne(data, geo, ind, lib, mesures) for ind in nationaux
                      if any((geo, ind, yy, data.half) in data.semestres for yy in (data.year, data.year - 1))]  # fmt: skip
            graphique = charts.data_uri(charts.bars([
                {"label": ln["indicateur"], "precedent": ln["montant_precedent"], "courant": ln["montant"],
                 "trajectoire": None if data.half == 2 or ln["trajectoire"] is None else ln["trajectoire"]}
                for ln in lignes
            ])) if lignes else None  # fmt: skip
            sections.append({"et": et, "semestriel": True, "lignes": lignes, "graphique": graphique})
        else:
            annuel = [
                {"indicateur": ind, "libelle": lib.indicateurs.get(ind, ""),
                 "precedent": data.annuel.get((geo, ind, data.year - 1)), "courant": data.annuel.get((geo, ind, data.year))}
                for ind in nationaux
                if data.annuel.get((geo, ind, data.year - 1)) is not None or data.annuel.get((geo, ind, data.year)) is not None
            ]  # fmt: skip
            for a in annuel:
                a["evolution"] = _rate(a["courant"], a["precedent"])
            sections.append({"et": et, "semestriel": False, "annuel": annuel})
    debut, fin = bornes(data.year, data.half)
    return {
        "titre": titre,
        "annee": data.year,
        "semestre": data.half,
        "semestre_libelle": LIBELLES_SEMESTRE[data.half],
        "debut": debut,
        "fin": fin,
        "ej": {"finess": ej, "nom": data.noms_ej.get(ej) or f"Entité juridique {ej}"},
        "sections": sections,
        "codes_disponibles": data.codes is not None,
        "run": run,
        "date_lettre": run.as_of,
        "libelles": lib,
    }
