"""The analyse semestrielle des prescriptions (volet 1 art. 4): opened as a PDF, it states the
half-year's spending of the warehouse for a known EJ, its evolution, its position against the
target path and the product codes behind the change; its distribution list names four
recipients per EJ."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from documents_fixtures import YEAR, pdf_text, query
from typer.testing import CliRunner

from caqes_tasks.notices.formatting import euros, normalise_spaces, taux


def _n(text: str) -> str:
    return normalise_spaces(text)


def _folder(out, year=YEAR, half=1):
    return out / "analyses" / f"{year}-S{half}"


def _half_spending(out, geo, ind, year, half):
    months = (1, 6) if half == 1 else (7, 12)
    [(m, v)] = query(out, "SELECT sum(montant), sum(volume) FROM staging.stg_phev_lines WHERE finess_geo = ? AND indicateur = ? "
                          "AND annee = ? AND month(mois) BETWEEN ? AND ?", [geo, ind, year, *months])  # fmt: skip
    return m, v


def _known_ej(evaluated, semester_s1) -> str:
    analysed = {p.parent.name for p in _folder(evaluated["out"]).glob("*/analyse_semestrielle.pdf")}
    return sorted(analysed & set(evaluated["ejs"]))[0]


def test_analyses_for_every_ej_with_volet_1_in_force(evaluated, semester_s1):
    out = evaluated["out"]
    in_force = {ej for (ej,) in query(out, "SELECT finess_ej FROM marts.fct_contractualisation WHERE annee = ? AND volet = 'V1' AND en_vigueur", [YEAR])}
    assert in_force
    assert {p.parent.name for p in _folder(out).glob("*/analyse_semestrielle.pdf")} == in_force
    assert semester_s1["rows"]["analyses"] == len(in_force)


def test_analysis_states_half_year_spending_evolution_and_target_path(evaluated, semester_s1):
    out = evaluated["out"]
    ej = _known_ej(evaluated, semester_s1)
    text = pdf_text(_folder(out) / ej / "analyse_semestrielle.pdf")
    assert "Analyse semestrielle des prescriptions" in text and "premier semestre (janvier à juin) 2022" in text
    assert "R. 6111-10" in text and "OMéDIT" in text
    ets = query(out, "SELECT DISTINCT l.finess_geo, l.indicateur FROM staging.stg_phev_lines l JOIN marts.dim_etablissement d "
                     "ON d.finess_geo = l.finess_geo AND d.annee = ? WHERE d.finess_ej = ? AND l.annee = ? ORDER BY 1, 2",
                [YEAR, ej, YEAR])  # fmt: skip
    assert ets, "the known EJ has line-level spending in 2022"
    checked_path = 0
    for geo, ind in ets:
        cur, vol = _half_spending(out, geo, ind, YEAR, 1)
        prev, _ = _half_spending(out, geo, ind, YEAR - 1, 1)
        assert geo in text
        assert _n(euros(cur)) in text, (geo, ind, cur)
        if prev:
            assert _n(euros(prev)) in text, (geo, ind, prev)
            assert _n(taux((cur / prev - 1).quantize(Decimal("0.0001"), ROUND_HALF_UP), 2)) in text
        rows = query(out, "SELECT objectif FROM marts.fct_evaluation WHERE annee = ? AND finess_geo = ? AND indicateur = ? "
                          "AND type_indicateur = 'national'", [YEAR, geo, ind])  # fmt: skip
        if rows and rows[0][0] is not None and ind in ("NAT_1", "NAT_2", "NAT_4", "NAT_5") and prev:
            # path to end of June: annual target × share of 2021's spending made January–June
            total_prev = sum(_half_spending(out, geo, ind, YEAR - 1, h)[0] or 0 for h in (1, 2))
            path = (rows[0][0] * prev / total_prev).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert f"trajectoire de {_n(euros(path))}" in text, (geo, ind)
            checked_path += 1
    assert checked_path, "at least one amount indicator has a target path"


def test_analysis_names_the_product_codes_behind_the_change(evaluated, semester_s1):
    out, landing = evaluated["out"], evaluated["landing"]
    ej = _known_ej(evaluated, semester_s1)
    text = pdf_text(_folder(out) / ej / "analyse_semestrielle.pdf")
    geos = [g for (g,) in query(out, "SELECT finess_geo FROM marts.dim_etablissement WHERE annee = ? AND finess_ej = ?", [YEAR, ej])]
    frame = duckdb.sql(
        f"SELECT finess_geo, indicateur, code, year(date_execution) AS y, sum(montant_rembourse) AS m "
        f"FROM read_parquet('{landing}/phev_lines/**/*.parquet') WHERE month(date_execution) <= 6 GROUP BY ALL"
    ).df()
    frame = frame[frame.finess_geo.isin(geos)]
    assert not frame.empty
    pivot = frame.pivot_table(index=["finess_geo", "indicateur", "code"], columns="y", values="m", aggfunc="sum").fillna(0)
    pivot["delta"] = (pivot[YEAR] - pivot[YEAR - 1]).abs()
    geo, ind = pivot.index[0][:2]
    biggest = pivot.loc[(geo, ind)].sort_values("delta", ascending=False).index[0]
    assert f"code {biggest} (" in text


def test_distribution_lists_four_recipients_per_ej(evaluated, semester_s1):
    folder = _folder(evaluated["out"])
    payload = json.loads((folder / "distribution.json").read_text(encoding="utf-8"))
    analyses = sorted(p.parent.name for p in folder.glob("*/analyse_semestrielle.pdf"))
    assert payload["destinataires"] == ["cme", "omedit", "ars", "cpam"]
    assert len(payload["envois"]) == 4 * len(analyses)
    for row in payload["envois"]:
        pdf = folder / row["document"]
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == row["sha256"]
        assert row["statut"] == "a_envoyer"
    rows = list(csv.DictReader(io.StringIO((folder / "distribution.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert {(r["finess_ej"], r["destinataire"]) for r in rows} == {(ej, d) for ej in analyses for d in ("cme", "omedit", "ars", "cpam")}


def test_without_line_level_data_the_yearly_figures_are_shown(evaluated, semester_s1):
    """The demo's lines cover 2021–2022: for 2023 only yearly PHEV amounts exist."""
    from caqes_tasks.documents.semester import run_semester

    out = evaluated["out"]
    run_semester(2023, 1, evaluated["landing"], out, as_of="2023-09-01")
    pdfs = sorted(_folder(out, 2023, 1).glob("*/analyse_semestrielle.pdf"))
    assert pdfs
    ej = pdfs[0].parent.name
    text = pdf_text(pdfs[0])
    assert "La répartition semestrielle n'est pas disponible" in text
    yearly = query(out, "SELECT i.montant FROM marts.fct_indicateur i JOIN marts.dim_etablissement d USING (finess_geo, annee) "
                        "WHERE i.annee = 2023 AND d.finess_ej = ? AND i.type_indicateur = 'national' AND i.montant IS NOT NULL", [ej])  # fmt: skip
    assert yearly
    for (montant,) in yearly:
        assert _n(euros(montant)) in text


def test_a_second_run_keeps_the_issued_analyses(evaluated, semester_s1):
    from caqes_tasks.documents.semester import run_semester

    out = evaluated["out"]
    before = {p.name: p.read_bytes() for p in _folder(out).glob("*/analyse_semestrielle.pdf")}
    again = run_semester(2022, 1, evaluated["landing"], out, as_of="2022-09-02")
    assert again["rows"]["emises"] == 0
    assert {p.name: p.read_bytes() for p in _folder(out).glob("*/analyse_semestrielle.pdf")} == before


@pytest.mark.parametrize("args, message", [
    (["--year", "2022", "--half", "3"], "semestre invalide"),
    (["--year", "22", "--half", "1"], "année manquante ou invalide"),
])  # fmt: skip
def test_cli_refuses_bad_settings_on_one_line(tmp_path, args, message):
    from caqes_tasks.cli import app

    result = CliRunner().invoke(app, ["semester", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    err = result.stderr if hasattr(result, "stderr") else result.output
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "analyses").exists()
