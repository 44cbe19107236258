"""The words of the outcome tables: every code the outcomes stage writes, in one place.

The outcomes stage (``caqes_tasks.outcomes``) writes these codes into marts.fct_interessement,
fct_sanction, fct_procedure, fct_retenue and meta.procedure; the notices, the rapports
d'évaluation, the campaign report and the feeds read them from there. Writers and readers import
them from here, never re-declare them: a reader meeting a value that is not here meets a value
no writer produces (the notices withhold on it, docs/rules.md §8), and the dbt sources of
``dbt_project/models/outcomes.yml`` test the tables against these lists (``accepted_values``,
kept equal to the enums by tests/outcomes/test_outcomes_vocabulary.py).

This module lives with the writer because the words are the contract of the tables the writer
owns, as ``caqes_tasks.warehouse.schema`` holds their columns; readers depend on the writer's
contract, never the reverse. The French wording a notice prints for each code is the notices'
(``caqes_tasks.notices.vocabulary``), keyed by these enums. The legal numbers themselves (1 %,
5 %, 30 %, the delays) keep their single definition beside their articles in
``caqes_tasks.outcomes.legal``; ``Plafond`` ties each cap code to its rate there.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from caqes_tasks.outcomes import legal


class TypeInteressement(StrEnum):
    """fct_interessement.type (docs/rules.md §6)."""

    NATIONAL = "national"
    REGIONAL = "regional"


class Formule(StrEnum):
    """fct_interessement.formule: how a national line depends on attainment (référentiel)."""

    PROPORTIONNELLE = "proportionnelle"
    SEUIL = "seuil"


class MethodePeriode(StrEnum):
    """fct_interessement.methode_periode: how the savings' period was measured (§6, national)."""

    ANNEE_CIVILE = "annee_civile"
    LIGNES_PHEV = "lignes_phev"
    PRORATA_JOURS = "prorata_jours"


class MotifSanction(StrEnum):
    """fct_sanction.motif: the path a sanction rests on."""

    REFUS = "refus"  # L162-30-2
    NON_ATTEINTE = "non_atteinte"  # L162-30-4
    CAPES = "capes"  # L162-30-3


class TypeDecision(StrEnum):
    """fct_sanction.type_decision."""

    SANCTION_FINANCIERE = "sanction_financiere"
    # L162-30-2, L162-30-4: reduction of the liste en sus coverage (L162-22-7) instead of the sanction
    REDUCTION_LISTE_EN_SUS = "reduction_liste_en_sus"
    # L162-30-4, L162-1-17: a measure IN ADDITION to the financial sanction, never in place of it
    MISE_SOUS_ACCORD_PREALABLE = "mise_sous_accord_prealable"


class ChoixDG(StrEnum):
    """fct_sanction.choix_dg (and raw.decisions_dg.choix): what the DG ARS chose on a line."""

    REDUCTION_LISTE_EN_SUS = "reduction_liste_en_sus"
    ACCORD_PREALABLE = "accord_prealable"
    REDUCTION = "reduction"
    RENONCIATION = "renonciation"


#: choices that lower (reduction) or waive (renonciation) the amount of a financial line
CHOIX_DG_MONTANT = frozenset({ChoixDG.REDUCTION, ChoixDG.RENONCIATION})


class StatutSanction(StrEnum):
    """fct_sanction.statut: where a line stands in the procedure."""

    CALCULEE = "calculee"  # computed, not notified yet
    NOTIFIEE = "notifiee"  # notification préalable issued, décision pending
    DECIDEE = "decidee"
    ABANDONNEE = "abandonnee"  # decided at 0
    RECALCULEE_APRES_DECISION = "recalculee_apres_decision"  # the amount changed after the décision
    SIGNALEMENT = "signalement"  # path switched off by the référentiel: shortfall reported, no amount
    SANS_MONTANT = "sans_montant"


#: statuts of a line that carries no amount (docs/rules.md §7)
STATUTS_SANS_MONTANT = frozenset({StatutSanction.SIGNALEMENT, StatutSanction.SANS_MONTANT})


