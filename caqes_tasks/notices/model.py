"""The facts one notice states, gathered from the year's rows (no formatting here: templates
format with the filters of ``caqes_tasks.notices.formatting``).

Figures are the warehouse's own ``Decimal`` values; the only amounts computed here are the
legal caps shown for reference (1 % and 5 % of the base, rounded down to the cent as
docs/rules.md §7 rounds every sanction) and sums of lines. Dates shown are the outcome tables'
own (the deadline for observations is computed by the outcome stage from the receipt date); the
only dates derived here are the savings' reference period (the same dates one year earlier) and
its length in days, which a prorated national line states.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import yaml

from caqes_tasks.notices import vocabulary as v
from caqes_tasks.notices.data import YearData
from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.vocabulary import (
    CHOIX_DG_MONTANT,
    STATUTS_SANS_MONTANT,
    MotifSanction,
    Plafond,
    TypeDecision,
    MethodePeriode,
    TypeInteressement,
)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Libelles:
    """Labels of volets, themes and indicators, and procedure parameters, from the référentiel."""

    volets: dict[str, str] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)
    indicateurs: dict[str, str] = field(default_factory=dict)
    mesures: dict[str, str] = field(default_factory=dict)
    delai_observations_jours: int = legal.DELAI_OBSERVATIONS_JOURS
    delai_recours_mois: int = legal.DELAI_RECOURS_MOIS
    version: str = ""
    seuil_atteinte: Decimal | None = None  # national.seuil_atteinte (formula « seuil »)

    @classmethod
    def from_referentiel(cls, path: Path | None) -> "Libelles":
        from caqes_tasks.referentiel import load_referentiel

        ref = load_referentiel(path)
        raw = yaml.safe_load(Path(ref.path).read_bytes()) or {}
        seuil = (raw.get("national") or {}).get("seuil_atteinte")
        return cls(
            volets={x["code"]: x["libelle"] for x in ref.volets},
            themes={x["code"]: x["libelle"] for x in ref.themes},
            indicateurs={i.code: i.libelle for i in ref.indicateurs},
            mesures={i.code: i.mesure for i in ref.indicateurs},
            delai_observations_jours=ref.delai_observations_jours,
            delai_recours_mois=ref.delai_recours_mois,
            version=ref.version,
            seuil_atteinte=None if seuil is None else Decimal(str(seuil)),
        )


STATUTS_EXCLUS = {"quarantined": "en quarantaine", "waiting": "en attente", "refused": "refusé"}
MOTIF_MAX = 240  # characters of a rejection reason shown in the annex


@dataclass(frozen=True)
class RunInfo:
    """The run a notice cites: its id, date and the inputs its results rest on (``input_hashes``:
    the accepted inputs only); ``rejected`` (``{key: {sha256, status, reason}}``) and ``ignored``
    (``[{file, kind, reason}]``) are the landing's files it did not use, listed apart."""

    run_id: str
    input_hashes: dict[str, str]
    as_of: date
    rejected: dict[str, dict] = field(default_factory=dict)
    ignored: tuple[dict, ...] = ()

    @property
    def empreinte(self) -> str:
        """Short form of the input hashes: the first 12 hex digits of their sorted JSON's SHA-256."""
        payload = json.dumps(self.input_hashes, sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:12]

    @property
    def hashes(self) -> list[tuple[str, str]]:
        return sorted(self.input_hashes.items())

    @property
    def excluded(self) -> list[dict]:
        """Refused or ignored files, sorted: ``{fichier, sha256 (or None), motif}``."""
        rows = []
        for key, r in sorted(self.rejected.items()):
            statut = STATUTS_EXCLUS.get(r.get("status") or "", r.get("status") or "refusé")
            rows.append({"fichier": key, "sha256": r.get("sha256"), "motif": _motif(statut, r.get("reason"))})
        for i in sorted(self.ignored, key=lambda i: str(i.get("file"))):
            rows.append({"fichier": i.get("file"), "sha256": None, "motif": _motif("ignoré", i.get("reason"))})
        return rows


def _motif(statut: str, reason: str | None) -> str:
    text = " ".join(str(reason or "").split())
    if len(text) > MOTIF_MAX:
        text = text[: MOTIF_MAX - 1].rstrip() + "…"
    return f"{statut} : {text}" if text else statut


def cap(base: Decimal | None, rate: Decimal) -> Decimal | None:
    return None if base is None else (base * rate).quantize(CENT, rounding=ROUND_DOWN)


