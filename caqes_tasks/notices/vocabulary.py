"""The words of the outcome tables the notices act on, and what each means for a notice.

The outcome stage (``caqes_tasks.outcomes``) writes ``fct_procedure.etape``,
``fct_sanction.motif/statut/plafond_applique`` and ``fct_retenue.objet``. The values below are
the ones this stage understands; a value it does not know never lets a notice out silently:
an unknown procedure step issues nothing and an unknown retention object withholds every notice
of the EJ, and both are listed in ``retenues.html`` with the reason.
"""

from __future__ import annotations

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
    "calcul": 0,
    "calcule": 0,
    "a_notifier": 0,
    "en_attente": 0,
    "notification": 1,
    "notification_prealable": 1,
    "notifie": 1,
    "notifiee": 1,
    "observations": 2,
    "observations_recues": 2,
    "delai_expire": 2,
    "attente_decision": 2,
    "decision": 3,
    "decide": 3,
    "decidee": 3,
    "decision_emise": 3,
    "decision_notifiee": 3,
    "clos": 3,
    "close": 3,
}
# A file closed without sanction (recomputed to nothing): no notice is issued again.
ETAPES_CLOSES = {"classee_sans_suite", "classee"}
RANG_NOTIFICATION = 1
RANG_DECISION = 3

# fct_retenue.objet. The outcome stage writes either a bare object, which withholds notices of
# the EJ ("sanction": not computed at all), or "<head>:<detail>" for one component left out
# (a line, a volet, a theme, an observation not accepted, an ET absent from the register): the
# notice still goes out and lists that component under « éléments non retenus ».
OBJET_KINDS = {
    "sanction": (PREALABLE, DECISION),
    "sanctions": (PREALABLE, DECISION),
    "procedure": (PREALABLE, DECISION),
    "notification_prealable": (PREALABLE,),
    "prealable": (PREALABLE,),
    "decision": (DECISION,),
    "decision_sanction": (DECISION,),
    "interessement": (INTERESSEMENT,),
    "interessement_national": (INTERESSEMENT,),
    "interessement_regional": (INTERESSEMENT,),
    "notification_interessement": (INTERESSEMENT,),
    "tout": KINDS,
    "all": KINDS,
    "*": KINDS,
}
# "<head>:..." → the notices whose « éléments non retenus » list it.
COMPOSANT_KINDS = {
    "sanction": (PREALABLE, DECISION),
    "procedure": (PREALABLE, DECISION),
    "interessement": (INTERESSEMENT,),
    "interessement_national": (INTERESSEMENT,),
    "interessement_regional": (INTERESSEMENT,),
    "etablissement": KINDS,
}


def kinds_withheld(objet: str) -> tuple[tuple[str, ...], bool]:
    """Notices an ``fct_retenue.objet`` withholds, and whether the object was known.

    A component (``head:detail`` with a known head) withholds nothing; an unknown object
    withholds every notice of the EJ (never let a notice out on an unread reservation)."""
    key = (objet or "").strip().lower()
    head, sep, _ = key.partition(":")
    if sep:
        return ((), True) if head in COMPOSANT_KINDS else (KINDS, False)
    if key in OBJET_KINDS:
        return OBJET_KINDS[key], True
    return KINDS, False


def kinds_listing(objet: str) -> tuple[str, ...]:
    """Notices that list a component reservation among their « éléments non retenus »."""
    head, sep, _ = (objet or "").strip().lower().partition(":")
    return COMPOSANT_KINDS.get(head, ()) if sep else ()


# fct_sanction.motif → the fact and the article it rests on.
MOTIFS = {
    "refus": ("Refus de conclure le contrat ou l'un de ses volets", "L.\u00a0162-30-2"),
    "non_atteinte": ("Non-réalisation ou réalisation partielle des objectifs du contrat", "L.\u00a0162-30-4"),
    "capes": ("Manquement aux obligations du contrat d'amélioration des pratiques (CAPES)", "L.\u00a0162-30-3"),
    "capes_refus": ("Refus de signer le contrat d'amélioration des pratiques (CAPES)", "L.\u00a0162-30-3"),
    "surveillance": ("Mise sous surveillance", "L.\u00a0162-30-4"),
}

