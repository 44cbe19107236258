"""The contradictory procedure of a sanction, as a state per EJ and year.

L162-30-2 and L162-30-4: no sanction "qu'après que l'établissement a été mis en mesure de présenter
ses observations"; rules.md §7 (procedure); contract template art. 12 (voies de recours).

States are immutable snapshots; each transition produces a new snapshot with the next
``sequence``. ``avancer`` applies every transition allowed at ``as_of`` until none applies (a
fixpoint), so running it again with the same inputs and date changes nothing. A decision is
only ever made from a prior notification and once its deadline for observations is reached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from caqes_tasks.outcomes import legal

NOTIFICATION = "notification_prealable"
OBSERVATIONS = "observations_recues"
DECISION = "decision"
CLASSEE = "classee_sans_suite"
EN_COURS = (NOTIFICATION, OBSERVATIONS)

SUITES = ("maintenue", "reduite", "abandonnee")


class ProcedureError(ValueError):
    """A transition the law forbids (decision without notice or before the deadline)."""


@dataclass(frozen=True)
class Observation:
    """Observations of an EJ on a notice (raw.observations), amounts in cents."""

    date_reception: date
    suite: str  # maintenue | reduite | abandonnee
    montant_retenu: int | None = None
    motif: str | None = None


@dataclass(frozen=True)
class EtatProcedure:
    finess_ej: str
    annee: int
    sequence: int
    etape: str
    date_evenement: date
    date_notification: date
    date_limite_observations: date
    montant_notifie: int
    faits: str
    date_reception_observations: date | None = None
    suite_observations: str | None = None
    montant_retenu: int | None = None
    motif_observations: str | None = None
    date_decision: date | None = None
    montant_final: int | None = None
    voies_recours: str | None = None
    run_id: str = ""


def date_limite(date_notification: date, delai_jours: int) -> date:
    """Deadline for observations: notification date + delay (référentiel, default 30 days)."""
    legal.check_delai_observations(delai_jours)
    return date_notification + timedelta(days=delai_jours)


def notifier(
    finess_ej: str, annee: int, montant: int, faits: str, as_of: date, delai_jours: int,
    sequence: int = 1, run_id: str = "",
) -> EtatProcedure:
    """Notification préalable: facts, computed amount, deadline for observations (L162-30-2)."""
    if montant < 0:
        raise ValueError("negative notified amount")
    return EtatProcedure(
        finess_ej=finess_ej, annee=annee, sequence=sequence, etape=NOTIFICATION, date_evenement=as_of,
        date_notification=as_of, date_limite_observations=date_limite(as_of, delai_jours),
        montant_notifie=montant, faits=faits, run_id=run_id,
    )


def observation_recevable(etat: EtatProcedure, obs: Observation, as_of: date) -> str | None:
    """Why an observation cannot be recorded on this notice (None when it can)."""
    if obs.suite not in SUITES:
        return f"suite inconnue {obs.suite!r}"
    if obs.date_reception > as_of:
        return "reçue après la date de traitement"
    if obs.date_reception < etat.date_notification:
        return "antérieure à la notification en cours"
    if obs.date_reception > etat.date_limite_observations:
        return "reçue hors délai"
    if obs.suite == "reduite":
        if obs.montant_retenu is None:
            return "suite réduite sans montant retenu"
        if not 0 <= obs.montant_retenu <= etat.montant_notifie:
            return "montant retenu hors de [0, montant notifié]"
    return None


def enregistrer_observations(etat: EtatProcedure, obs: Observation, as_of: date, run_id: str = "") -> EtatProcedure:
    """Record the EJ's observations on a pending notice (received within the deadline)."""
    if etat.etape != NOTIFICATION:
        raise ProcedureError(f"observations need a pending notice, state is {etat.etape}")
    why = observation_recevable(etat, obs, as_of)
    if why:
        raise ProcedureError(f"observations of {etat.finess_ej}: {why}")
    return replace(
        etat, sequence=etat.sequence + 1, etape=OBSERVATIONS, date_evenement=obs.date_reception,
        date_reception_observations=obs.date_reception, suite_observations=obs.suite,
        montant_retenu=obs.montant_retenu, motif_observations=obs.motif, run_id=run_id,
    )