def _sum(values) -> Decimal:
    return sum((x for x in values if x is not None), Decimal("0.00"))


def _common(data: YearData, ej: str, kind: str, run: RunInfo, lib: Libelles) -> dict:
    dim = data.rows("dim_etablissement", ej)
    noms_et = {r["finess_geo"]: r["raison_sociale"] for r in dim}
    nom_ej = next((r["raison_sociale_ej"] for r in dim if r.get("raison_sociale_ej")), None)
    adresse = next(
        ([r.get("adresse_ej"), r.get("ligne_acheminement_ej")] for r in dim
         if r.get("adresse_ej") or r.get("ligne_acheminement_ej")),
        [],
    )  # fmt: skip
    indicateurs = [
        {
            **r,
            "nom_et": noms_et.get(r["finess_geo"], ""),
            "libelle": (
                f"plan d'actions — {lib.themes.get(r['theme'], r['theme'])}"
                if r["type_indicateur"] == "plan_action"
                else lib.indicateurs.get(r["indicateur"], r["indicateur"])
            ),
            "mesure": "plan" if r["type_indicateur"] == "plan_action" else lib.mesures.get(r["indicateur"], ""),
        }
        for r in data.rows("fct_evaluation", ej)
    ]
    scores = []
    for r in data.rows("fct_score", ej):
        table = lib.volets if r["niveau"] == "volet" else lib.themes if r["niveau"] == "theme" else {}
        scores.append({**r, "niveau_libelle": v.NIVEAUX.get(r["niveau"], r["niveau"]), "libelle": table.get(r["code"], "")})
    non_retenus = [r for r in data.rows("fct_retenue", ej) if kind in v.kinds_listing(r["objet"])]
    return {
        "kind": kind,
        "non_retenus": non_retenus,
        "titre": v.TITRES[kind],
        "annee": data.year,
        "ej": {"finess": ej, "nom": nom_ej or f"Entité juridique {ej}", "adresse": [x for x in adresse if x]},
        "run": run,
        "indicateurs": indicateurs,
        "scores": scores,
        "libelles": lib,
        "referentiel_version": lib.version,
    }


def _base(sanctions: list[dict]) -> dict | None:
    row = next((r for r in sanctions if r.get("base_produits_am") is not None), None)
    if row is None:
        return None
    p = row["base_produits_am"]
    return {
        "montant": p,
        "exercice": row.get("exercice_base"),
        "plafond_volet": cap(p, Plafond.VOLET.taux),
        "plafond_global": cap(p, Plafond.ANNUEL.taux),
    }


def _decision_dg(r: dict) -> str:
    """What the DG ARS decided on a financial line with a stated reason (``motif_dg``):
    ``'renonciation'`` (amount waived), ``'reduction'`` (amount lowered) or ``''``, as
    ``choix_dg`` records it (read from the amounts when it is not recorded)."""
    if not r.get("motif_dg"):
        return ""
    choix = r.get("choix_dg")
    if choix:
        return choix if choix in CHOIX_DG_MONTANT else ""
    calcule = r.get("montant_calcule")
    if r["montant"] == 0 and (calcule is None or calcule > 0):
        return "renonciation"
    if calcule is not None and r["montant"] < calcule:
        return "reduction"
    return ""


def _sanction_lines(rows: list[dict], lib: Libelles) -> list[dict]:
    lines = []
    for r in rows:
        fait, article = v.MOTIFS.get(r["motif"], (r["motif"], ""))
        type_decision = r["type_decision"] or ""
        impact = r.get("impact")
        lines.append(
            {
                **r,
                "impact": impact,
                "date_proposition": r.get("date_proposition"),
                "motif_dg": r.get("motif_dg"),
                "fait": fait,
                "article": article,
                "texte": r.get("reference_article") or "",
                "volet_libelle": lib.volets.get(r["volet"] or "", ""),
                "statut_libelle": v.STATUTS.get(r["statut"], r["statut"]),
                "sans_montant": r["statut"] in STATUTS_SANS_MONTANT,
                "type_decision_libelle": v.TYPES_DECISION.get(type_decision, type_decision),
                "complementaire": type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE,
                "liste_en_sus": type_decision == TypeDecision.REDUCTION_LISTE_EN_SUS,
                "base_liste_en_sus": r.get("base_liste_en_sus"),
                "code_plafond": r.get("code_plafond"),
                "reduit": r.get("montant_calcule") is not None and r["montant"] < r["montant_calcule"],
                # L162-30-4: the amount is the smaller of P × rate × (1 − score) and the impact on spending
                "impact_limitant": r["motif"] == MotifSanction.NON_ATTEINTE
                and impact is not None
                and r.get("montant_calcule") is not None
                and r["montant_calcule"] == impact,
                "decision_dg": "" if type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE else _decision_dg(r),
            }
        )
    return lines


