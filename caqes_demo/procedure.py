"""Procedure inputs of the demo region (docs/rules.md §7): receipts of the notifications
préalables, avis of the CPAM, the DG ARS's decisions and the EJs' observations.

The demo predicts which EJs the pipeline notifies for year N, as of 15 April N+1, from what it
generated itself:
- a refusal: a refused proposal dated in N (one sanction per refused proposal);
- a non-attainment: a volet 1 signed and in force in N whose perimeter in force holds an ET ×
  ``amount`` indicator evaluable in N with ``A − T ≥ 1 €`` — then the volet score is below 100
  and the impact on spending is positive, so the sanction is positive.
Then, per year, a seeded choice among these EJs gives every path: receipts a few days after
sending for most, missing for some (awaiting receipt), late for a few (the 1 July run is still
inside their deadline); an avis for most non-attainment EJs, none for some (no décision), each
sens; each DG ARS choice with its reason; observations received within the deadline.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from caqes_demo.campaign import Contrat, Observation, chemins_refus
from caqes_demo.measures import Mesures, euros
from caqes_tasks.referentiel import Referentiel

NOTIFICATION_PREALABLE = "notification_prealable"
SENS = ("favorable", "defavorable", "reserve")
UN_EURO = Decimal(1)


@dataclass(frozen=True)
class Notification:
    finess_ej: str
    annee: int
    document: str
    date_envoi: date
    date_reception: date | None  # None: sent, no acknowledgement yet


@dataclass(frozen=True)
class AvisCpam:
    finess_ej: str
    annee: int
    date_avis: date
    sens: str  # favorable / defavorable / reserve
    commentaire: str


@dataclass(frozen=True)
class DecisionDg:
    finess_ej: str
    annee: int
    objet: str  # refus | non_atteinte:<volet> | sanction
    choix: str  # reduction_liste_en_sus | accord_prealable | reduction | renonciation
    montant_base: int | None  # cents
    motif: str


@dataclass
class Procedure:
    notifications: list[Notification]
    avis: list[AvisCpam]
    decisions: list[DecisionDg]
    observations: list[Observation]
    # what the demo chose, per year: path -> EJs (for reading and tests)
    chemins: dict[int, dict[str, list[str]]]


COMMENTAIRES_AVIS = {
    "favorable": "Avis favorable : les écarts sur les prescriptions exécutées en ville sont confirmés par "
                 "les données de l'Assurance Maladie.",
    "defavorable": "Avis défavorable : l'établissement a engagé des actions correctrices dès le second "
                   "semestre ; la caisse propose de ne pas sanctionner.",
    "reserve": "Avis réservé : les écarts sont confirmés, mais la montée en charge d'une nouvelle activité "
               "en explique une partie.",
}
MOTIFS_DECISION = {
    ("refus", "reduction_liste_en_sus"):
        "Le refus porte sur le volet des produits de santé : le directeur général de l'ARS retient la "
        "réduction de 30 % de la part Assurance Maladie des produits de la liste en sus, au lieu de la "
        "sanction financière.",
    ("refus", "reduction"):
        "Nouvelle proposition refusée, mais un plan d'actions sur les prescriptions a été engagé : le "
        "directeur général de l'ARS retient 0,5 % des produits Assurance Maladie.",
    ("refus", "renonciation"):
        "Refus motivé par la fermeture programmée du site principal de l'établissement : le directeur "
        "général de l'ARS renonce à la sanction.",
    ("non_atteinte", "reduction_liste_en_sus"):
        "Dépassements concentrés sur les produits de santé : le directeur général de l'ARS retient la "
        "réduction de 30 % de la prise en charge des produits de la liste en sus à la place de la "
        "sanction financière.",
    ("non_atteinte", "accord_prealable"):
        "Hausse persistante des prescriptions exécutées en ville malgré le contrat : mise sous accord "
        "préalable des prescriptions concernées, en plus de la sanction.",
    ("sanction", "renonciation"):
        "Situation financière dégradée et plan de retour à l'équilibre en cours : le directeur général de "
        "l'ARS renonce à la sanction de l'année.",
}
MOTIFS_OBSERVATION = {
    ("refus", "maintenue"): "Observations reçues : l'établissement conteste le ciblage sans élément nouveau, "
                            "la sanction est maintenue.",
    ("refus", "reduite"): "L'établissement a signé le contrat proposé l'année suivante : effort reconnu, "
                          "montant ramené à 0,4 % des produits AM (en €).",
    ("non_atteinte", "maintenue"): "Observations reçues : les écarts relevés sur les prescriptions sont "
                                   "confirmés, la sanction est maintenue.",
    ("non_atteinte", "abandonnee"): "Erreur d'imputation des prescriptions démontrée par l'établissement : "
                                    "la mise en œuvre de la correction est validée, sanction abandonnée.",
}
# non-attainment decisions per evaluation year (index from the campaign's first year)
DECISIONS_NON_ATTEINTE = {
    "region": ({"reduction_liste_en_sus": 1, "accord_prealable": 1, "renonciation": 1},
               {"reduction_liste_en_sus": 1, "accord_prealable": 2}, {}),
    "small": ({"reduction_liste_en_sus": 1, "accord_prealable": 1}, {"renonciation": 1}, {}),
    "france": ({"reduction_liste_en_sus": 10, "accord_prealable": 10, "renonciation": 10},
               {"reduction_liste_en_sus": 10, "accord_prealable": 20}, {}),
}
# per year: receipts missing / late, non-attainment EJs without an avis, observations on
# non-attainment; taken in this order while at least GARDER[size] complete procedures remain
QUOTAS = {
    "region": ({"sans_accuse": 2, "tardif": 1, "sans_avis": 1, "observations": 2},
               {"sans_accuse": 1, "tardif": 1, "sans_avis": 1, "observations": 2},
               {"sans_accuse": 1, "tardif": 0, "sans_avis": 1, "observations": 1}),
    "small": ({"sans_accuse": 1, "tardif": 0, "sans_avis": 0, "observations": 0},
              {"sans_accuse": 0, "tardif": 1, "sans_avis": 1, "observations": 0},
              {"sans_accuse": 1, "tardif": 0, "sans_avis": 0, "observations": 1}),
    "france": ({"sans_accuse": 25, "tardif": 12, "sans_avis": 12, "observations": 25},
               {"sans_accuse": 12, "tardif": 12, "sans_avis": 12, "observations": 25},
               {"sans_accuse": 12, "tardif": 0, "sans_avis": 12, "observations": 12}),
}
GARDER = {"region": 3, "small": 0, "france": 40}


def _rd(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def refus_de(contrats_: list[Contrat], annee: int) -> set[str]:
    """EJs with a refused proposal dated in ``annee`` (sanctioned once, in that year)."""
    return {c.finess_ej for c in contrats_ if c.statut == "refus" and c.date_proposition.year == annee}


def _montant(mesures: Mesures, ref: Referentiel, f: str, annee: int, code: str) -> Decimal | None:
    ind = ref.by_code[code]
    if ind.type == "national":
        v = mesures.nationales.get((f, annee, code))
        return None if v is None else euros(v.montant)
    v = mesures.regionales.get((f, annee, code))
    return None if v is None else v.valeur


def depassement(ref: Referentiel, mesures: Mesures, paires: set[tuple[str, str]], annee: int) -> Decimal:
    """Σ over the ``amount`` pairs evaluable in ``annee`` of max(A − T, 0), in euros (the impact)."""
    total = Decimal(0)
    for f, code in sorted(paires):
        ind = ref.by_code[code]
        if ind.mesure != "amount":
            continue
        r, a = _montant(mesures, ref, f, annee - 1, code), _montant(mesures, ref, f, annee, code)
        if r is None or a is None:
            continue
        t = r * (1 + ind.objectif_taux_evolution) if ind.objectif_taux_evolution is not None else ind.objectif_valeur
        if ind.sens == "lower_is_better":
            total += max(a - t, Decimal(0))
        else:
            total += max(t - a, Decimal(0))
    return total


def non_atteinte_de(ref: Referentiel, mesures: Mesures, vigueur: dict[tuple[str, str], set[tuple[str, str]]],
                    annee: int) -> set[str]:
    """EJs whose volet 1 in force in ``annee`` overshoots its targets by at least 1 € of spending."""
    return {ej for (ej, volet), paires in vigueur.items()
            if volet == "V1" and depassement(ref, mesures, paires, annee) >= UN_EURO}


def _pris(rng: random.Random, candidats: list[str], n: int, garder: int) -> list[str]:
    """Take up to ``n`` of ``candidats`` (removed from it) while leaving at least ``garder``."""
    n = max(0, min(n, len(candidats) - garder))
    out = rng.sample(candidats, n)
    for ej in out:
        candidats.remove(ej)
    return sorted(out)


def generate_procedure(rng: random.Random, size: str, ref: Referentiel, mesures: Mesures, contrats_: list[Contrat],
                       vigueur: dict[int, dict[tuple[str, str], set[tuple[str, str]]]],
                       produits: dict[tuple[str, int], int]) -> Procedure:
    """Notifications, avis, DG ARS decisions and observations of every evaluation year."""
    chemins_contrat = chemins_refus(contrats_)
    notifications: list[Notification] = []
    avis: list[AvisCpam] = []
    decisions: list[DecisionDg] = []
    observations: list[Observation] = []
    chemins: dict[int, dict[str, list[str]]] = {}
    sens_suivant = manquants = suites_na = 0
    for k, annee in enumerate(ref.annees_evaluation):
        quota = QUOTAS[size][min(k, len(QUOTAS[size]) - 1)]
        envoi = date(annee + 1, 4, 15)
        fin_juin = date(annee + 1, 6, 30)
        refus = sorted(refus_de(contrats_, annee))
        non_atteinte = sorted(non_atteinte_de(ref, mesures, vigueur[annee], annee))
        seuls = [ej for ej in non_atteinte if ej not in refus]  # the special paths: never a refusal
        garder = GARDER[size]
        sans_accuse = _pris(rng, seuls, quota["sans_accuse"], garder)
        tardifs = _pris(rng, seuls, quota["tardif"], garder)
        sans_avis = _pris(rng, seuls, quota["sans_avis"], garder)
        complets = sorted(seuls)  # receipt in time and an avis: the décision follows on 1 July

        reception: dict[str, date] = {}
        for ej in sorted(set(refus) | set(non_atteinte)):
            if ej in sans_accuse:
                recu = None
            elif ej in tardifs:  # reception + 30 days ≥ 1 July: still inside the deadline then
                recu = _rd(rng, date(annee + 1, 6, 2), date(annee + 1, 6, 20))
            else:
                recu = envoi + timedelta(days=rng.randint(2, 9))
            if recu is None:
                manquants += 1
                if manquants % 2 == 0:
                    continue  # every other one has no line at all: nothing came back
            reception[ej] = recu
            notifications.append(Notification(ej, annee, NOTIFICATION_PREALABLE, envoi, recu))

        ordre = [ej for ej in non_atteinte if ej not in sans_accuse and ej not in sans_avis]
        rng.shuffle(ordre)
        for ej in sorted(ordre):
            sens = SENS[(sens_suivant + ordre.index(ej)) % len(SENS)]
            debut = max(reception[ej] + timedelta(days=7), date(annee + 1, 5, 5))
            avis.append(AvisCpam(ej, annee, _rd(rng, debut, max(debut, date(annee + 1, 6, 26))), sens,
                                 COMMENTAIRES_AVIS[sens]))
        sens_suivant += len(ordre)

        # DG ARS decisions on refusals: by path (two refusals, one refusal without new proposal)
        lignes: list[DecisionDg] = []
        base = {ej: produits[(ej, annee)] for ej in set(refus) | set(non_atteinte)}
        for ej in refus:
            if ej in chemins_contrat["deux_fois"]:
                if annee == min(ref.annees_evaluation):
                    montant = base[ej] * rng.randint(100, 300) // 10_000  # 1 %–3 % of produits AM
                    lignes.append(DecisionDg(ej, annee, "refus", "reduction_liste_en_sus", montant,
                                             MOTIFS_DECISION[("refus", "reduction_liste_en_sus")]))
                else:
                    lignes.append(DecisionDg(ej, annee, "refus", "reduction", base[ej] * 5 // 1000,
                                             MOTIFS_DECISION[("refus", "reduction")]))
            elif chemins_contrat["unique"] and ej == chemins_contrat["unique"][0]:
                lignes.append(DecisionDg(ej, annee, "refus", "renonciation", None,
                                         MOTIFS_DECISION[("refus", "renonciation")]))
        # on non-attainment: among the complete procedures
        plan = DECISIONS_NON_ATTEINTE[size][k] if k < len(DECISIONS_NON_ATTEINTE[size]) else {}
        libres = list(complets)
        for choix, n in plan.items():
            for ej in _pris(rng, libres, n, garder):
                if choix == "reduction_liste_en_sus":
                    montant = base[ej] * rng.randint(100, 300) // 10_000
                    lignes.append(DecisionDg(ej, annee, "non_atteinte:V1", choix, montant,
                                             MOTIFS_DECISION[("non_atteinte", choix)]))
                elif choix == "accord_prealable":
                    lignes.append(DecisionDg(ej, annee, "non_atteinte:V1", choix, None,
                                             MOTIFS_DECISION[("non_atteinte", choix)]))
                else:
                    lignes.append(DecisionDg(ej, annee, "sanction", "renonciation", None,
                                             MOTIFS_DECISION[("sanction", "renonciation")]))
        decisions += sorted(lignes, key=lambda d: (d.finess_ej, d.objet, d.choix))

        # observations, received within the deadline (and before the 1 July run)
        decides = {d.finess_ej for d in lignes}
        obs = []
        for ej in refus:
            suite = "reduite" if ej in chemins_contrat["puis_signe"] else "maintenue"
            obs.append((ej, "refus", suite))
        for ej in _pris(rng, [e for e in libres if e not in decides], quota["observations"], 0):
            obs.append((ej, "non_atteinte", ("abandonnee", "maintenue")[suites_na % 2]))
            suites_na += 1
        for ej, motif, suite in sorted(obs):
            recu = reception[ej]
            date_obs = _rd(rng, recu + timedelta(days=3), min(recu + timedelta(days=28), fin_juin))
            montant = base[ej] * 4 // 1000 if suite == "reduite" else 0 if suite == "abandonnee" else None
            observations.append(Observation(ej, annee, date_obs, suite, montant, MOTIFS_OBSERVATION[(motif, suite)]))

        chemins[annee] = {
            "refus": refus, "non_atteinte": non_atteinte, "sans_accuse": sans_accuse, "tardif": tardifs,
            "sans_avis": sans_avis, "avec_avis": sorted(ordre),
        }
    notifications.sort(key=lambda n: (n.annee, n.finess_ej))
    avis.sort(key=lambda a: (a.annee, a.finess_ej))
    observations.sort(key=lambda o: (o.annee, o.finess_ej))
    return Procedure(notifications, avis, decisions, observations, chemins)
