"""The outcomes stage on a small hand-made warehouse (real DuckDB file), re-runs and procedure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from caqes_tasks.context import RunContext
from caqes_tasks.outcomes.stage import outcomes_stage

A, B, C = "330000011", "330000029", "330000037"  # EJs
A1, A2, B1, C1 = "330100011", "330100029", "330200011", "330300011"  # ETs
N = 2023


def _eval(geo, ej, ind, type_, theme, montant=None, montant_ref=None, sous_contrat=True):
    return {"finess_geo": geo, "finess_ej": ej, "annee": N, "indicateur": ind, "type_indicateur": type_,
            "volet": "V1", "theme": theme, "sens": "lower_is_better", "sous_contrat": sous_contrat,
            "montant": montant, "montant_reference": montant_ref, "evaluable": True}


def _score(ej, niveau, code, score):
    return {"finess_ej": ej, "annee": N, "niveau": niveau, "code": code, "volet": "V1",
            "score": score, "evaluable": score is not None, "nb_elements": 1}


def _contrat(ej, volet, statut, propose=True):
    return {"finess_ej": ej, "annee": N, "volet": volet, "propose": propose, "statut": statut,
            "en_vigueur": statut == "signe", "date_effet": date(2022, 7, 1) if statut == "signe" else None,
            "date_fin": date(2024, 12, 31) if statut == "signe" else None}


DATA = {
    "marts.dim_etablissement": [
        {"finess_geo": g, "finess_ej": ej, "annee": N} for g, ej in ((A1, A), (A2, A), (B1, B), (C1, C))
    ],
    "marts.fct_contractualisation": [
        _contrat(A, "V1", "signe"),
        _contrat(B, "V1", "signe"), _contrat(B, "V2", "refus"),
        _contrat(C, "V1", "signe"), _contrat(C, "V2", "refus"),
    ],
    "marts.fct_evaluation": [
        _eval(A1, A, "NAT_1", "national", "NAT_PS", Decimal("450000.00"), Decimal("500000.00")),
        _eval(A2, A, "NAT_3", "national", "NAT_EPA", Decimal("10500.00"), Decimal("10000.00")),
        _eval(A1, A, "ATB", "regional", "ATB"),
        _eval(B1, B, "ATB", "regional", "ATB"),
        _eval(B1, B, "MIPA", "regional", "MIPA"),
        _eval(C1, C, "ATB", "regional", "ATB"),
        _eval(C1, C, "NAT_2", "national", "NAT_PS"),  # no amounts: withheld
        _eval(C1, C, "DLR", "regional", "IATRO", sous_contrat=False),  # not under contract: ignored
    ],
    "marts.fct_score": [
        _score(A, "theme", "ATB", Decimal("80.00")), _score(A, "volet", "V1", Decimal("75.00")),
        _score(B, "theme", "ATB", Decimal("50.00")), _score(B, "theme", "MIPA", None),
        _score(B, "volet", "V1", Decimal("100.00")),
        _score(C, "theme", "ATB", None), _score(C, "volet", "V1", None),
    ],
    "raw.produits_am": [
        {"finess_ej": A, "exercice": N, "produits_am": Decimal("20000000.00")},
        {"finess_ej": B, "exercice": N, "produits_am": Decimal("3000000.00")},
        {"finess_ej": B, "exercice": N - 1, "produits_am": Decimal("9999999.00")},  # not the base exercice
    ],
    "raw.enveloppes": [
        {"annee": N, "theme": "ATB", "montant": Decimal("10000.00")},
        {"annee": N, "theme": "MIPA", "montant": Decimal("1000.00")},
    ],
    "raw.modulations": [{"finess_ej": A, "annee": N, "coefficient": Decimal("0.5"), "motif": "objectifs partiels"}],
    "raw.observations": [
        {"finess_ej": B, "annee": N, "date_reception": date(2024, 3, 10), "suite": "reduite",
         "montant_retenu": Decimal("20000.00"), "motif": "volet V2 en cours de signature"},
    ],
}


def ctx(tmp_path, as_of, run_id):
    return RunContext(year=N, landing=tmp_path / "landing", out=tmp_path / "out", as_of=as_of, run_id=run_id)


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


def test_stage_by_hand_and_idempotent(out):
    c = ctx(out, "2024-03-01", "2023-run1")
    result = outcomes_stage(c)
    t = dump(c.warehouse)

    # no float anywhere
    for rows in t.values():
        for r in rows:
            assert not any(isinstance(v, float) for v in r.values()), r

    inter = {(r["finess_ej"], r["code"]): r for r in t["fct_interessement"]}
    # A / NAT_1: savings 500 000.00 - 450 000.00 = 50 000.00; 30 % = 15 000.00 computed.
    # A / NAT_3: spending rose (-500.00): 0.
    # ATB envelope 10 000.00 = 1 000 000 cents, concerned A, B, C: ceilings 333 334 / 333 333 / 333 333
    #   (tie of thirds -> smaller finess A). A 333 334 x 0.80 = 266 667.2 ; B 333 333 x 0.50 = 166 666.5 ;
    #   C not evaluable: 0. Exact sum 433 333.7 -> distributed 433 333 = 266 667 + 166 666.
    # Modulation A x 0.5: 1 500 000 + 0 + 266 667 = 1 766 667 -> 883 333.5 -> 883 333 cents:
    #   NAT_1 750 000, NAT_3 0, ATB 133 333 (133 333.5 rounded down, nothing left to give).
    assert inter[(A, "NAT_1")]["montant_calcule"] == Decimal("15000.00")
    assert inter[(A, "NAT_1")]["montant"] == Decimal("7500.00")
    assert inter[(A, "NAT_1")]["economie"] == Decimal("50000.00")
    assert inter[(A, "NAT_3")]["montant"] == Decimal("0.00")
    assert inter[(A, "ATB")]["montant_plafond"] == Decimal("3333.34")
    assert inter[(A, "ATB")]["montant_calcule"] == Decimal("2666.67")
    assert inter[(A, "ATB")]["montant"] == Decimal("1333.33")
    assert inter[(A, "ATB")]["coefficient_modulation"] == Decimal("0.5")
    assert inter[(B, "ATB")]["montant"] == Decimal("1666.66")
    assert inter[(C, "ATB")]["montant"] == Decimal("0.00") and inter[(C, "ATB")]["montant_plafond"] == Decimal("3333.33")
    # MIPA: B alone is concerned but not evaluable -> 0 (the theme distributes nothing)
    assert inter[(B, "MIPA")]["montant"] == Decimal("0.00")
    assert (C, "DLR") not in inter and (C, "NAT_2") not in inter

    sanc = {(r["finess_ej"], r["motif"]): r for r in t["fct_sanction"]}
    # A: V1 score 75.00 -> 20 000 000.00 x 1 % x 0.25 = 50 000.00 (cap 1 % = 200 000.00)
    assert sanc[(A, "non_atteinte")]["montant"] == Decimal("50000.00")
    assert sanc[(A, "non_atteinte")]["plafond"] == Decimal("200000.00")
    # B: refusal of V2 -> 1 % x 3 000 000.00 = 30 000.00 (base exercice N, not N-1)
    assert sanc[(B, "refus")]["montant"] == Decimal("30000.00")
    assert sanc[(B, "refus")]["exercice_base"] == N
    assert {r["statut"] for r in t["fct_sanction"]} == {"notifiee"}
    assert (C, "refus") not in sanc  # no produits AM: withheld

    proc = {r["finess_ej"]: r for r in t["fct_procedure"]}
    assert set(proc) == {A, B}
    assert proc[A]["etape"] == "notification_prealable"
    assert proc[A]["date_limite_observations"] == date(2024, 3, 31)
    assert proc[B]["montant_notifie"] == Decimal("30000.00") and proc[B]["date_decision"] is None

    raisons = {(r["finess_ej"], r["objet"]): r["raison"] for r in t["fct_retenue"]}
    assert "non évaluable" in raisons[(C, "interessement_regional:ATB")]
    assert "non évaluable" in raisons[(B, "interessement_regional:MIPA")]
    assert "absents" in raisons[(C, "sanction")]
    assert "non calculable" in raisons[(C, f"interessement_national:NAT_2:{C1}")]
    assert "non redistribués" in raisons[(A, "interessement:modulation")]
    assert "non évaluable" in raisons[(C, "sanction:non_atteinte:V1")]
    assert all(r["run_id"] == "2023-run1" for rows in t.values() if rows is not t["meta.procedure"] for r in rows)

    assert result["rows"]["fct_sanction"] == 2
    assert result["totals"] == {"interessement_national": "7500.00", "interessement_regional": "2999.99",
                                "sanctions": "80000.00"}

    # idempotence: the same run again yields identical tables and no new procedure state
    outcomes_stage(c)
    assert dump(c.warehouse) == t


def test_decision_after_deadline_and_replay(out):
    outcomes_stage(ctx(out, "2024-03-01", "2023-run1"))
    # before the deadline: B's observations (received 10 March) are recorded, no decision yet
    outcomes_stage(ctx(out, "2024-03-15", "2023-run2"))
    t = dump(ctx(out, "2024-03-15", "x").warehouse)
    proc = {r["finess_ej"]: r for r in t["fct_procedure"]}
    assert proc[B]["etape"] == "observations_recues" and proc[B]["suite_observations"] == "reduite"
    assert proc[A]["date_decision"] is None and proc[B]["date_decision"] is None

    # deadline reached: decisions; B's observations reduce its amount to 20 000.00
    outcomes_stage(ctx(out, "2024-03-31", "2023-run3"))
    t = dump(ctx(out, "2024-03-31", "x").warehouse)
    proc = {r["finess_ej"]: r for r in t["fct_procedure"]}
    assert proc[A]["etape"] == proc[B]["etape"] == "decision"
    assert proc[A]["montant_final"] == Decimal("50000.00") and proc[B]["montant_final"] == Decimal("20000.00")
    assert all(r["date_decision"] >= r["date_limite_observations"] for r in proc.values())
    sanc = {(r["finess_ej"], r["motif"]): r for r in t["fct_sanction"]}
    assert sanc[(B, "refus")]["montant"] == Decimal("20000.00") and sanc[(B, "refus")]["statut"] == "decidee"
    history = t["meta.procedure"]
    assert [(r["finess_ej"], r["etape"]) for r in history] == [
        (A, "notification_prealable"), (A, "decision"),
        (B, "notification_prealable"), (B, "observations_recues"), (B, "decision"),
    ]
    assert "tribunal administratif" in history[-1]["voies_recours"]

    # replay an earlier date: the state as of then, and the stored history is untouched
    outcomes_stage(ctx(out, "2024-03-15", "2023-run2"))
    t2 = dump(ctx(out, "2024-03-15", "x").warehouse)
    assert t2["meta.procedure"] == history
    assert {r["finess_ej"]: r["etape"] for r in t2["fct_procedure"]} == {A: "notification_prealable",
                                                                         B: "observations_recues"}


def test_switches_off_report_without_amount(out, tmp_path):
    import yaml

    from caqes_tasks.referentiel import DEFAULT_REFERENTIEL

    data = yaml.safe_load(DEFAULT_REFERENTIEL.read_text(encoding="utf-8"))
    data["sanctions"].update(refus=False, non_atteinte=False)
    ref = tmp_path / "ref.yml"
    ref.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    c = RunContext(year=N, landing=tmp_path, out=tmp_path / "out", as_of="2024-03-01", run_id="r", referentiel=ref)
    outcomes_stage(c)
    t = dump(c.warehouse)
    assert {(r["finess_ej"], r["motif"], r["statut"], r["montant"]) for r in t["fct_sanction"]} == {
        (A, "non_atteinte", "signalement", Decimal("0.00")), (B, "refus", "signalement", Decimal("0.00"))}
    assert t["fct_procedure"] == [] and t["meta.procedure"] == []