def _textes(lines: list[dict]) -> list[dict]:
    """The article versions applied, each with the facts it governs. ``fct_sanction.reference_article``
    cites the articles of a line's path, separated by « ; » (``Referentiel.reference_article``)."""
    textes: dict[str, list[str]] = {}
    for ln in lines:
        fait = ln["fait"]
        if ln["type_decision"] not in (None, "", TypeDecision.SANCTION_FINANCIERE):
            fait = f"{fait} — {ln['type_decision_libelle']}"
        for ref in (x.strip() for x in ln["texte"].split("; ")):
            if ref:
                faits = textes.setdefault(ref, [])
                if fait not in faits:
                    faits.append(fait)
    return [{"reference": ref, "faits": faits} for ref, faits in sorted(textes.items())]


def procedure_row(data: YearData, ej: str) -> dict | None:
    """The EJ's procedure row; with several, the most advanced step."""
    rows = data.rows("fct_procedure", ej)
    if not rows:
        return None
    return max(rows, key=lambda r: v.ETAPE_RANG.get(r["etape"], -1))


def sanction_context(
    data: YearData, ej: str, kind: str, run: RunInfo, lib: Libelles, prealable: dict | None = None
) -> dict:
    """Context of a notification préalable or a décision de sanction (docs/rules.md §7).

    ``prealable`` (a décision): the notification préalable it follows as issued, ``{"run_id",
    "date"}``: the décision cites its reference and the date it bears (``date`` None: the
    procedure's date of notification)."""
    ctx = _common(data, ej, kind, run, lib)
    rows = data.rows("fct_sanction", ej)
    proc = procedure_row(data, ej) or {}
    all_lines = _sanction_lines(rows, lib)
    lines = [ln for ln in all_lines if not ln["complementaire"]]
    total_lignes = _sum(r["montant"] for r in lines)
    notifie = proc.get("montant_notifie")
    notifie = total_lignes if notifie is None else notifie
    final = proc.get("montant_final")
    final = notifie if final is None else final
    date_notification = (prealable or {}).get("date") or proc.get("date_notification") or run.as_of
    # the deadline runs from the EJ's receipt of the notice: no receipt, no deadline (§7.1)
    reception = proc.get("date_reception_notification")
    limite = proc.get("date_limite_observations") if reception else None
    date_decision = proc.get("date_decision") or run.as_of
    avis = None
    if proc.get("date_avis_cpam"):
        sens = proc.get("sens_avis_cpam") or ""
        avis = {
            "date": proc["date_avis_cpam"],
            "sens": v.SENS_AVIS.get(sens, sens),
            "commentaire": proc.get("commentaire_avis_cpam") or "",
        }
    articles = sorted({ln["article"] for ln in all_lines if ln["article"]} | {"L.\u00a0162-30-2", "L.\u00a0162-30-4"})
    ctx.update(
        {
            "lignes": lines,
            "mesures_complementaires": [ln for ln in all_lines if ln["complementaire"]],
            "reductions_liste_en_sus": [ln for ln in all_lines if ln["liste_en_sus"]],
            "textes": _textes(all_lines),
            "base": _base(rows),
            "plafond_global_atteint": any(ln["code_plafond"] == Plafond.ANNUEL for ln in lines),
            "plafond_volet_atteint": [ln for ln in lines if ln["code_plafond"] == Plafond.VOLET],
            "total_lignes": total_lignes,
            "montant_notifie": notifie,
            "montant_final": final,
            "ecart_lignes": total_lignes != (final if kind == v.DECISION else notifie),
            "procedure": proc,
            "suite_libelle": v.SUITES.get(proc.get("suite_observations"), proc.get("suite_observations") or ""),
            "date_notification": date_notification,
            "prealable": prealable,
            "date_reception_notification": reception,
            "date_limite": limite,
            "avis_cpam": avis,
            "non_atteinte": any(ln["motif"] == MotifSanction.NON_ATTEINTE for ln in all_lines),
            "date_decision": date_decision,
            "date_lettre": date_decision if kind == v.DECISION else date_notification,
            "articles": articles,
            "runs_resultats": sorted({r["run_id"] for r in rows + ([proc] if proc else []) if r.get("run_id")}),
        }
    )
    return ctx


