"""Campaign sources of the demo region: contracts (with their proposals), action plans, produits
AM, envelopes and modulations, derived from the register and the targeting of its values."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from caqes_demo.action_plans import engagements_du_theme
from caqes_demo.register import Registre
from caqes_tasks.referentiel import Referentiel


@dataclass(frozen=True)
class Contrat:
    finess_ej: str
    volet: str
    statut: str  # signe / refus / en_cours
    date_proposition: date  # the proposal (a refusal is sanctioned in its year, docs/rules.md §7)
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
    "france": {2022: 27_000_000, 2023: 54_000_000, 2024: 57_000_000},  # the 18 regions' envelopes together
}
NB_REFUS_UNIQUE = {"region": 2, "small": 1, "france": 25}  # refusals without a new proposal
NB_EN_COURS = {"region": 3, "small": 1, "france": 40}
NB_MODULATIONS = {"region": 6, "small": 2, "france": 80}
NB_HORS_PERIMETRE = {"region": 6, "small": 2, "france": 80}  # ET-years with items on a theme outside the contract
COEFFICIENTS = ("0.80", "0.50", "0.90", "0.75", "0.60", "0.95")
MOTIFS_MODULATION = (  # the DG ARS's stated reasons, shown in the notice
    "Rapport d'étape annuel transmis avec trois mois de retard",
    "Engagements du plan d'actions tenus en partie seulement",
    "Données de prescription transmises incomplètes pour l'exercice",
    "Absence de l'établissement aux réunions de suivi du contrat",
)


def _rd(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def volets_proposes(registre: Registre, ref: Referentiel, cibles: set[tuple[str, int, str]]) -> dict[tuple[str, str], int]:
    """(finess_ej, volet) -> year of the first proposal: the first evaluation year P in which one
    of the EJ's ETs is targeted for P (on P − 1, docs/rules.md §4)."""
    ej_de = {et.finess_geo: et.ej_par_annee for et in registre.ets}
    out: dict[tuple[str, str], int] = {}
    for f, annee, code in cibles:
        key = (ej_de[f][annee], ref.by_code[code].volet)
        out[key] = min(annee, out.get(key, annee))
    return out


def volets_cibles(registre: Registre, ref: Referentiel, cibles: set[tuple[str, int, str]]) -> set[tuple[str, str, int]]:
    """(finess_ej, volet, P): one of the EJ's ETs (register of P) is targeted for P on the volet."""
    ej_de = {et.finess_geo: et.ej_par_annee for et in registre.ets}
    return {(ej_de[f][a], ref.by_code[c].volet, a) for f, a, c in cibles}


class _Propositions:
    """One proposal date per EJ and year (the volets proposed together share it)."""

    def __init__(self, rng: random.Random, debut: date):
        self.rng, self.debut, self.dates = rng, debut, {}

    def date(self, ej: str, annee: int) -> date:
        if (ej, annee) not in self.dates:
            if annee == self.debut.year:  # the campaign's proposals, before its start
                self.dates[(ej, annee)] = _rd(self.rng, date(annee, 3, 1), date(annee, 4, 15))
            else:  # a later proposal, on the targeting of the year before
                self.dates[(ej, annee)] = _rd(self.rng, date(annee, 2, 1), date(annee, 3, 15))
        return self.dates[(ej, annee)]


def _signe(rng: random.Random, ref: Referentiel, ej: str, volet: str, proposition: date) -> Contrat:
    """Signed a few weeks after the proposal; in force from the campaign's start for the
    campaign's proposals, from 1 July of its year for a later one."""
    annee = proposition.year
    if annee == ref.date_debut.year:
        effet, derniere_signature = ref.date_debut, ref.date_debut - timedelta(days=1)
    else:
        effet, derniere_signature = date(annee, 7, 1), date(annee, 6, 15)
    signature = _rd(rng, proposition + timedelta(days=20), derniere_signature)
    return Contrat(ej, volet, "signe", proposition, signature, effet, ref.date_fin)


def _prives_d_abord(ejs: list[str], kind: dict[str, str]) -> list[str]:
    return [ej for ej in ejs if kind[ej] in ("clinique", "ssr", "had")] or ejs