def montant_decide(etat: EtatProcedure) -> int:
    """Final amount: notified, or as the observations' suite says (maintenue/reduite/abandonnee)."""
    if etat.suite_observations == "abandonnee":
        return 0
    if etat.suite_observations == "reduite":
        return min(etat.montant_retenu, etat.montant_notifie)
    return etat.montant_notifie


def decider(etat: EtatProcedure | None, as_of: date, delai_recours_mois: int, recours: str, run_id: str = "") -> EtatProcedure:
    """Décision with the final amount and the voies de recours (template art. 12).

    Refused without a prior notification, and before the deadline for observations.
    """
    if etat is None or etat.etape not in EN_COURS:
        raise ProcedureError("no decision without a prior notification (L162-30-2, L162-30-4)")
    if as_of < etat.date_limite_observations:
        raise ProcedureError(
            f"decision for {etat.finess_ej} on {as_of} precedes the deadline {etat.date_limite_observations}"
        )
    legal.check_recours(delai_recours_mois, recours)
    return replace(
        etat, sequence=etat.sequence + 1, etape=DECISION, date_evenement=as_of, date_decision=as_of,
        montant_final=montant_decide(etat), voies_recours=legal.voies_de_recours(delai_recours_mois, recours),
        run_id=run_id,
    )


def classer(etat: EtatProcedure, as_of: date, run_id: str = "") -> EtatProcedure:
    """Close a pending notice whose sanction no longer exists (recomputed to nothing)."""
    return replace(etat, sequence=etat.sequence + 1, etape=CLASSEE, date_evenement=as_of, montant_final=0, run_id=run_id)


def avancer(
    etat: EtatProcedure | None,
    *,
    finess_ej: str,
    annee: int,
    emise: bool,
    montant: int,
    faits: str,
    observation: Observation | None,
    as_of: date,
    delai_observations_jours: int,
    delai_recours_mois: int = legal.DELAI_RECOURS_MOIS,
    recours: str = legal.JURIDICTION_RECOURS,
    run_id: str = "",
) -> list[EtatProcedure]:
    """Every snapshot the procedure reaches at ``as_of`` from ``etat`` (empty: nothing changes).

    ``emise``: a sanction is issued this year (some path switched on); ``montant`` its total.
    A state already dated after ``as_of``, a decision and a closed file are never changed.
    """
    new: list[EtatProcedure] = []
    current = etat
    while True:
        nxt = _transition(current, finess_ej, annee, emise, montant, faits, observation, as_of,
                          delai_observations_jours, delai_recours_mois, recours, run_id)
        if nxt is None:
            return new
        new.append(nxt)
        current = nxt


def _transition(etat, finess_ej, annee, emise, montant, faits, observation, as_of, delai, delai_recours, recours, run_id):
    if etat is None:
        if emise:
            return notifier(finess_ej, annee, montant, faits, as_of, delai, 1, run_id)
        return None
    if etat.date_evenement > as_of or etat.etape not in EN_COURS:
        return None
    if not emise:
        return classer(etat, as_of, run_id)
    if montant != etat.montant_notifie:
        # the EJ must be heard on the amount actually at stake: a new notice, a new deadline
        return notifier(finess_ej, annee, montant, faits, as_of, delai, etat.sequence + 1, run_id)
    if (
        etat.etape == NOTIFICATION
        and observation is not None
        and observation_recevable(etat, observation, as_of) is None
    ):
        return enregistrer_observations(etat, observation, as_of, run_id)
    if as_of >= etat.date_limite_observations:
        return decider(etat, as_of, delai_recours, recours, run_id)
    return None