def _an_avant(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _periode(r: dict, year: int) -> dict:
    """The savings' period of a national line: [debut_periode, 31/12/N] against the same dates
    of N−1 (docs/rules.md §6), with its length when the yearly amounts were prorated."""
    debut = r.get("debut_periode") or date(year, 1, 1)
    fin = date(year, 12, 31)
    methode = r.get("methode_periode") or (MethodePeriode.ANNEE_CIVILE if debut == date(year, 1, 1) else "")
    return {
        "debut": debut,
        "fin": fin,
        "debut_reference": _an_avant(debut),
        "fin_reference": _an_avant(fin),
        "methode": methode,
        "methode_libelle": v.METHODES_PERIODE.get(methode, methode),
        "jours": (fin - debut).days + 1,
        "jours_annee": (fin - date(year, 1, 1)).days + 1,
    }


def interessement_context(data: YearData, ej: str, run: RunInfo, lib: Libelles) -> dict:
    """Context of a notification d'intéressement (template art. 9, volet 1 art. 4; docs/rules.md §6)."""
    ctx = _common(data, ej, v.INTERESSEMENT, run, lib)
    rows = data.rows("fct_interessement", ej)
    noms_et = {r["finess_geo"]: r["raison_sociale"] for r in data.rows("dim_etablissement", ej)}
    lines = [
        {
            **r,
            "nom_et": noms_et.get(r["finess_geo"], "") if r.get("finess_geo") else "",
            "libelle": lib.indicateurs.get(r["code"]) or lib.themes.get(r["code"]) or r["code"],
            "module": r.get("coefficient_modulation") is not None and r["coefficient_modulation"] != 1,
            "atteinte": r.get("atteinte"),
            "formule": r.get("formule"),
            "motif_modulation": r.get("motif_modulation"),
            "formule_libelle": v.FORMULES.get(r.get("formule") or "", r.get("formule") or ""),
        }
        for r in rows
    ]
    nationales = [{**ln, "periode": _periode(ln, data.year)} for ln in lines if ln["type"] == TypeInteressement.NATIONAL]
    regionales = [ln for ln in lines if ln["type"] == TypeInteressement.REGIONAL]
    periodes: dict[tuple, dict] = {}
    for ln in nationales:
        per = ln["periode"]
        periodes.setdefault((per["debut"], per["methode"]), {**per, "lignes": []})["lignes"].append(ln)
    modulations: dict[tuple, dict] = {}
    for ln in lines:
        if ln["module"]:
            key = (ln["coefficient_modulation"], ln.get("motif_modulation") or "")
            modulations.setdefault(key, {"coefficient": key[0], "motif": key[1], "lignes": []})["lignes"].append(ln)
    for group in modulations.values():
        group["avant"] = _sum(ln.get("montant_calcule") for ln in group["lignes"])
        group["apres"] = _sum(ln["montant"] for ln in group["lignes"])
        group["toutes"] = len(group["lignes"]) == len(lines)
    perimetre = [
        {
            **r,
            "nom_et": noms_et.get(r["finess_geo"], ""),
            "libelle": (
                f"plan d'actions — {lib.themes.get(r['theme'], r['theme'])}"
                if r.get("type_indicateur") == "plan_action"
                else lib.indicateurs.get(r["indicateur"], r["indicateur"])
            ),
        }
        for r in data.rows("fct_perimetre", ej)
    ]
    ctx.update(
        {
            "nationales": nationales,
            "regionales": regionales,
            "formules": sorted({ln["formule"] for ln in nationales if ln.get("formule")}),
            "periodes": list(periodes.values()),
            "total_national": _sum(r["montant"] for r in nationales),
            "total_regional": _sum(r["montant"] for r in regionales),
            "total": _sum(r["montant"] for r in lines),
            "modulations": list(modulations.values()),
            "perimetre": perimetre,
            "base": _base(data.rows("fct_sanction", ej)),
            "date_lettre": run.as_of,
            "articles": ["L.\u00a0162-30-2", "L.\u00a0162-30-3", "L.\u00a0162-30-4"],
            "runs_resultats": sorted({r["run_id"] for r in rows if r.get("run_id")}),
        }
    )
    return ctx
