"""Contradictory procedure: notice -> receipt -> observations -> avis -> decision
(L162-30-2, L162-30-4; docs/rules.md §7; CJA R. 421-1)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes import procedure as pr
from caqes_tasks.outcomes.vocabulary import EnAttente, Etape, Suite

D0 = date(2024, 3, 1)
RECU = (pr.Reception(date(2024, 3, 2), date(2024, 3, 5)),)  # deadline 5 March + 30 days = 4 April
AVIS = pr.AvisCpam(date(2024, 3, 20), "defavorable", "dépassements non justifiés")


def x(as_of, montant=5_000_000, obs=None, emise=True, receptions=RECU, avis=None, avis_requis=False):
    return pr.EntreesProcedure(finess_ej="EJ", annee=2023, as_of=as_of, emise=emise, montant=montant, faits="faits",
                               delai_observations_jours=30, avis_requis=avis_requis, receptions=receptions,
                               observation=obs, avis=avis)


def run(etat, as_of, **kw):
    return pr.avancer(etat, x(as_of, **kw))


def received(**kw):
    """A notice issued on D0 (1 March), sent on 2 March and received on 5 March: deadline 4 April."""
    [notice] = run(None, D0, **kw)
    [recu] = run(notice, date(2024, 3, 6), **kw)
    return notice, recu


def test_deadline_runs_from_receipt_and_decision_only_after_it():
    [notice] = run(None, D0)
    assert notice.etape == Etape.NOTIFICATION_PREALABLE and notice.date_limite_observations is None
    assert notice.en_attente == EnAttente.ACCUSE_RECEPTION
    assert run(notice, D0) == []  # same date: nothing changes
    [recu] = run(notice, date(2024, 3, 10))
    assert (recu.etape, recu.sequence, recu.date_reception_notification, recu.date_limite_observations) == (
        Etape.NOTIFICATION_PREALABLE, 2, date(2024, 3, 5), date(2024, 4, 4))
    assert recu.date_evenement == date(2024, 3, 5) and recu.en_attente == EnAttente.DELAI
    assert run(recu, date(2024, 4, 3)) == []
    assert run(recu, date(2024, 4, 4)) == []  # the deadline day itself: not passed yet
    [decision] = run(recu, date(2024, 4, 5))
    assert decision.etape == Etape.DECISION and decision.montant_final == 5_000_000
    assert decision.date_decision > decision.date_limite_observations
    assert "tribunal administratif territorialement compétent" in decision.voies_recours
    assert "R. 421-1" in decision.voies_recours and "Télérecours" in decision.voies_recours
    assert "recommandée" not in decision.voies_recours
    assert run(decision, date(2025, 1, 1), montant=1) == []  # a decision is final


def test_without_receipt_no_deadline_and_no_decision():
    [notice] = run(None, D0, receptions=())
    assert run(notice, date(2025, 6, 1), receptions=()) == []
    assert pr.attente(notice, x(date(2025, 6, 1), receptions=())) == EnAttente.ACCUSE_RECEPTION
    # a receipt with no date, a sending before the notice, a receipt after as_of: none counts
    others = (pr.Reception(date(2024, 3, 2), None), pr.Reception(date(2024, 2, 20), date(2024, 2, 25)),
              pr.Reception(date(2024, 3, 2), date(2024, 7, 1)))
    assert run(notice, date(2024, 6, 1), receptions=others) == []
    with pytest.raises(pr.ProcedureError):
        pr.decider(notice, x(date(2025, 6, 1)))


def test_latest_sending_on_or_after_the_notice_counts():
    [notice] = run(None, D0)
    sendings = (pr.Reception(date(2024, 3, 1), date(2024, 3, 4)), pr.Reception(date(2024, 3, 8), date(2024, 3, 12)))
    [recu] = run(notice, date(2024, 3, 20), receptions=sendings)
    assert recu.date_reception_notification == date(2024, 3, 12) and recu.date_limite_observations == date(2024, 4, 11)


def test_non_attainment_decision_waits_for_the_cpam_avis_and_cites_it():
    notice, recu = received(avis_requis=True)
    assert run(recu, date(2024, 4, 10), avis_requis=True) == []
    assert pr.attente(recu, x(date(2024, 4, 10), avis_requis=True)) == EnAttente.AVIS_CPAM
    # an avis dated after as_of is not known yet
    assert run(recu, date(2024, 3, 19) + timedelta(days=30), avis_requis=True,
               avis=dataclasses.replace(AVIS, date_avis=date(2024, 5, 1))) == []
    [decision] = run(recu, date(2024, 4, 10), avis_requis=True, avis=AVIS)
    assert (decision.date_avis_cpam, decision.sens_avis_cpam, decision.commentaire_avis_cpam) == (
        date(2024, 3, 20), "defavorable", "dépassements non justifiés")
    # a refusal alone needs no avis
    _, recu2 = received()
    [d2] = run(recu2, date(2024, 4, 10))
    assert d2.etape == Etape.DECISION and d2.date_avis_cpam is None


def test_observations_reduce_the_amount():
    notice, recu = received()
    obs = pr.Observation(date(2024, 3, 10), "reduite", 2_000_000, "plan d'actions engagé")
    [recorded] = run(recu, date(2024, 3, 15), obs=obs)
    assert recorded.etape == Etape.OBSERVATIONS_RECUES and recorded.date_evenement == date(2024, 3, 10)
    assert recorded.date_reception_notification == date(2024, 3, 5)
    [decision] = run(recorded, date(2024, 4, 5), obs=obs)
    assert decision.montant_final == 2_000_000 and decision.suite_observations == "reduite"


def test_observations_wait_for_the_receipt_and_late_ones_are_not_recorded():
    [notice] = run(None, D0, receptions=())
    obs = pr.Observation(date(2024, 3, 10), "abandonnee")
    assert run(notice, date(2024, 3, 15), obs=obs, receptions=()) == []
    assert "réception" in pr.observation_recevable(notice, obs, date(2024, 3, 15))
    late = pr.Observation(date(2024, 4, 5), "abandonnee")
    [recu, decision] = run(notice, date(2024, 4, 10), obs=late)
    assert decision.montant_final == 5_000_000 and decision.suite_observations is None
    too_much = pr.Observation(date(2024, 3, 6), "reduite", 6_000_000)
    assert pr.observation_recevable(recu, too_much, date(2024, 3, 7)) is not None


def test_no_decision_without_notice_or_before_deadline():
    with pytest.raises(pr.ProcedureError):
        pr.decider(None, x(D0))
    notice, recu = received()
    with pytest.raises(pr.ProcedureError):
        pr.decider(recu, x(date(2024, 4, 4)))


def test_changed_amount_is_notified_again_and_needs_a_new_receipt():
    notice, recu = received()
    [again] = run(recu, date(2024, 3, 20), montant=4_000_000)
    assert again.etape == Etape.NOTIFICATION_PREALABLE and again.sequence == 3
    assert again.date_reception_notification is None and again.date_limite_observations is None
    # the first receipt was sent before this notice: it does not count
    assert run(again, date(2024, 5, 1), montant=4_000_000) == []
    [closed] = run(again, date(2024, 5, 2), emise=False)
    assert closed.etape == Etape.CLASSEE_SANS_SUITE and closed.montant_final == 0 and closed.date_decision is None


def test_history_after_as_of_is_never_extended():
    [notice] = run(None, date(2024, 5, 1))
    assert run(notice, D0, montant=1) == []


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 40),  # days after the previous run
            st.sampled_from([0, 0, 0, 0, 1]),  # amount variant (mostly unchanged, so decisions happen)
            st.sampled_from([True] * 9 + [False]),  # sanction issued
        ),
        min_size=1, max_size=8,
    ),
    sendings=st.lists(st.tuples(st.integers(-5, 80), st.one_of(st.none(), st.integers(0, 10))), max_size=3),
    obs_day=st.one_of(st.none(), st.integers(-5, 90)),
    suite=st.sampled_from(list(Suite)),
    retenu=st.integers(0, 3_000_000),
    delay=st.integers(1, 45),
    avis_day=st.one_of(st.none(), st.integers(0, 120)),
    avis_requis=st.booleans(),
)
def test_procedure_invariants(steps, sendings, obs_day, suite, retenu, delay, avis_day, avis_requis):
    receptions = tuple(pr.Reception(D0 + timedelta(days=s), None if r is None else D0 + timedelta(days=s + r))
                       for s, r in sendings)
    obs = None if obs_day is None else pr.Observation(D0 + timedelta(days=obs_day), suite, retenu)
    avis = None if avis_day is None else pr.AvisCpam(D0 + timedelta(days=avis_day), "favorable")
    history: list[pr.EtatProcedure] = []
    as_of = D0
    for days, variant, emise in steps:
        as_of += timedelta(days=days)
        entrees = pr.EntreesProcedure(
            finess_ej="EJ", annee=2023, as_of=as_of, emise=emise, montant=1_000_000 * (variant + 1), faits="f",
            delai_observations_jours=delay, avis_requis=avis_requis, receptions=receptions, observation=obs, avis=avis,
        )
        new = pr.avancer(history[-1] if history else None, entrees)
        history.extend(new)
        # idempotence: the same date and inputs change nothing
        assert pr.avancer(history[-1] if history else None, entrees) == []
    for i, s in enumerate(history):
        assert s.sequence == i + 1
        if i:
            assert s.date_evenement >= history[i - 1].date_evenement
        if s.date_reception_notification is None:
            assert s.date_limite_observations is None
        else:
            assert s.date_limite_observations == s.date_reception_notification + timedelta(days=delay)
            assert s.date_notification <= s.date_reception_notification
            assert any(r.date_reception == s.date_reception_notification and r.date_envoi >= s.date_notification
                       for r in receptions)
        if s.etape == Etape.DECISION:
            notices = [h for h in history[:i] if h.etape == Etape.NOTIFICATION_PREALABLE]
            assert notices, "a decision needs a prior notice"
            assert s.date_reception_notification is not None, "a decision needs the receipt of the notice"
            assert s.date_decision > s.date_limite_observations
            assert 0 <= s.montant_final <= s.montant_notifie
            assert type(s.montant_final) is int
            if avis_requis:
                assert s.date_avis_cpam is not None and s.date_avis_cpam <= s.date_decision
        if s.etape == Etape.OBSERVATIONS_RECUES:
            assert s.date_notification <= s.date_reception_observations <= s.date_limite_observations
    assert sum(1 for s in history if s.etape in (Etape.DECISION, Etape.CLASSEE_SANS_SUITE)) <= 1