STATUTS = {
    "calcule": "calculée",
    "calculee": "calculée",
    "recalculee_apres_decision": "recalculée après la décision",
    "signalement": "manquement signalé, voie de sanction non activée pour la campagne",
    "sans_montant": "sans montant",
    "notifie": "notifiée",
    "notifiee": "notifiée",
    "decide": "décidée",
    "decidee": "décidée",
    "desactive": "voie de sanction non activée pour la campagne",
    "inactif": "voie de sanction non activée pour la campagne",
    "non_applicable": "sans montant",
    "abandonne": "abandonnée",
    "abandonnee": "abandonnée",
}

# fct_sanction.statut of a path the référentiel switched off (docs/rules.md §7): shortfall reported, no amount.
STATUTS_SANS_MONTANT = {"desactive", "inactif", "non_applicable", "signalement", "sans_montant"}

TYPES_DECISION = {
    "sanction_financiere": "sanction financière",
    "penalite": "pénalité financière",
    "reduction_liste_en_sus": "réduction de la prise en charge des produits de la liste en sus (L.\u00a0162-22-7)",
    "accord_prealable": "mise sous accord préalable (L.\u00a0162-1-17)",
    "mise_sous_accord_prealable": "mise sous accord préalable (L.\u00a0162-1-17)",
    "surveillance": "mise sous surveillance",
}

SUITES = {
    "maintenue": "le montant notifié est maintenu",
    "reduite": "le montant notifié est réduit",
    "abandonnee": "la sanction envisagée est abandonnée",
}

NIVEAUX = {"contrat": "Contrat", "volet": "Volet", "theme": "Thème"}


def cap_kind(plafond_applique: str | None) -> str:
    """``'global'`` (5 % per EJ-year), ``'volet'`` (1 % per volet), ``'autre'`` or ``''`` (none)."""
    text = " ".join((plafond_applique or "").strip().lower().replace("\u00a0", " ").split())
    if text in ("", "aucun", "non", "none", "false", "0"):
        return ""
    if "global" in text or "annuel" in text or "5 %" in text or "5pct" in text:
        return "global"
    if "volet" in text or "1 %" in text or "1pct" in text:
        return "volet"
    return "autre"


# fct_sanction.type_decision of a measure taken IN ADDITION to the financial sanction, never in
# place of it (L162-30-4: mise sous accord préalable, L162-1-17): its own row, no amount.
TYPES_MESURE_COMPLEMENTAIRE = frozenset({"mise_sous_accord_prealable", "accord_prealable"})
REDUCTION_LISTE_EN_SUS = "reduction_liste_en_sus"
# fct_sanction.choix_dg that lower the amount of a financial line (reduction) or waive it.
CHOIX_DG_MONTANT = frozenset({"reduction", "renonciation"})

# fct_procedure.sens_avis_cpam → the avis of the organisme local d'assurance maladie as a décision
# cites it (« Vu l'avis favorable … »).
SENS_AVIS = {"favorable": "favorable", "defavorable": "défavorable", "reserve": "réservé"}

# fct_procedure.en_attente → what the procedure waits for (listed in retenues.html).
EN_ATTENTE = {
    "accuse_reception": "en attente de la date de réception de la notification préalable : le délai d'observations ne court pas",
    "delai": "délai d'observations en cours",
    "avis_cpam": "en attente de l'avis de l'organisme local d'assurance maladie",
}

# fct_interessement.formule → how the national line depends on attainment (docs/rules.md §6).
FORMULES = {"proportionnelle": "proportionnelle", "seuil": "à seuil"}

# fct_interessement.methode_periode → how the savings' period was measured (docs/rules.md §6).
METHODES_PERIODE = {
    "annee_civile": "année civile",
    "lignes_phev": "période exacte, d'après les lignes de facturation datées",
    "prorata_jours": "montants annuels proratisés au nombre de jours",
}
