"""What the outcome tables' words mean for a notice: which notices they call for, and how a
notice says them in French.

The words themselves are the outcome stage's (``caqes_tasks.outcomes.vocabulary``); every table
here is keyed by them, and only by them. A value the outcome stage does not write never lets a
notice out silently: an unknown procedure step issues nothing and an unknown retention object
withholds every notice of the EJ, and both are listed in ``retenues.html`` with the reason.
"""

from __future__ import annotations

from caqes_tasks.outcomes.vocabulary import (
    EnAttente,
    Etape,
    Formule,
    MethodePeriode,
    MotifSanction,
    ObjetRetenue,
    SensAvis,
    StatutSanction,
    Suite,
    TypeDecision,
)

PREALABLE = "notification_prealable"
DECISION = "decision_sanction"
INTERESSEMENT = "notification_interessement"
KINDS = (PREALABLE, DECISION, INTERESSEMENT)

TITRES = {
    PREALABLE: "Notification préalable de sanction financière",
    DECISION: "Décision de sanction financière",
    INTERESSEMENT: "Notification d'intéressement",
}

# fct_procedure.etape → rank in the procedure (docs/rules.md §7: notification préalable →
# observations → décision). Rank ≥ 1: the préalable is issued; rank 3: the decision is issued.
ETAPE_RANG = {
    Etape.NOTIFICATION_PREALABLE: 1,
    Etape.OBSERVATIONS_RECUES: 2,
    Etape.DECISION: 3,
}
# A file closed without sanction (recomputed to nothing): no notice is issued again.
ETAPES_CLOSES = {Etape.CLASSEE_SANS_SUITE}
RANG_DECISION = 3

# fct_retenue.objet. The outcome stage writes either a bare object, which withholds notices of
# the EJ ("sanction": not computed at all), or "<head>:<detail>" for one component left out
# (a line, a volet, a theme, an observation not accepted, an ET absent from the register): the
# notice still goes out and lists that component under « éléments non retenus ».
OBJET_KINDS = {
    ObjetRetenue.SANCTION: (PREALABLE, DECISION),
}
# "<head>:..." → the notices whose « éléments non retenus » list it.
COMPOSANT_KINDS = {
    ObjetRetenue.SANCTION: (PREALABLE, DECISION),
    ObjetRetenue.PROCEDURE: (PREALABLE, DECISION),
    ObjetRetenue.INTERESSEMENT: (INTERESSEMENT,),
    ObjetRetenue.INTERESSEMENT_NATIONAL: (INTERESSEMENT,),
    ObjetRetenue.INTERESSEMENT_REGIONAL: (INTERESSEMENT,),
    ObjetRetenue.ETABLISSEMENT: KINDS,
}


def kinds_withheld(objet: str) -> tuple[tuple[str, ...], bool]:
    """Notices an ``fct_retenue.objet`` withholds, and whether the object was known.

    A component (``head:detail`` with a known head) withholds nothing; an unknown object
    withholds every notice of the EJ (never let a notice out on an unread reservation)."""
    key = objet or ""
    head, sep, _ = key.partition(":")
    if sep:
        return ((), True) if head in COMPOSANT_KINDS else (KINDS, False)
    if key in OBJET_KINDS:
        return OBJET_KINDS[key], True
    return KINDS, False


def kinds_listing(objet: str) -> tuple[str, ...]:
    """Notices that list a component reservation among their « éléments non retenus »."""
    head, sep, _ = (objet or "").partition(":")
    return COMPOSANT_KINDS.get(head, ()) if sep else ()


# fct_sanction.motif → the fact and the article it rests on.
MOTIFS = {
    MotifSanction.REFUS: ("Refus de conclure le contrat ou l'un de ses volets", "L.\u00a0162-30-2"),
    MotifSanction.NON_ATTEINTE: ("Non-réalisation ou réalisation partielle des objectifs du contrat", "L.\u00a0162-30-4"),
    MotifSanction.CAPES: ("Manquement aux obligations du contrat d'amélioration des pratiques (CAPES)", "L.\u00a0162-30-3"),
}

STATUTS = {
    StatutSanction.CALCULEE: "calculée",
    StatutSanction.NOTIFIEE: "notifiée",
    StatutSanction.DECIDEE: "décidée",
    StatutSanction.ABANDONNEE: "abandonnée",
    StatutSanction.RECALCULEE_APRES_DECISION: "recalculée après la décision",
    StatutSanction.SIGNALEMENT: "manquement signalé, voie de sanction non activée pour la campagne",
    StatutSanction.SANS_MONTANT: "sans montant",
}

TYPES_DECISION = {
    TypeDecision.SANCTION_FINANCIERE: "sanction financière",
    TypeDecision.REDUCTION_LISTE_EN_SUS: "réduction de la prise en charge des produits de la liste en sus (L.\u00a0162-22-7)",
    TypeDecision.MISE_SOUS_ACCORD_PREALABLE: "mise sous accord préalable (L.\u00a0162-1-17)",
}

SUITES = {
    Suite.MAINTENUE: "le montant notifié est maintenu",
    Suite.REDUITE: "le montant notifié est réduit",
    Suite.ABANDONNEE: "la sanction envisagée est abandonnée",
}

NIVEAUX = {"contrat": "Contrat", "volet": "Volet", "theme": "Thème"}  # fct_score.niveau (dbt mart)

# fct_procedure.sens_avis_cpam → the avis of the organisme local d'assurance maladie as a décision
# cites it (« Vu l'avis favorable … »).
SENS_AVIS = {SensAvis.FAVORABLE: "favorable", SensAvis.DEFAVORABLE: "défavorable", SensAvis.RESERVE: "réservé"}

# fct_procedure.en_attente → what the procedure waits for (listed in retenues.html).
EN_ATTENTE = {
    EnAttente.ACCUSE_RECEPTION: "en attente de la date de réception de la notification préalable : le délai d'observations ne court pas",
    EnAttente.DELAI: "délai d'observations en cours",
    EnAttente.AVIS_CPAM: "en attente de l'avis de l'organisme local d'assurance maladie",
}

# fct_interessement.formule → how the national line depends on attainment (docs/rules.md §6).
FORMULES = {Formule.PROPORTIONNELLE: "proportionnelle", Formule.SEUIL: "à seuil"}

# fct_interessement.methode_periode → how the savings' period was measured (docs/rules.md §6).
METHODES_PERIODE = {
    MethodePeriode.ANNEE_CIVILE: "année civile",
    MethodePeriode.LIGNES_PHEV: "période exacte, d'après les lignes de facturation datées",
    MethodePeriode.PRORATA_JOURS: "montants annuels proratisés au nombre de jours",
}
