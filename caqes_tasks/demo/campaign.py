"""Campaign sources of the demo region: contracts, action plans, produits AM, envelopes,
modulations and observations, derived from the register and the targeting of its values."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from caqes_tasks.demo.action_plans import engagements_du_theme
from caqes_tasks.demo.register import Registre
from caqes_tasks.referentiel import Referentiel


@dataclass(frozen=True)
class Contrat:
    finess_ej: str
    volet: str
    statut: str  # signe / refus / en_cours
    date_signature: date | None
    date_effet: date | None
    date_fin: date | None


@dataclass(frozen=True)
class Engagement:
    finess_geo: str
    annee: int
    theme: str
    engagement_id: str
    libelle: str
    realise: bool


@dataclass(frozen=True)
class Modulation:
    finess_ej: str
    annee: int
    coefficient: Decimal
    motif: str


@dataclass(frozen=True)
class Observation:
    finess_ej: str
    annee: int
    date_reception: date
    suite: str  # maintenue / reduite / abandonnee
    montant_retenu: int | None  # cents
    motif: str


TOTAL_ENVELOPPE = {  # regional FIR envelope per year (euros), split between the regional themes
    "region": {2022: 1_800_000, 2023: 3_600_000, 2024: 3_800_000},
    "small": {2022: 180_000, 2023: 360_000, 2024: 380_000},
}
NB_REFUS = {"region": 3, "small": 1}
NB_EN_COURS = {"region": 3, "small": 1}
NB_MODULATIONS = {"region": 6, "small": 2}
COEFFICIENTS = ("0.80", "0.50", "0.90", "0.75", "0.60", "0.95")
MOTIFS_MODULATION = (
    "Rapport d'étape transmis hors délai",
    "Engagements du plan d'actions partiellement tenus",
    "Données de prescription incomplètes pour l'exercice",
    "Défaut de participation aux réunions de suivi du contrat",
)
MOTIFS_OBSERVATION = {
    "maintenue": "Observations reçues : aucun élément nouveau, la sanction est maintenue.",
    "reduite": "Réorganisation du bloc opératoire en cours d'exercice : effort reconnu, "
               "montant ramené à 0,4 % des produits AM (en €).",
    "abandonnee": "Erreur d'imputation des prescriptions démontrée par l'établissement : "
                  "l'œuvre de correction est validée, sanction abandonnée.",
}


def _rd(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def volets_proposes(registre: Registre, ref: Referentiel, cibles: set[tuple[str, int, str]]) -> dict[tuple[str, str], int]:
    """(finess_ej, volet) -> first evaluation year in which one of the EJ's ETs is targeted."""
    ej_de = {et.finess_geo: et.ej_par_annee for et in registre.ets}
    out: dict[tuple[str, str], int] = {}
    for f, annee, code in cibles:
        key = (ej_de[f][annee], ref.by_code[code].volet)
        out[key] = min(annee, out.get(key, annee))
    return out


def contrats(rng: random.Random, size: str, ref: Referentiel, proposes: dict[tuple[str, str], int],
             registre: Registre, proteges: set[str]) -> list[Contrat]:
    """Signed for most proposed volets; a few refusals and pending ones (never a protected EJ)."""
    debut_campagne = min(ref.annees_evaluation)
    kind = {ej.finess_ej: ej.kind for ej in registre.ejs}
    v1 = sorted(ej for (ej, volet), a in proposes.items() if volet == "V1" and a == debut_campagne and ej not in proteges)
    prives = [ej for ej in v1 if kind[ej] in ("clinique", "ssr", "had")] or v1
    refus = set(rng.sample(prives, min(NB_REFUS[size], len(prives))))
    reste = [ej for ej in v1 if ej not in refus]
    en_cours = set(rng.sample(reste, min(NB_EN_COURS[size], len(reste))))
    statut_v2: dict[str, str] = {}
    if size == "region":
        v2 = sorted(ej for (ej, volet) in proposes if volet == "V2" and ej not in proteges)
        for ej in v2:
            tirage = rng.random()
            statut_v2[ej] = "absent" if tirage < 0.08 else "refus" if tirage < 0.12 else \
                "en_cours" if tirage < 0.16 else "signe"
    out = []
    for (ej, volet), annee in sorted(proposes.items()):
        statut = ("refus" if ej in refus else "en_cours" if ej in en_cours else "signe") if volet == "V1" \
            else statut_v2.get(ej, "signe")
        if statut == "absent":
            continue
        if statut != "signe":
            out.append(Contrat(ej, volet, statut, None, None, None))
            continue
        if annee == debut_campagne:
            effet = ref.date_debut
            signature = _rd(rng, effet - timedelta(days=60), effet - timedelta(days=1))
        else:
            effet = date(annee, 1, 1)
            signature = _rd(rng, date(annee - 1, 11, 2), date(annee - 1, 12, 20))
        out.append(Contrat(ej, volet, "signe", signature, effet, ref.date_fin))
    return out