class Plafond(StrEnum):
    """fct_sanction.code_plafond: the legal cap that limited a line's amount (NULL: none did).

    ``plafond_applique`` states the same in words; readers decide on this code.
    """

    VOLET = "volet"  # 1 % of the produits AM per volet (L162-30-4)
    ANNUEL = "annuel"  # 5 % of the produits AM per EJ and year, refusal + non-attainment (L162-30-2, L162-30-4)

    @property
    def taux(self) -> Decimal:
        """The cap's rate of the produits AM, as ``caqes_tasks.outcomes.legal`` fixes it."""
        return {Plafond.VOLET: legal.PLAFOND_NON_ATTEINTE_VOLET, Plafond.ANNUEL: legal.PLAFOND_GLOBAL_ANNUEL}[self]

    @property
    def note(self) -> str:
        """fct_sanction.plafond_applique: the cap in words."""
        return {
            Plafond.VOLET: "1 % par volet (L162-30-4)",
            Plafond.ANNUEL: "plafond annuel de 5 % des produits AM (L162-30-2, L162-30-4): réduction au prorata",
        }[self]


class Etape(StrEnum):
    """fct_procedure.etape and meta.procedure.etape (docs/rules.md §7, procedure)."""

    NOTIFICATION_PREALABLE = "notification_prealable"
    OBSERVATIONS_RECUES = "observations_recues"
    DECISION = "decision"
    CLASSEE_SANS_SUITE = "classee_sans_suite"  # the sanction was recomputed to nothing


#: steps of a procedure still pending (a décision may follow)
ETAPES_EN_COURS = (Etape.NOTIFICATION_PREALABLE, Etape.OBSERVATIONS_RECUES)


class EnAttente(StrEnum):
    """fct_procedure.en_attente: what a pending procedure waits for (NULL: nothing)."""

    ACCUSE_RECEPTION = "accuse_reception"
    DELAI = "delai"
    AVIS_CPAM = "avis_cpam"


class Suite(StrEnum):
    """fct_procedure.suite_observations (and raw.observations.suite)."""

    MAINTENUE = "maintenue"
    REDUITE = "reduite"
    ABANDONNEE = "abandonnee"


class SensAvis(StrEnum):
    """fct_procedure.sens_avis_cpam (and raw.avis_cpam.sens)."""

    FAVORABLE = "favorable"
    DEFAVORABLE = "defavorable"
    RESERVE = "reserve"


class ObjetRetenue(StrEnum):
    """fct_retenue.objet: its head, alone or followed by ``:<detail>``.

    A bare head withholds notices (only ``sanction`` is written bare: the EJ-year's sanction could
    not be computed); ``<head>:<detail>`` is one component left out, listed in the notices
    (``sanction:non_atteinte:V1``, ``interessement_national:<indicateur>:<finess_geo>``, ...).
    """

    SANCTION = "sanction"
    PROCEDURE = "procedure"
    INTERESSEMENT = "interessement"
    INTERESSEMENT_NATIONAL = "interessement_national"
    INTERESSEMENT_REGIONAL = "interessement_regional"
    ETABLISSEMENT = "etablissement"

    def composant(self, *detail: object) -> str:
        """The objet of one component: ``<head>:<detail>:...``."""
        return ":".join([self.value, *(str(d) for d in detail)])


#: vocabulary of each column the outcome tables hold a code in (dbt accepted_values of outcomes.yml)
COLONNES_CODEES: dict[str, dict[str, type[StrEnum]]] = {
    "fct_interessement": {"type": TypeInteressement, "formule": Formule, "methode_periode": MethodePeriode},
    "fct_sanction": {
        "motif": MotifSanction, "type_decision": TypeDecision, "statut": StatutSanction,
        "code_plafond": Plafond, "choix_dg": ChoixDG,
    },
    "fct_procedure": {
        "etape": Etape, "suite_observations": Suite, "sens_avis_cpam": SensAvis, "en_attente": EnAttente,
    },
}
