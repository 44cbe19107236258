"""The contradictory procedure of a sanction, as a state per EJ and year.

L162-30-2 and L162-30-4: no sanction "qu'après que l'établissement a été mis en mesure de présenter
ses observations", and for non-attainment "après avis de l'organisme local d'assurance maladie";
docs/rules.md §7 (procedure); code de justice administrative R. 421-1 (voies de recours).

1. *notification préalable* (the facts and the computed amount), issued on the run's date;
2. its **receipt** by the EJ (``raw.notifications``): the deadline for observations runs from it;
   without a receipt no deadline runs and no décision can follow;
3. the EJ's observations, if received within the deadline;
4. the *décision*, only once the deadline has passed (``as_of`` strictly after it) and, when a
   non-attainment line is at stake, once the CPAM's avis is known; it records that avis.

States are immutable snapshots; each transition produces a new snapshot with the next
``sequence``. ``avancer`` applies every transition allowed at ``as_of`` until none applies (a
fixpoint), so running it again with the same inputs and date changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.vocabulary import ETAPES_EN_COURS, EnAttente, Etape, Suite


class ProcedureError(ValueError):
    """A transition the law forbids (decision without notice, receipt, avis or before the deadline)."""


@dataclass(frozen=True)
class Observation:
    """Observations of an EJ on a notice (raw.observations), amounts in cents."""

    date_reception: date
    suite: str  # a Suite
    montant_retenu: int | None = None
    motif: str | None = None


@dataclass(frozen=True)
class Reception:
    """A notification préalable sent to the EJ and, once known, its receipt (raw.notifications)."""

    date_envoi: date
    date_reception: date | None


@dataclass(frozen=True)
class AvisCpam:
    """The avis of the organisme local d'assurance maladie (raw.avis_cpam)."""

    date_avis: date
    sens: str  # a SensAvis
    commentaire: str | None = None


@dataclass(frozen=True)
class EtatProcedure:
    finess_ej: str
    annee: int
    sequence: int
    etape: str
    date_evenement: date
    date_notification: date
    date_limite_observations: date | None  # None until the receipt of the notice is known
    montant_notifie: int
    faits: str
    date_reception_notification: date | None = None
    date_reception_observations: date | None = None
    suite_observations: str | None = None
    montant_retenu: int | None = None
    motif_observations: str | None = None
    date_avis_cpam: date | None = None
    sens_avis_cpam: str | None = None
    commentaire_avis_cpam: str | None = None
    en_attente: str | None = None  # what the procedure waited for when this snapshot was taken
    date_decision: date | None = None
    montant_final: int | None = None
    voies_recours: str | None = None
    run_id: str = ""


@dataclass(frozen=True)
class EntreesProcedure:
    """What one EJ-year's procedure is advanced with, at ``as_of`` (amounts in cents).

    ``emise``: a sanction is issued this year (some path on, something at stake); ``montant`` its
    total; ``avis_requis``: a non-attainment line is at stake (L162-30-4: avis before décision).
    """

    finess_ej: str
    annee: int
    as_of: date
    emise: bool
    montant: int
    faits: str
    delai_observations_jours: int
    avis_requis: bool = False
    receptions: tuple[Reception, ...] = ()
    observation: Observation | None = None
    avis: AvisCpam | None = None
    delai_recours_mois: int = legal.DELAI_RECOURS_MOIS
    recours: str = legal.JURIDICTION_RECOURS
    run_id: str = ""


def date_limite(date_reception: date, delai_jours: int) -> date:
    """Deadline for observations: receipt of the notice + delay (référentiel, default 30 days)."""
    legal.check_delai_observations(delai_jours)
    return date_reception + timedelta(days=delai_jours)