def engagements(rng: random.Random, registre: Registre, ref: Referentiel, cibles: set[tuple[str, int, str]],
                signes: dict[tuple[str, str], date]) -> list[Engagement]:
    """Action-plan items of each targeted theme, for the ETs of EJs with a signed volet."""
    themes = {t["code"]: t for t in ref.themes if t["code"] in ref.themes_regionaux}
    themes_cibles: dict[tuple[str, int], set[str]] = {}
    for f, annee, code in cibles:
        theme = ref.by_code[code].theme
        if theme in themes:
            themes_cibles.setdefault((f, annee), set()).add(theme)
    taux = {2022: 0.35, 2023: 0.6, 2024: 0.8}
    out = []
    for et in sorted(registre.ets, key=lambda e: e.finess_geo):
        for annee in ref.annees_evaluation:
            if annee not in et.ej_par_annee:
                continue
            for theme in sorted(themes_cibles.get((et.finess_geo, annee), ())):
                effet = signes.get((et.ej_par_annee[annee], themes[theme]["volet"]))
                if effet is None or effet.year > annee:
                    continue
                for k, libelle in enumerate(engagements_du_theme(theme, themes[theme]["libelle"]), start=1):
                    out.append(Engagement(et.finess_geo, annee, theme, f"{theme}-{k:02d}", libelle,
                                          rng.random() < taux.get(annee, 0.6)))
    return out


_ECHELLE_PRODUITS = {  # produits AM (euros) per unit of site size
    "chu": 120e6, "ch": 60e6, "chs": 70e6, "clcc": 80e6, "clinique": 18e6, "ssr": 20e6, "had": 10e6, "dialyse": 25e6,
}


def produits_am(rng: random.Random, registre: Registre, exercices: range) -> dict[tuple[str, int], int]:
    """(finess_ej, exercice) -> produits AM in cents."""
    taille: dict[str, float] = {}
    for et in registre.ets:
        ej = et.ej_par_annee[min(et.ej_par_annee)]
        taille[ej] = taille.get(ej, 0.0) + et.taille
    out = {}
    for ej in sorted(registre.ejs, key=lambda e: e.finess_ej):
        montant = _ECHELLE_PRODUITS[ej.kind] * max(taille.get(ej.finess_ej, 0.1), 0.1) * rng.lognormvariate(0, 0.1)
        for exercice in exercices:
            if exercice > exercices.start:
                montant *= 1 + rng.gauss(0.025, 0.015)
            out[(ej.finess_ej, exercice)] = round(montant * 100)
    return out


def enveloppes(rng: random.Random, size: str, ref: Referentiel) -> dict[tuple[int, str], int]:
    """(annee, theme) -> envelope in cents; the themes of a year sum exactly to its total."""
    themes = ref.themes_regionaux
    out = {}
    for annee in ref.annees_evaluation:
        total = TOTAL_ENVELOPPE[size].get(annee, TOTAL_ENVELOPPE[size][2024]) * 100
        poids = [rng.uniform(0.6, 1.4) for _ in themes]
        exact = [total * p / sum(poids) for p in poids]
        parts = [int(x) for x in exact]
        ordre = sorted(range(len(themes)), key=lambda i: exact[i] - parts[i], reverse=True)
        for i in ordre[: total - sum(parts)]:
            parts[i] += 1
        out.update({(annee, t): p for t, p in zip(themes, parts)})
    return out


def modulations(rng: random.Random, size: str, ref: Referentiel, signes: dict[tuple[str, str], date]) -> list[Modulation]:
    ejs = sorted({ej for (ej, volet) in signes if volet == "V1"})
    choisis = sorted(rng.sample(ejs, min(NB_MODULATIONS[size], len(ejs))))
    annees = list(ref.annees_evaluation)
    return [  # a year in which the EJ's volet 1 is in force
        Modulation(ej, max(annees[i % len(annees)], signes[(ej, "V1")].year),
                   Decimal(COEFFICIENTS[i % len(COEFFICIENTS)]), MOTIFS_MODULATION[i % len(MOTIFS_MODULATION)])
        for i, ej in enumerate(choisis)
    ]


def observations(rng: random.Random, size: str, ref: Referentiel, contrats_: list[Contrat],
                 produits: dict[tuple[str, int], int]) -> list[Observation]:
    """Observations of EJs after a notification préalable: every refusal, and a few others."""
    debut = min(ref.annees_evaluation)
    refus = sorted({c.finess_ej for c in contrats_ if c.statut == "refus"})
    signes = sorted({c.finess_ej for c in contrats_ if c.statut == "signe"} - set(refus))
    autres = rng.sample(signes, min(2 if size == "small" else 4, len(signes)))
    lignes = [(ej, debut) for ej in refus] + [(ej, debut + 1) for ej in sorted(autres)]
    suites = ("maintenue", "reduite", "abandonnee")
    out = []
    for i, (ej, annee) in enumerate(lignes):
        suite = suites[i % 3]
        base = produits[(ej, annee)]
        montant = None if suite == "maintenue" else 0 if suite == "abandonnee" else base * 4 // 1000
        recu = _rd(rng, date(annee + 1, 3, 10), date(annee + 1, 6, 30))
        out.append(Observation(ej, annee, recu, suite, montant, MOTIFS_OBSERVATION[suite]))
    return out
