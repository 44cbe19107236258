"""The campaign report heads each EJ page with its name; an EJ without a name shows its number once, not twice."""

from __future__ import annotations

import duckdb

from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.report.data import load_campaign
from caqes_tasks.report.render import render_html
from caqes_tasks.warehouse import connect


def _html(ctx) -> str:
    with connect(ctx.warehouse, read_only=True) as con:
        campaign = load_campaign(con, ctx.year)
    ref = load_referentiel(ctx.referentiel)
    return render_html(campaign, run_id=ctx.run_id, as_of=ctx.as_of, ref=ref, n_inputs=1)


def test_sections_are_headed_by_the_ej_name_or_once_by_its_number(ctx, sample):
    named, _, *_ = sample.EJS[2]
    unnamed = sample.EJS[3][0]
    with duckdb.connect(str(ctx.warehouse)) as con:
        con.execute("UPDATE marts.dim_etablissement SET raison_sociale_ej = NULL WHERE finess_ej = ?", [unnamed])
    html = _html(ctx)
    assert f'<h2>Centre hospitalier de Pau <span class="finess">FINESS EJ {named}</span></h2>' in html
    assert f"<h2>Entité juridique {unnamed}</h2>" in html
    assert f"{unnamed} FINESS EJ {unnamed}" not in html and f">{unnamed}</a>" not in html
