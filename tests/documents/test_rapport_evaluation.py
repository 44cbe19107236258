"""The rapport d'évaluation annuel (contrat type art. 8–9): opened as a PDF, it states the
warehouse's figures for a known EJ of the demo; once issued it is kept as it was."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from decimal import Decimal

import pytest
from documents_fixtures import AS_OF, COMMENTAIRE, YEAR, pdf_text, query

from caqes_tasks.notices.formatting import euros, normalise_spaces, pourcent, taux
from caqes_tasks.notices.render import valeur_indicateur


def _n(text: str) -> str:
    return normalise_spaces(text)


def _rapport(out, ej):
    return out / "rapports" / str(YEAR) / ej / "rapport_evaluation.pdf"


def _known_ej(evaluated) -> str:
    """The first contracted EJ that sent a self-assessment and has a contract score."""
    scored = {ej for (ej,) in query(evaluated["out"], "SELECT finess_ej FROM marts.fct_score WHERE annee = ? AND niveau = 'contrat'", [YEAR])}
    return next(ej for ej in evaluated["autoevaluations"] if ej in scored)


def test_every_concerned_ej_gets_a_rapport(evaluated):
    out = evaluated["out"]
    in_force = {ej for (ej,) in query(out, "SELECT DISTINCT finess_ej FROM marts.fct_contractualisation WHERE annee = ? AND en_vigueur", [YEAR])}
    assert in_force, "the demo has contracts in force in 2022"
    for ej in in_force:
        assert _rapport(out, ej).is_file(), ej
    assert evaluated["results"]["rapports"]["rows"]["rapports"] >= len(in_force)


def test_rapport_states_targets_results_scores_and_amounts_of_the_marts(evaluated):
    out = evaluated["out"]
    ej = _known_ej(evaluated)
    text = pdf_text(_rapport(out, ej))
    assert "Rapport d'évaluation annuel" in text
    assert "article 8 du contrat type" in text and "article 9 du contrat type" in text
    [(nom,)] = query(out, "SELECT coalesce(max(raison_sociale_ej), 'Entité juridique ' || ?) FROM marts.dim_etablissement "
                          "WHERE annee = ? AND finess_ej = ?", [ej, YEAR, ej])  # fmt: skip
    assert _n(nom) in text

    # per ET × indicator of the contracted perimeter: reference, target, result, attainment
    from caqes_tasks.referentiel import load_referentiel

    mesures = {i.code: i.mesure for i in load_referentiel(None).indicateurs}
    rows = query(out, "SELECT finess_geo, indicateur, valeur_reference, objectif, valeur, atteinte, evaluable, motif_non_evaluable "
                      "FROM marts.fct_evaluation WHERE annee = ? AND finess_ej = ? AND sous_contrat "
                      "AND type_indicateur <> 'plan_action'", [YEAR, ej])  # fmt: skip
    assert rows
    for geo, ind, ref, obj, val, att, evaluable, motif in rows:
        assert geo in text and ind in text
        for figure in (ref, obj, val):
            if figure is not None:
                assert _n(valeur_indicateur(figure, mesures[ind])) in text, (geo, ind, figure)
        if evaluable:
            assert _n(taux(att, 2)) in text, (geo, ind, att)
        elif motif:
            assert _n(motif)[:40] in text

    # scores of theme, volet and contract with their weights
    scores = query(out, "SELECT niveau, code, score FROM marts.fct_score WHERE annee = ? AND finess_ej = ?", [YEAR, ej])
    for niveau, code, score in scores:
        assert code in text
        assert (_n(pourcent(score)) if score is not None else "non évaluable") in text, (niveau, code)
    assert "Poids" in text

    # the intéressement: national, regional, total
    amounts = dict(query(out, "SELECT type, sum(montant) FROM marts.fct_interessement WHERE annee = ? AND finess_ej = ? GROUP BY type", [YEAR, ej]))
    national, regional = amounts.get("national", Decimal("0.00")), amounts.get("regional", Decimal("0.00"))
    assert f"Intéressement national (économies sur les dépenses d'assurance maladie, indicateurs nationaux) : {_n(euros(national))}" in text
    assert f"fonds d'intervention régional) : {_n(euros(regional))}" in text
    total = sum(amounts.values(), Decimal("0.00"))
    assert f"Montant total de l'intéressement après prise en compte de l'ensemble des résultats : {_n(euros(total))}" in text

    # what the establishment's self-assessment said
    assert "Autoévaluation transmise par l'établissement" in text
    assert _n(COMMENTAIRE)[:60] in text and "partiellement réalisé" in text


def test_rapport_lists_the_action_plan_items(evaluated):
    out = evaluated["out"]
    rows = query(out, "SELECT d.finess_ej, e.engagement_id, e.realise FROM raw.engagements e "
                      "JOIN marts.dim_etablissement d USING (finess_geo, annee) WHERE e.annee = ? ORDER BY 1, 2", [YEAR])  # fmt: skip
    ejs = {ej for ej, *_ in rows} & {p.parent.name for p in (out / "rapports" / str(YEAR)).glob("*/rapport_evaluation.pdf")}
    assert ejs, "an EJ with action-plan items has a rapport"
    ej = sorted(ejs)[0]
    text = pdf_text(_rapport(out, ej))
    items = [(i, r) for e, i, r in rows if e == ej]
    for item, _ in items:
        assert item in text
    done = sum(1 for _, r in items if r)
    assert f"{done} action{'s' if done > 1 else ''} réalisée{'s' if done > 1 else ''} sur" in text


def test_rapport_says_when_no_self_assessment_was_received(evaluated):
    out = evaluated["out"]
    without = [ej for ej in evaluated["ejs"] if ej not in evaluated["autoevaluations"] and _rapport(out, ej).is_file()]
    assert without
    text = pdf_text(_rapport(out, without[0]))
    assert f"Aucune autoévaluation n'a été reçue de l'établissement pour l'année {YEAR}" in text


def test_rapport_reports_a_sanction_in_procedure(evaluated):
    out = evaluated["out"]
    issued = {p.parent.name for p in (out / "rapports" / str(YEAR)).glob("*/rapport_evaluation.pdf")}
    rows = query(out, "SELECT finess_ej, sum(montant) FROM marts.fct_sanction WHERE annee = ? AND montant > 0 GROUP BY 1 ORDER BY 1", [YEAR])
    rows = [(ej, m) for ej, m in rows if ej in issued]
    if not rows:
        pytest.skip("no sanctioned EJ with a rapport in the small demo")
    ej, montant = rows[0]
    text = pdf_text(_rapport(out, ej))
    [(notifie,)] = query(out, "SELECT montant_notifie FROM marts.fct_procedure WHERE annee = ? AND finess_ej = ?", [YEAR, ej])
    assert "Procédure contradictoire en cours" in text
    assert _n(euros(notifie if notifie is not None else montant)) in text


def test_an_issued_rapport_is_kept_byte_for_byte(evaluated, tmp_path):
    from caqes_tasks.context import RunContext
    from caqes_tasks.documents.stage import rapports_stage
    from caqes_tasks.notices.publish import NoticeIntegrityError
    from caqes_tasks.pipeline import hold_run_lock

    out = evaluated["out"]
    ej = _known_ej(evaluated)
    before = _rapport(out, ej).read_bytes()
    manifest = json.loads((out / "rapports" / str(YEAR) / "manifest.json").read_text())
    first_run = manifest["issued"][f"{ej}/rapport_evaluation"]["run_id"]
    saved = json.loads(next((out / "runs").glob(f"{YEAR}-*/context.json")).read_text())
    later = replace(RunContext.from_dict(saved), run_id=f"{YEAR}-later", as_of="2023-07-01", attempt="")
    with hold_run_lock(later, "rapports") as held:
        result = rapports_stage(held)
    assert result["rows"]["emis"] == 0
    assert _rapport(out, ej).read_bytes() == before
    manifest = json.loads((out / "rapports" / str(YEAR) / "manifest.json").read_text())
    issued = manifest["issued"][f"{ej}/rapport_evaluation"]
    assert (issued["run_id"], issued["date"]) == (first_run, AS_OF)
    assert manifest["run_id"] == f"{YEAR}-later"

    # an altered rapport stops the next run before anything is published
    path = _rapport(out, ej).resolve()
    saved_bytes = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(saved_bytes[:-10])
    try:
        with pytest.raises(NoticeIntegrityError), hold_run_lock(replace(later, run_id=f"{YEAR}-again"), "rapports") as held:
            rapports_stage(held)
    finally:
        path.write_bytes(saved_bytes)


def test_feeds_manifest_and_campaign_report_link_the_rapports(evaluated):
    out = evaluated["out"]
    ej = _known_ej(evaluated)
    feeds = json.loads((out / "feeds" / str(YEAR) / "latest" / "manifest.json").read_text())
    entry = feeds["documents"]["rapport_evaluation"][ej]
    assert (out / entry["pdf"]).read_bytes() == _rapport(out, ej).read_bytes()
    import hashlib

    assert entry["sha256_pdf"] == hashlib.sha256(_rapport(out, ej).read_bytes()).hexdigest()
    report = out / "reports" / str(YEAR) / f"campagne_{YEAR}.html"
    html = report.read_text(encoding="utf-8")
    href = f'../../rapports/{YEAR}/{ej}/rapport_evaluation.pdf'
    assert f'href="{href}"' in html
    # a browser resolves the link on the page's address, not through the published link's target
    assert Path(os.path.normpath(report.parent / href)) == out / "rapports" / str(YEAR) / ej / "rapport_evaluation.pdf"
    assert Path(os.path.normpath(report.parent / href)).read_bytes() == _rapport(out, ej).read_bytes()