def contrats(rng: random.Random, size: str, ref: Referentiel, proposes: dict[tuple[str, str], int],
             registre: Registre, proteges: set[str], cibles_volets: set[tuple[str, str, int]]) -> list[Contrat]:
    """Signed for most proposed volets; refusals and pending ones (never a protected EJ).

    Volet 1, proposed at the campaign's start, has every refusal path (docs/rules.md §7: one
    sanction per refused proposal): an EJ refuses in P and again on a new proposal in P + 1
    (``REFUS_DEUX_FOIS``), one refuses in P then signs a new proposal in P + 1
    (``REFUS_PUIS_SIGNE``), others refuse once and get no new proposal (``REFUS_UNIQUE``).
    A new proposal in P + 1 is made only to an EJ still targeted for P + 1.
    """
    debut = min(ref.annees_evaluation)
    kind = {ej.finess_ej: ej.kind for ej in registre.ejs}
    propositions = _Propositions(rng, ref.date_debut)
    v1 = sorted(ej for (ej, volet), a in proposes.items() if volet == "V1" and a == debut and ej not in proteges)
    encore = [ej for ej in v1 if (ej, "V1", debut + 1) in cibles_volets]
    deux_fois = rng.sample(_prives_d_abord(encore, kind), 1) if encore else []
    reste = [ej for ej in encore if ej not in deux_fois]
    puis_signe = rng.sample(_prives_d_abord(reste, kind), 1) if reste else []
    autres = [ej for ej in v1 if ej not in deux_fois and ej not in puis_signe]
    plus_cibles = [ej for ej in autres if ej not in encore] or autres  # no reason for a new proposal
    pool = _prives_d_abord(plus_cibles, kind)
    unique = rng.sample(pool, min(NB_REFUS_UNIQUE[size], len(pool)))
    reste = [ej for ej in autres if ej not in unique]
    en_cours = set(rng.sample(reste, min(NB_EN_COURS[size], len(reste))))
    refus = set(deux_fois) | set(puis_signe) | set(unique)
    statut_v2: dict[str, str] = {}
    if size != "small":
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
        proposition = propositions.date(ej, annee)
        if statut != "signe":
            out.append(Contrat(ej, volet, statut, proposition, None, None, None))
        else:
            out.append(_signe(rng, ref, ej, volet, proposition))
        if volet == "V1" and ej in deux_fois + puis_signe:  # the new proposal, the year after
            nouvelle = propositions.date(ej, annee + 1)
            out.append(Contrat(ej, volet, "refus", nouvelle, None, None, None) if ej in deux_fois
                       else _signe(rng, ref, ej, volet, nouvelle))
    return out


def chemins_refus(contrats_: list[Contrat]) -> dict[str, list[str]]:
    """Refusal path -> EJs: ``deux_fois`` (two refused proposals), ``puis_signe`` (a refusal then
    a signed proposal), ``unique`` (one refused proposal, no new one)."""
    par_ej: dict[str, list[Contrat]] = {}
    for c in contrats_:
        if c.volet == "V1":
            par_ej.setdefault(c.finess_ej, []).append(c)
    out: dict[str, list[str]] = {"deux_fois": [], "puis_signe": [], "unique": []}
    for ej, lignes in sorted(par_ej.items()):
        statuts = [c.statut for c in sorted(lignes, key=lambda c: c.date_proposition)]
        if statuts == ["refus", "refus"]:
            out["deux_fois"].append(ej)
        elif statuts == ["refus", "signe"]:
            out["puis_signe"].append(ej)
        elif statuts == ["refus"]:
            out["unique"].append(ej)
    return out


def engagements(rng: random.Random, size: str, ref: Referentiel, registre: Registre,
                vigueur: dict[int, dict[tuple[str, str], set[tuple[str, str]]]]) -> list[Engagement]:
    """Action-plan items of each regional theme an ET is under contract on in year N (its
    perimeter in force holds an indicator of the theme), and, for a few ETs under contract, the
    items of one theme they are NOT contracted on: reported, never scored (docs/rules.md §5)."""
    themes = {t["code"]: t for t in ref.themes if t["code"] in ref.themes_regionaux}
    ouverts = {(et.finess_geo, a) for et in registre.ets for a in et.ej_par_annee}
    par_et: dict[tuple[str, int], set[str]] = {}
    for annee, volets in vigueur.items():
        for paires in volets.values():
            for f, code in paires:
                if (f, annee) not in ouverts:  # closed since the signature: no action plan
                    continue
                theme = ref.by_code[code].theme
                par_et.setdefault((f, annee), set())
                if theme in themes:
                    par_et[(f, annee)].add(theme)
    hors: dict[tuple[str, int], str] = {}
    for f, annee in rng.sample(sorted(par_et), min(NB_HORS_PERIMETRE[size], len(par_et))):
        autres = sorted(t for t in themes if t not in par_et[(f, annee)] and themes[t]["volet"] == "V1")
        if autres:
            hors[(f, annee)] = rng.choice(autres)
    taux = {2022: 0.35, 2023: 0.6, 2024: 0.8}
    out = []
    for f, annee in sorted(par_et):
        for theme in sorted(par_et[(f, annee)] | ({hors[(f, annee)]} if (f, annee) in hors else set())):
            for k, libelle in enumerate(engagements_du_theme(theme, themes[theme]["libelle"]), start=1):
                out.append(Engagement(f, annee, theme, f"{theme}-{k:02d}", libelle,
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


def modulations(rng: random.Random, size: str, ref: Referentiel,
                vigueur: dict[int, dict[tuple[str, str], set[tuple[str, str]]]]) -> list[Modulation]:
    """A few EJs whose intéressement the DG ARS adapts, in a year their volet 1 is in force."""
    annees = list(ref.annees_evaluation)
    ejs = sorted({ej for a in annees for (ej, volet) in vigueur[a] if volet == "V1"})
    choisis = sorted(rng.sample(ejs, min(NB_MODULATIONS[size], len(ejs))))
    out = []
    for i, ej in enumerate(choisis):
        en_vigueur = [a for a in annees if (ej, "V1") in vigueur[a]]
        annee = next((a for a in annees[i % len(annees):] if a in en_vigueur), en_vigueur[-1])
        out.append(Modulation(ej, annee, Decimal(COEFFICIENTS[i % len(COEFFICIENTS)]),
                              MOTIFS_MODULATION[i % len(MOTIFS_MODULATION)]))
    return out