def notifier(x: EntreesProcedure, sequence: int = 1) -> EtatProcedure:
    """Notification préalable: facts and computed amount (L162-30-2); the deadline waits for receipt."""
    if x.montant < 0:
        raise ValueError("negative notified amount")
    return EtatProcedure(
        finess_ej=x.finess_ej, annee=x.annee, sequence=sequence, etape=Etape.NOTIFICATION_PREALABLE,
        date_evenement=x.as_of, date_notification=x.as_of, date_limite_observations=None,
        montant_notifie=x.montant, faits=x.faits, en_attente=EnAttente.ACCUSE_RECEPTION, run_id=x.run_id,
    )


def reception_retenue(etat: EtatProcedure, receptions, as_of: date) -> Reception | None:
    """The receipt that starts the deadline: the latest sending on or after the notice's date whose
    receipt is known on ``as_of`` (a receipt dated before its sending is ignored)."""
    valides = [
        r for r in receptions
        if r.date_reception is not None and r.date_envoi >= etat.date_notification
        and r.date_envoi <= r.date_reception <= as_of
    ]
    return max(valides, key=lambda r: (r.date_envoi, r.date_reception), default=None)


def accuser_reception(etat: EtatProcedure, reception: Reception, x: EntreesProcedure) -> EtatProcedure:
    """Record the EJ's receipt of the notice: the deadline for observations runs from it."""
    if etat.etape not in ETAPES_EN_COURS or etat.date_reception_notification is not None:
        raise ProcedureError("receipt of a notice already received or closed")
    return replace(
        etat, sequence=etat.sequence + 1, date_evenement=max(reception.date_reception, etat.date_evenement),
        date_reception_notification=reception.date_reception,
        date_limite_observations=date_limite(reception.date_reception, x.delai_observations_jours),
        en_attente=EnAttente.DELAI, run_id=x.run_id,
    )


def observation_recevable(etat: EtatProcedure, obs: Observation, as_of: date) -> str | None:
    """Why an observation cannot be recorded on this notice (None when it can)."""
    if obs.suite not in tuple(Suite):
        return f"suite inconnue {obs.suite!r}"
    if obs.date_reception > as_of:
        return "reçue après la date de traitement"
    if obs.date_reception < etat.date_notification:
        return "antérieure à la notification en cours"
    if etat.date_limite_observations is None:
        return "date de réception de la notification inconnue: délai non ouvert"
    if obs.date_reception > etat.date_limite_observations:
        return "reçue hors délai"
    if obs.suite == Suite.REDUITE:
        if obs.montant_retenu is None:
            return "suite réduite sans montant retenu"
        if not 0 <= obs.montant_retenu <= etat.montant_notifie:
            return "montant retenu hors de [0, montant notifié]"
    return None


def enregistrer_observations(etat: EtatProcedure, obs: Observation, as_of: date, run_id: str = "") -> EtatProcedure:
    """Record the EJ's observations on a pending notice (received within the deadline)."""
    if etat.etape != Etape.NOTIFICATION_PREALABLE:
        raise ProcedureError(f"observations need a pending notice, state is {etat.etape}")
    why = observation_recevable(etat, obs, as_of)
    if why:
        raise ProcedureError(f"observations of {etat.finess_ej}: {why}")
    return replace(
        etat, sequence=etat.sequence + 1, etape=Etape.OBSERVATIONS_RECUES,
        date_evenement=max(obs.date_reception, etat.date_evenement),
        date_reception_observations=obs.date_reception, suite_observations=obs.suite,
        montant_retenu=obs.montant_retenu, motif_observations=obs.motif, run_id=run_id,
    )


def montant_decide(etat: EtatProcedure) -> int:
    """Final amount: notified, or as the observations' suite says (maintenue/reduite/abandonnee)."""
    if etat.suite_observations == Suite.ABANDONNEE:
        return 0
    if etat.suite_observations == Suite.REDUITE:
        return min(etat.montant_retenu, etat.montant_notifie)
    return etat.montant_notifie


def _avis_connu(x: EntreesProcedure) -> AvisCpam | None:
    return x.avis if x.avis is not None and x.avis.date_avis <= x.as_of else None


