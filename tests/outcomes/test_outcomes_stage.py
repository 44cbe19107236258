"""The outcomes stage on a small hand-made warehouse (real DuckDB file), re-runs and procedure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest
import yaml

from caqes_tasks.context import RunContext
from caqes_tasks.outcomes.stage import outcomes_stage
from caqes_tasks.referentiel import DEFAULT_REFERENTIEL

A, B, C, D, E, F = "330000011", "330000029", "330000037", "330000045", "330000052", "330000060"  # EJs
A1, A2, B1, C1, D1, F1 = "330100011", "330100029", "330200011", "330300011", "330400011", "330600011"  # ETs
N = 2023
JAN1 = date(N, 1, 1)


def _eval(geo, ej, ind, type_, theme, *, mesure="rate", valeur=None, objectif=None, atteinte=None, montant=None,
          montant_ref=None, sous_contrat=True, debut=JAN1, methode="annee_civile", periode=None, periode_ref=None):
    return {"finess_geo": geo, "finess_ej": ej, "annee": N, "indicateur": ind, "type_indicateur": type_,
            "volet": "V1", "theme": theme, "sens": "lower_is_better", "sous_contrat": sous_contrat,
            "valeur": valeur, "objectif": objectif, "atteinte": atteinte, "evaluable": atteinte is not None,
            "montant": montant, "montant_reference": montant_ref, "mesure": mesure, "origine_perimetre": "signature",
            "debut_periode": debut, "methode_periode": methode, "montant_periode": periode,
            "montant_periode_reference": periode_ref}


def _regional(geo, ej, ind, theme, sous_contrat=True):
    return _eval(geo, ej, ind, "regional", theme, atteinte=Decimal("0.5"), sous_contrat=sous_contrat,
                 methode=None, debut=None)


def _score(ej, niveau, code, score):
    return {"finess_ej": ej, "annee": N, "niveau": niveau, "code": code, "volet": "V1",
            "score": score, "evaluable": score is not None, "nb_elements": 1}


def _contrat(ej, volet, statut, proposition=date(2022, 3, 1), a_sanctionner=False, effet=date(2022, 7, 1)):
    signe = statut == "signe"
    return {"finess_ej": ej, "annee": N, "volet": volet, "propose": True, "statut": statut, "en_vigueur": signe,
            "date_effet": effet if signe else None, "date_fin": date(2024, 12, 31) if signe else None,
            "date_proposition": proposition, "refus_a_sanctionner": a_sanctionner}


def _pam(ej, euros, exercice=N):
    return {"finess_ej": ej, "exercice": exercice, "produits_am": Decimal(euros)}


def _notif(ej, envoi, reception, document="notification_prealable"):
    return {"finess_ej": ej, "annee": N, "document": document, "date_envoi": envoi, "date_reception": reception}


def _dg(ej, objet, choix, motif, base=None):
    return {"finess_ej": ej, "annee": N, "objet": objet, "choix": choix, "motif": motif,
            "montant_base": None if base is None else Decimal(base)}


DATA = {
    "marts.dim_etablissement": [
        {"finess_geo": g, "finess_ej": ej, "annee": N}
        for g, ej in ((A1, A), (A2, A), (B1, B), (C1, C), (D1, D), (F1, F))
    ],
    "marts.fct_contractualisation": [
        _contrat(A, "V1", "signe"),
        _contrat(B, "V1", "signe", date(2023, 2, 1), effet=date(2023, 7, 1)),
        _contrat(B, "V2", "refus", date(2023, 2, 1), True),
        _contrat(C, "V1", "signe"), _contrat(C, "V2", "refus", date(2023, 2, 1), True),
        _contrat(D, "V1", "signe"), _contrat(D, "V2", "refus", date(2022, 3, 1), False),  # refused in 2022
        _contrat(E, "V1", "refus", date(2023, 1, 15), True),
        _contrat(F, "V1", "signe"),
    ],
    "marts.fct_evaluation": [
        _eval(A1, A, "NAT_1", "national", "NAT_PS", mesure="amount", valeur=Decimal("450000"),
              objectif=Decimal("475000"), atteinte=Decimal("1"), montant=Decimal("450000.00"),
              montant_ref=Decimal("500000.00")),
        _eval(A2, A, "NAT_3", "national", "NAT_EPA", valeur=Decimal("0.62"), objectif=Decimal("0.54"),
              atteinte=Decimal("0.5"), montant=Decimal("10500.00"), montant_ref=Decimal("10000.00")),
        _eval(A2, A, "NAT_4", "national", "NAT_PS", mesure="amount", valeur=Decimal("210000"),
              objectif=Decimal("190000"), atteinte=Decimal("0"), montant=Decimal("210000.00"),
              montant_ref=Decimal("200000.00")),
        _regional(A1, A, "ATB", "ATB"),
        _regional(B1, B, "ATB", "ATB"),
        _regional(B1, B, "MIPA", "MIPA"),
        # B's contract took effect on 1 July 2023: first-year periods
        _eval(B1, B, "NAT_5", "national", "NAT_PS", mesure="amount", valeur=Decimal("36500"),
              objectif=Decimal("69350"), atteinte=Decimal("1"), montant=Decimal("36500.00"),
              montant_ref=Decimal("73000.00"), debut=date(N, 7, 1), methode="prorata_jours"),
        _eval(B1, B, "NAT_4", "national", "NAT_PS", mesure="amount", valeur=Decimal("2000"),
              objectif=Decimal("2850"), atteinte=Decimal("0.4"), montant=Decimal("2000.00"),
              montant_ref=Decimal("3000.00"), debut=date(N, 7, 1), methode="lignes_phev",
              periode=Decimal("1000.00"), periode_ref=Decimal("1500.00")),
        _regional(C1, C, "ATB", "ATB"),
        _eval(C1, C, "NAT_2", "national", "NAT_PS", mesure="amount"),  # not evaluable: withheld
        _regional(C1, C, "DLR", "IATRO", sous_contrat=False),  # not under contract: ignored
        _eval(F1, F, "NAT_5", "national", "NAT_PS", mesure="amount", valeur=Decimal("100000"),
              objectif=Decimal("80000"), atteinte=Decimal("0"), montant=Decimal("100000.00"),
              montant_ref=Decimal("84210.53")),
    ],
    "marts.fct_score": [
        _score(A, "theme", "ATB", Decimal("80.00")), _score(A, "volet", "V1", Decimal("75.00")),
        _score(B, "theme", "ATB", Decimal("50.00")), _score(B, "theme", "MIPA", None),
        _score(B, "volet", "V1", Decimal("100.00")),
        _score(C, "theme", "ATB", None), _score(C, "volet", "V1", None),
        _score(D, "volet", "V1", None),
        _score(F, "volet", "V1", Decimal("50.00")),
    ],
    "raw.produits_am": [
        _pam(A, "20000000.00"), _pam(B, "3000000.00"), _pam(B, "9999999.00", N - 1), _pam(D, "5000000.00"),
        _pam(E, "10000000.00"), _pam(F, "1000000.00"),
    ],
    "raw.enveloppes": [
        {"annee": N, "theme": "ATB", "montant": Decimal("10000.00")},
        {"annee": N, "theme": "MIPA", "montant": Decimal("1000.00")},
    ],
    "raw.modulations": [{"finess_ej": A, "annee": N, "coefficient": Decimal("0.5"),
                         "motif": "objectifs du plan d'actions partiellement atteints"}],
    "raw.observations": [
        {"finess_ej": B, "annee": N, "date_reception": date(2024, 3, 10), "suite": "reduite",
         "montant_retenu": Decimal("20000.00"), "motif": "volet V2 en cours de signature"},
    ],
    "raw.notifications": [
        _notif(A, date(2024, 3, 2), date(2024, 3, 5)),
        _notif(A, date(2024, 4, 6), date(2024, 4, 8), document="decision"),  # not the notice: ignored
        _notif(B, date(2024, 3, 1), date(2024, 3, 4)),
        _notif(E, date(2024, 3, 1), None),  # sent, receipt unknown
        _notif(F, date(2024, 3, 1), date(2024, 3, 4)),
    ],
    "raw.avis_cpam": [
        {"finess_ej": A, "annee": N, "date_avis": date(2024, 3, 20), "sens": "favorable",
         "commentaire": "manquements constatés sur les pansements"},
    ],
    "raw.decisions_dg": [
        _dg(A, "non_atteinte:V1", "accord_prealable", "prescriptions de pansements à contrôler"),
        _dg(E, "refus", "reduction_liste_en_sus", "réduction liste en sus préférée", "400000.00"),
        _dg(F, "non_atteinte:V1", "reduction", "plan d'actions engagé", "2000.00"),
        _dg(D, "refus", "renonciation", "refus déjà sanctionné"),
    ],
}


def ctx(tmp_path, as_of, run_id, referentiel=None):
    kw = {"referentiel": referentiel} if referentiel else {}
    return RunContext(year=N, landing=tmp_path / "landing", out=tmp_path / "out", as_of=as_of, run_id=run_id, **kw)


@pytest.fixture
def out(tmp_path, warehouse_builder):
    warehouse_builder(tmp_path / "out" / "warehouse" / "caqes.duckdb", DATA)
    return tmp_path


def dump(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {}
        for t in ("fct_interessement", "fct_sanction", "fct_procedure", "fct_retenue"):
            cur = con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL")
            cols = [d[0] for d in cur.description]
            tables[t] = [dict(zip(cols, r)) for r in cur.fetchall()]
        cur = con.execute("SELECT * FROM meta.procedure ORDER BY finess_ej, sequence")
        cols = [d[0] for d in cur.description]
        tables["meta.procedure"] = [dict(zip(cols, r)) for r in cur.fetchall()]
        return tables
    finally:
        con.close()


def _variant(tmp_path, mutate):
    data = yaml.safe_load(DEFAULT_REFERENTIEL.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "ref.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_stage_by_hand_and_idempotent(out):
    c = ctx(out, "2024-03-01", "2023-run1")
    result = outcomes_stage(c)
    t = dump(c.warehouse)

    # no float anywhere
    for rows in t.values():
        for r in rows:
            assert not any(isinstance(v, float) for v in r.values()), r

    inter = {(r["finess_ej"], r["code"]): r for r in t["fct_interessement"]}
    # A / NAT_1: savings 500 000.00 - 450 000.00 = 50 000.00; attainment 1; 30 % = 15 000.00 computed.
    # A / NAT_3 and NAT_4: spending rose: 0.
    # ATB envelope 10 000.00 = 1 000 000 cents, concerned A, B, C: exact ceilings 333 333.33.. each,
    #   shown 333 334 / 333 333 / 333 333. A 333 333.33 x 0.80 = 266 666.67 ; B x 0.50 = 166 666.67 ;
    #   C not evaluable: 0. Exact sum 433 333.33 -> 433 333 distributed; floors 266 666 + 166 666, one
    #   cent left, remainders tie (.67) -> A: 266 667 and 166 666.
    # Modulation A x 0.5 over ALL its lines: 1 500 000 + 0 + 0 + 266 667 = 1 766 667 -> 883 333.5 ->
    #   883 333 cents: NAT_1 750 000, ATB 133 333 (133 333.5 rounded down, nothing left to give).
    assert inter[(A, "NAT_1")]["montant_calcule"] == Decimal("15000.00")
    assert inter[(A, "NAT_1")]["montant"] == Decimal("7500.00")
    assert inter[(A, "NAT_1")]["economie"] == Decimal("50000.00")
    assert (inter[(A, "NAT_1")]["atteinte"], inter[(A, "NAT_1")]["formule"]) == (Decimal("1"), "proportionnelle")
    assert inter[(A, "NAT_1")]["methode_periode"] == "annee_civile" and inter[(A, "NAT_1")]["debut_periode"] == JAN1
    assert inter[(A, "NAT_3")]["montant"] == Decimal("0.00") and inter[(A, "NAT_3")]["atteinte"] == Decimal("0.5")
    assert inter[(A, "ATB")]["montant_plafond"] == Decimal("3333.34")
    assert inter[(A, "ATB")]["montant_calcule"] == Decimal("2666.67")
    assert inter[(A, "ATB")]["montant"] == Decimal("1333.33")
    for code in ("NAT_1", "NAT_3", "NAT_4", "ATB"):
        assert inter[(A, code)]["coefficient_modulation"] == Decimal("0.5")
        assert inter[(A, code)]["motif_modulation"] == "objectifs du plan d'actions partiellement atteints"
    assert inter[(B, "ATB")]["montant"] == Decimal("1666.66") and inter[(B, "ATB")]["motif_modulation"] is None
    assert inter[(C, "ATB")]["montant"] == Decimal("0.00") and inter[(C, "ATB")]["montant_plafond"] == Decimal("3333.33")
    # B's first contract year from 1 July 2023: NAT_5 prorated by days, 184/365 of both years:
    #   73 000.00 x 184/365 - 36 500.00 x 184/365 = 18 400.00 ; x 0.30 x 1 = 5 520.00.
    #   NAT_4 from dated lines: 1 500.00 - 1 000.00 = 500.00 ; x 0.30 x attainment 0.4 = 60.00.
    assert (inter[(B, "NAT_5")]["economie"], inter[(B, "NAT_5")]["montant"]) == (Decimal("18400.00"), Decimal("5520.00"))
    assert inter[(B, "NAT_5")]["methode_periode"] == "prorata_jours" and inter[(B, "NAT_5")]["debut_periode"] == date(N, 7, 1)
    assert (inter[(B, "NAT_4")]["economie"], inter[(B, "NAT_4")]["montant"]) == (Decimal("500.00"), Decimal("60.00"))
    assert inter[(B, "NAT_4")]["methode_periode"] == "lignes_phev"
    # MIPA: B alone is concerned but not evaluable -> 0 (the theme distributes nothing)
    assert inter[(B, "MIPA")]["montant"] == Decimal("0.00")
    assert (C, "DLR") not in inter and (C, "NAT_2") not in inter

    sanc = {(r["finess_ej"], r["motif"], r["type_decision"]): r for r in t["fct_sanction"]}
    # A: V1 score 75.00 -> 20 000 000.00 x 1 % x 0.25 = 50 000.00, limited by the impact on spending:
    #   NAT_4 210 000 - 190 000 = 20 000.00 above target (NAT_1 below, NAT_3 a rate) -> 20 000.00.
    a = sanc[(A, "non_atteinte", "sanction_financiere")]
    assert (a["montant_calcule"], a["montant"], a["impact"], a["plafond"]) == (
        Decimal("20000.00"), Decimal("20000.00"), Decimal("20000.00"), Decimal("200000.00"))
    assert "L. 162-30-4" in a["reference_article"] and "loi n° 2016-1827" in a["reference_article"]
    assert a["date_proposition"] == date(2022, 3, 1)
    # ... and the mise sous accord préalable beside it, never in place of it
    m = sanc[(A, "non_atteinte", "mise_sous_accord_prealable")]
    assert (m["montant"], m["volet"], m["motif_dg"], m["choix_dg"]) == (
        Decimal("0.00"), "V1", "prescriptions de pansements à contrôler", "accord_prealable")
    assert "L. 162-1-17" in m["reference_article"]
    # B: refusal of the V2 proposal of 01/02/2023 -> 1 % x 3 000 000.00 = 30 000.00 (base exercice N)
    b = sanc[(B, "refus", "sanction_financiere")]
    assert (b["montant"], b["exercice_base"], b["date_proposition"]) == (Decimal("30000.00"), N, date(2023, 2, 1))
    assert "L. 162-30-2" in b["reference_article"]
    # D refused in 2022: not sanctioned again in 2023
    assert not any(r["finess_ej"] == D for r in t["fct_sanction"])
    # E: refusal replaced by the liste en sus reduction: 30 % x 400 000.00 = 120 000.00, rate and base shown
    e = sanc[(E, "refus", "reduction_liste_en_sus")]
    assert (e["taux"], e["base_liste_en_sus"], e["montant"], e["base_produits_am"]) == (
        Decimal("0.300000"), Decimal("400000.00"), Decimal("120000.00"), Decimal("10000000.00"))
    assert (e["motif_dg"], e["choix_dg"]) == ("réduction liste en sus préférée", "reduction_liste_en_sus")
    assert "L. 162-22-7" in e["reference_article"]
    # F: 1 000 000.00 x 1 % x 0.5 = 5 000.00 (impact 20 000.00 does not bind), retained 2 000.00 by the DG
    f = sanc[(F, "non_atteinte", "sanction_financiere")]
    assert (f["montant_calcule"], f["montant"], f["motif_dg"], f["choix_dg"]) == (
        Decimal("5000.00"), Decimal("2000.00"), "plan d'actions engagé", "reduction")
    assert {r["statut"] for r in t["fct_sanction"]} == {"notifiee"}
    assert not any(r["finess_ej"] == C for r in t["fct_sanction"])  # no produits AM: withheld

    proc = {r["finess_ej"]: r for r in t["fct_procedure"]}
    assert set(proc) == {A, B, E, F}
    # notices issued on 1 March; no receipt known yet: no deadline runs
    assert all(p["etape"] == "notification_prealable" and p["date_limite_observations"] is None
               and p["en_attente"] == "accuse_reception" for p in proc.values())
    assert proc[B]["montant_notifie"] == Decimal("30000.00") and proc[B]["date_decision"] is None
    assert proc[A]["montant_notifie"] == Decimal("20000.00")

    raisons = {(r["finess_ej"], r["objet"]): r["raison"] for r in t["fct_retenue"]}
    assert "non évaluable" in raisons[(C, "interessement_regional:ATB")]
    assert "non évaluable" in raisons[(B, "interessement_regional:MIPA")]
    assert "absents" in raisons[(C, "sanction")]
    assert "non évaluable" in raisons[(C, f"interessement_national:NAT_2:{C1}")]
    assert "non redistribués" in raisons[(A, "interessement:modulation")]
    assert "non évaluable" in raisons[(C, "sanction:non_atteinte:V1")]
    assert "pas de nouvelle sanction" in raisons[(D, "sanction:refus:V2")]
    assert "sans sanction" in raisons[(D, "sanction:decision_dg:refus:renonciation")]
    assert "ne court pas" in raisons[(E, "procedure:accuse_reception")]
    assert all(r["run_id"] == "2023-run1" for rows in t.values() if rows is not t["meta.procedure"] for r in rows)

    assert result["rows"]["fct_sanction"] == 5
    assert result["totals"] == {"interessement_national": "13080.00", "interessement_regional": "2999.99",
                                "sanctions": "172000.00"}
    assert result["warnings"] == [] and result["en_attente"] == {"accuse_reception": 4}

    # idempotence: the same run again yields identical tables and no new procedure state
    outcomes_stage(c)
    assert dump(c.warehouse) == t


def _states(t):
    return {r["finess_ej"]: r for r in t["fct_procedure"]}


def test_procedure_from_receipt_avis_and_replay(out):
    outcomes_stage(ctx(out, "2024-03-01", "2023-run1"))
    # receipts known: deadlines from them; B's observations (10 March) recorded; E still waits
    outcomes_stage(ctx(out, "2024-03-15", "2023-run2"))
    proc = _states(dump(ctx(out, "2024-03-15", "x").warehouse))
    assert (proc[A]["date_reception_notification"], proc[A]["date_limite_observations"]) == (
        date(2024, 3, 5), date(2024, 4, 4))
    assert proc[B]["etape"] == "observations_recues" and proc[B]["date_limite_observations"] == date(2024, 4, 3)
    assert proc[E]["en_attente"] == "accuse_reception" and proc[E]["date_limite_observations"] is None
    assert proc[F]["en_attente"] == "delai"

    # on B's deadline day: not passed yet, no decision
    outcomes_stage(ctx(out, "2024-04-03", "2023-run3"))
    proc = _states(dump(ctx(out, "2024-04-03", "x").warehouse))
    assert proc[B]["etape"] == "observations_recues" and proc[B]["en_attente"] == "delai"

    # the day after: B decided (refusal: no avis needed), reduced to 20 000.00 by its observations;
    # F's deadline has passed too but its non-attainment décision waits for the CPAM's avis
    outcomes_stage(ctx(out, "2024-04-04", "2023-run4"))
    t = dump(ctx(out, "2024-04-04", "x").warehouse)
    proc = _states(t)
    assert proc[B]["etape"] == "decision" and proc[B]["montant_final"] == Decimal("20000.00")
    assert proc[B]["date_decision"] == date(2024, 4, 4) and proc[B]["date_avis_cpam"] is None
    assert proc[F]["etape"] == "notification_prealable" and proc[F]["en_attente"] == "avis_cpam"
    assert proc[A]["en_attente"] == "delai"
    assert ("procedure:avis_cpam" in {r["objet"] for r in t["fct_retenue"] if r["finess_ej"] == F})

    # A: deadline 4 April passed, avis of 20 March known -> décision citing it
    outcomes_stage(ctx(out, "2024-04-05", "2023-run5"))
    t = dump(ctx(out, "2024-04-05", "x").warehouse)
    proc = _states(t)
    assert proc[A]["etape"] == "decision" and proc[A]["montant_final"] == Decimal("20000.00")
    assert (proc[A]["date_avis_cpam"], proc[A]["sens_avis_cpam"], proc[A]["commentaire_avis_cpam"]) == (
        date(2024, 3, 20), "favorable", "manquements constatés sur les pansements")
    assert proc[A]["en_attente"] is None
    assert all(p["date_decision"] > p["date_limite_observations"] for p in proc.values() if p["date_decision"])
    sanc = {(r["finess_ej"], r["motif"], r["type_decision"]): r for r in t["fct_sanction"]}
    assert sanc[(B, "refus", "sanction_financiere")]["montant"] == Decimal("20000.00")
    assert sanc[(B, "refus", "sanction_financiere")]["statut"] == "decidee"
    assert sanc[(A, "non_atteinte", "mise_sous_accord_prealable")]["statut"] == "decidee"
    history = t["meta.procedure"]
    assert [(r["finess_ej"], r["sequence"], r["etape"], r["date_evenement"]) for r in history] == [
        (A, 1, "notification_prealable", date(2024, 3, 1)), (A, 2, "notification_prealable", date(2024, 3, 5)),
        (A, 3, "decision", date(2024, 4, 5)),
        (B, 1, "notification_prealable", date(2024, 3, 1)), (B, 2, "notification_prealable", date(2024, 3, 4)),
        (B, 3, "observations_recues", date(2024, 3, 10)), (B, 4, "decision", date(2024, 4, 4)),
        (E, 1, "notification_prealable", date(2024, 3, 1)),
        (F, 1, "notification_prealable", date(2024, 3, 1)), (F, 2, "notification_prealable", date(2024, 3, 4)),
    ]
    decision_a = history[2]
    assert "R. 421-1" in decision_a["voies_recours"] and "recommandée" not in decision_a["voies_recours"]
    assert decision_a["date_avis_cpam"] == date(2024, 3, 20)

    # the same date and inputs again: nothing added to meta.procedure, same tables
    outcomes_stage(ctx(out, "2024-04-05", "2023-run5"))
    assert dump(ctx(out, "2024-04-05", "x").warehouse) == t

    # replay an earlier date: the state as of then, and the stored history is untouched
    outcomes_stage(ctx(out, "2024-03-15", "2023-run2"))
    t2 = dump(ctx(out, "2024-03-15", "x").warehouse)
    assert t2["meta.procedure"] == history
    assert {r["finess_ej"]: r["etape"] for r in t2["fct_procedure"]} == {
        A: "notification_prealable", B: "observations_recues", E: "notification_prealable",
        F: "notification_prealable"}


def test_switches_off_report_without_amount(out, tmp_path):
    ref = _variant(tmp_path, lambda d: d["sanctions"].update(refus=False, non_atteinte=False))
    c = ctx(out, "2024-03-01", "r", ref)
    outcomes_stage(c)
    t = dump(c.warehouse)
    assert {(r["finess_ej"], r["statut"], r["montant"]) for r in t["fct_sanction"]} == {
        (A, "signalement", Decimal("0.00")), (B, "signalement", Decimal("0.00")),
        (E, "signalement", Decimal("0.00")), (F, "signalement", Decimal("0.00"))}
    assert t["fct_procedure"] == [] and t["meta.procedure"] == []


def test_referentiel_parameters_reach_the_amounts(out, tmp_path):
    def change(d):
        d["exercice_base"] = "N-1"
        d["sanctions"]["impact"] = "aucun"
        d["national"] = {"formule": "seuil", "seuil_atteinte": "0.50"}
        d["indicateurs"][0]["part_nationale"] = "0.35"

    c = ctx(out, "2024-03-01", "r", _variant(tmp_path, change))
    result = outcomes_stage(c)
    t = dump(c.warehouse)
    sanc = {(r["finess_ej"], r["motif"], r["type_decision"]): r for r in t["fct_sanction"]}
    # exercice N-1: B's base is 9 999 999.00 -> 99 999.99; the others have no 2022 produits AM
    assert sanc[(B, "refus", "sanction_financiere")]["montant"] == Decimal("99999.99")
    assert sanc[(B, "refus", "sanction_financiere")]["exercice_base"] == N - 1
    assert {k[0] for k in sanc} == {B}
    inter = {(r["finess_ej"], r["code"]): r for r in t["fct_interessement"]}
    # seuil 0.50: A NAT_1 (attainment 1, share 0.35) pays 0.35 x 50 000.00 = 17 500.00 before
    # modulation; B NAT_4 (attainment 0.4 < 0.50) pays nothing
    assert inter[(A, "NAT_1")]["montant_calcule"] == Decimal("17500.00") and inter[(A, "NAT_1")]["formule"] == "seuil"
    assert inter[(B, "NAT_4")]["montant"] == Decimal("0.00")
    assert any("NAT_1" in w and "0.35" in w for w in result["warnings"])
    # impact: aucun -> the first term alone (checked on a base that exists in N-1 by unit tests)


OLD_PROCEDURE = """finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, sequence INTEGER NOT NULL,
    etape VARCHAR NOT NULL, date_evenement DATE NOT NULL, date_notification DATE NOT NULL,
    date_limite_observations DATE NOT NULL, montant_notifie DECIMAL(18,2) NOT NULL, faits VARCHAR,
    date_reception_observations DATE, suite_observations VARCHAR, montant_retenu DECIMAL(18,2),
    motif_observations VARCHAR, date_decision DATE, montant_final DECIMAL(18,2),
    voies_recours VARCHAR, run_id VARCHAR NOT NULL"""
OLD_SANCTION = """finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, motif VARCHAR NOT NULL,
    volet VARCHAR, base_produits_am DECIMAL(18,2), exercice_base INTEGER, taux DECIMAL(9,6),
    montant_calcule DECIMAL(18,2), montant DECIMAL(18,2) NOT NULL, plafond DECIMAL(18,2),
    plafond_applique VARCHAR, type_decision VARCHAR, statut VARCHAR NOT NULL,
    detail VARCHAR, run_id VARCHAR NOT NULL"""


def test_warehouse_of_an_earlier_version_is_migrated(tmp_path, warehouse_builder):
    path = tmp_path / "out" / "warehouse" / "caqes.duckdb"
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA meta; CREATE SCHEMA marts")
    con.execute(f"CREATE TABLE meta.procedure ({OLD_PROCEDURE})")
    con.execute(f"CREATE TABLE marts.fct_sanction ({OLD_SANCTION})")
    con.execute("INSERT INTO meta.procedure VALUES ('999999999', 2022, 1, 'decision', '2023-04-01', '2023-03-01', "
                "'2023-03-31', 10.00, 'f', NULL, NULL, NULL, NULL, '2023-04-01', 10.00, 'v', 'old')")
    con.close()
    warehouse_builder(path, DATA)
    outcomes_stage(ctx(tmp_path, "2024-03-01", "r"))
    t = dump(path)
    assert len(t["fct_sanction"]) == 5 and "reference_article" in t["fct_sanction"][0]
    assert t["meta.procedure"][-1]["run_id"] == "old"  # earlier history kept as it was
    assert {r["date_limite_observations"] for r in t["meta.procedure"] if r["run_id"] == "r"} == {None}
