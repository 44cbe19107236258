"""Contradictory procedure: notice -> observations -> decision (L162-30-2, L162-30-4; template art. 12)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes import procedure as pr

D0 = date(2024, 3, 1)


def run(etat, as_of, montant=5_000_000, obs=None, emise=True):
    return pr.avancer(etat, finess_ej="EJ", annee=2023, emise=emise, montant=montant, faits="faits",
                      observation=obs, as_of=as_of, delai_observations_jours=30)


def test_notice_then_decision_after_deadline():
    [notice] = run(None, D0)
    assert notice.etape == pr.NOTIFICATION and notice.date_limite_observations == date(2024, 3, 31)
    assert run(notice, D0) == []  # same date: nothing changes
    assert run(notice, date(2024, 3, 30)) == []  # deadline not reached
    [decision] = run(notice, date(2024, 3, 31))
    assert decision.etape == pr.DECISION and decision.montant_final == 5_000_000
    assert "tribunal administratif" in decision.voies_recours and "2 mois" in decision.voies_recours
    assert run(decision, date(2025, 1, 1), montant=1) == []  # a decision is final


def test_observations_reduce_the_amount():
    [notice] = run(None, D0)
    obs = pr.Observation(date(2024, 3, 10), "reduite", 2_000_000, "plan d'actions engagé")
    [recorded] = run(notice, date(2024, 3, 15), obs=obs)
    assert recorded.etape == pr.OBSERVATIONS and recorded.date_evenement == date(2024, 3, 10)
    [decision] = run(recorded, date(2024, 4, 2), obs=obs)
    assert decision.montant_final == 2_000_000 and decision.suite_observations == "reduite"


def test_late_or_invalid_observations_are_not_recorded():
    [notice] = run(None, D0)
    late = pr.Observation(date(2024, 4, 5), "abandonnee")
    [decision] = run(notice, date(2024, 4, 10), obs=late)
    assert decision.montant_final == 5_000_000 and decision.suite_observations is None
    too_much = pr.Observation(date(2024, 3, 5), "reduite", 6_000_000)
    assert pr.observation_recevable(notice, too_much, date(2024, 3, 6)) is not None


def test_no_decision_without_notice_or_before_deadline():
    with pytest.raises(pr.ProcedureError):
        pr.decider(None, D0, 2, "tribunal administratif")
    [notice] = run(None, D0)
    with pytest.raises(pr.ProcedureError):
        pr.decider(notice, date(2024, 3, 30), 2, "tribunal administratif")


def test_changed_amount_is_notified_again_and_dropped_sanction_is_closed():
    [notice] = run(None, D0)
    [again] = run(notice, date(2024, 3, 20), montant=4_000_000)
    assert again.etape == pr.NOTIFICATION and again.sequence == 2
    assert again.date_limite_observations == date(2024, 4, 19)
    [closed] = run(again, date(2024, 3, 25), emise=False)
    assert closed.etape == pr.CLASSEE and closed.montant_final == 0 and closed.date_decision is None


def test_history_after_as_of_is_never_extended():
    [notice] = run(None, date(2024, 5, 1))
    assert run(notice, D0, montant=1) == []


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 20),  # days after the previous run
            st.integers(0, 3),  # amount variant
            st.booleans(),  # sanction issued
        ),
        min_size=1, max_size=8,
    ),
    obs_day=st.one_of(st.none(), st.integers(-5, 60)),
    suite=st.sampled_from(pr.SUITES),
    retenu=st.integers(0, 3_000_000),
    delay=st.integers(1, 45),
)
def test_procedure_invariants(steps, obs_day, suite, retenu, delay):
    obs = None if obs_day is None else pr.Observation(D0 + timedelta(days=obs_day), suite, retenu)
    history: list[pr.EtatProcedure] = []
    as_of = D0
    for days, variant, emise in steps:
        as_of += timedelta(days=days)
        kwargs = dict(finess_ej="EJ", annee=2023, emise=emise, montant=1_000_000 * (variant + 1), faits="f",
                      observation=obs, as_of=as_of, delai_observations_jours=delay)
        new = pr.avancer(history[-1] if history else None, **kwargs)
        history.extend(new)
        # idempotence: the same date and inputs change nothing
        assert pr.avancer(history[-1] if history else None, **kwargs) == []
    for i, s in enumerate(history):
        assert s.sequence == i + 1
        assert s.date_limite_observations == s.date_notification + timedelta(days=delay)
        if s.etape == pr.DECISION:
            notices = [h for h in history[:i] if h.etape == pr.NOTIFICATION]
            assert notices, "a decision needs a prior notice"
            assert s.date_decision >= s.date_limite_observations
            assert 0 <= s.montant_final <= s.montant_notifie
            assert type(s.montant_final) is int
        if s.etape == pr.OBSERVATIONS:
            assert s.date_notification <= s.date_reception_observations <= s.date_limite_observations
    assert sum(1 for s in history if s.etape in (pr.DECISION, pr.CLASSEE)) <= 1