def attente(etat: EtatProcedure | None, x: EntreesProcedure) -> EnAttente | None:
    """What a pending procedure waits for at ``x.as_of`` (None: nothing, or not pending)."""
    if etat is None or etat.etape not in ETAPES_EN_COURS:
        return None
    if etat.date_limite_observations is None:
        return EnAttente.ACCUSE_RECEPTION
    if x.as_of <= etat.date_limite_observations:
        return EnAttente.DELAI
    if x.avis_requis and _avis_connu(x) is None:
        return EnAttente.AVIS_CPAM
    return None


def decider(etat: EtatProcedure | None, x: EntreesProcedure) -> EtatProcedure:
    """Décision with the final amount, the CPAM's avis and the voies de recours (CJA R. 421-1).

    Refused without a prior notification, without a known receipt, before the deadline has
    passed, and, for a non-attainment line, without the CPAM's avis.
    """
    if etat is None or etat.etape not in ETAPES_EN_COURS:
        raise ProcedureError("no decision without a prior notification (L162-30-2, L162-30-4)")
    if etat.date_limite_observations is None:
        raise ProcedureError(f"decision for {etat.finess_ej}: receipt of the notice unknown, no deadline runs")
    if x.as_of <= etat.date_limite_observations:
        raise ProcedureError(
            f"decision for {etat.finess_ej} on {x.as_of}: the deadline {etat.date_limite_observations} has not passed"
        )
    avis = _avis_connu(x)
    if x.avis_requis and avis is None:
        raise ProcedureError(f"decision for {etat.finess_ej}: non-attainment needs the CPAM's avis (L162-30-4)")
    return replace(
        etat, sequence=etat.sequence + 1, etape=Etape.DECISION, date_evenement=x.as_of, date_decision=x.as_of,
        montant_final=montant_decide(etat), voies_recours=legal.voies_de_recours(x.delai_recours_mois, x.recours),
        date_avis_cpam=avis.date_avis if avis else None, sens_avis_cpam=avis.sens if avis else None,
        commentaire_avis_cpam=avis.commentaire if avis else None, en_attente=None, run_id=x.run_id,
    )


def classer(etat: EtatProcedure, as_of: date, run_id: str = "") -> EtatProcedure:
    """Close a pending notice whose sanction no longer exists (recomputed to nothing)."""
    return replace(etat, sequence=etat.sequence + 1, etape=Etape.CLASSEE_SANS_SUITE, date_evenement=as_of,
                   montant_final=0, en_attente=None, run_id=run_id)


def avancer(etat: EtatProcedure | None, x: EntreesProcedure) -> list[EtatProcedure]:
    """Every snapshot the procedure reaches at ``x.as_of`` from ``etat`` (empty: nothing changes).

    A state already dated after ``as_of``, a decision and a closed file are never changed.
    """
    new: list[EtatProcedure] = []
    current = etat
    while (nxt := _transition(current, x)) is not None:
        new.append(nxt)
        current = nxt
    return new


def _transition(etat: EtatProcedure | None, x: EntreesProcedure) -> EtatProcedure | None:
    if etat is None:
        return notifier(x, 1) if x.emise else None
    if etat.date_evenement > x.as_of or etat.etape not in ETAPES_EN_COURS:
        return None
    if not x.emise:
        return classer(etat, x.as_of, x.run_id)
    if x.montant != etat.montant_notifie:
        # the EJ must be heard on the amount actually at stake: a new notice, a new receipt, a new deadline
        return notifier(x, etat.sequence + 1)
    if etat.date_reception_notification is None:
        reception = reception_retenue(etat, x.receptions, x.as_of)
        return accuser_reception(etat, reception, x) if reception else None
    if (
        etat.etape == Etape.NOTIFICATION_PREALABLE
        and x.observation is not None
        and observation_recevable(etat, x.observation, x.as_of) is None
    ):
        return enregistrer_observations(etat, x.observation, x.as_of, x.run_id)
    if attente(etat, x) is None:
        return decider(etat, x)
    return None
