"""What-if before the DG ARS decides: settings checked against the legal limits, exact per-EJ
comparison, unchanged settings give no difference, and nothing published is touched."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.context import RunContext
from caqes_tasks.feeds import feeds_stage
from caqes_tasks.outcomes.stage import outcomes_stage
from caqes_tasks.simulation.comparaison import comparer
from caqes_tasks.simulation.parametres import ParametreRefuse, lire
from published_run import record_as_last_run

from .random_region import NATIONAUX, REF, THEMES, ejs_strategy, entrees

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("caqes_outcomes_stage_data", Path(__file__).with_name("test_outcomes_stage.py"))
stage_data = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stage_data)


# -- settings -----------------------------------------------------------------------------------
@pytest.mark.parametrize("reglage, attendu", [
    ("non_atteinte_taux=0,02", "non_atteinte_taux = 0,02 : hors des limites [0 ; 0.01] : 1 % des produits AM par volet"),
    ("non_atteinte_taux=-0.001", "hors des limites"),
    ("part_nationale=1.5", "part_nationale = 1.5 : hors des limites [0 ; 1]"),
    (f"part_nationale.{THEMES[0]}=0.2", "indicateur national inconnu"),
    ("modulation.330000011=1.2", "le DG ARS ne peut que diminuer l'intéressement"),
    ("taux_refus=0.02", "non modifiable, le taux de la sanction de refus est fixé à 1 %"),
    ("plafond_annuel=0.1", "non modifiable, le plafond annuel de 5 %"),
    ("enveloppe.INCONNU=1000", "thème inconnu"),
    (f"enveloppe.{THEMES[0]}=-5", "un montant en euros positif, au centime"),
    (f"enveloppe.{THEMES[0]}=10.005", "un montant en euros positif, au centime"),
    (f"enveloppe.{THEMES[0]}=beaucoup", "un nombre est attendu"),
    ("formule=seuil", "précisez seuil_atteinte"),
    ("formule=lineaire", "valeurs possibles proportionnelle, seuil"),
    ("sanction.refus=peut-etre", "oui ou non attendu"),
    ("impact=tout", "valeurs possibles aucun, depenses"),
    ("foo=1", "réglage inconnu « foo »"),
    ("part_nationale", "la forme attendue est cle=valeur"),
])
def test_settings_outside_keys_or_legal_limits_are_refused_in_one_line(reglage, attendu):
    with pytest.raises(ParametreRefuse) as refused:
        lire([reglage], REF)
    assert attendu in str(refused.value) and "\n" not in str(refused.value)


def test_settings_read_french_numbers_and_keep_legal_values():
    p = lire(["part_nationale=0,25", f"enveloppe.{THEMES[0]}=12 000,50", "non_atteinte_taux=0.01",
              "formule=seuil", "seuil_atteinte=0,8", "sanction.refus=non", "modulation.330000011=aucune"], REF)
    assert p.part_nationale == Decimal("0.25") and p.enveloppes == {THEMES[0]: Decimal("12000.50")}
    assert p.non_atteinte_taux == Decimal("0.01") and p.seuil_atteinte == Decimal("0.8")
    assert p.voies == {"refus": False} and p.modulations == {"330000011": None}
    with pytest.raises(ParametreRefuse, match="réglé deux fois"):
        lire(["part_nationale=0.2", "part_nationale=0.3"], REF)


# -- property: the published parameters set again change nothing --------------------------------
@settings(max_examples=80, deadline=None)
@given(
    ejs=ejs_strategy,
    envelopes=st.dictionaries(st.sampled_from(THEMES), st.integers(0, 10**9)),
    switches=st.fixed_dictionaries({"refus": st.booleans(), "non_atteinte": st.booleans()}),
    impact=st.sampled_from(["depenses", "aucun"]),
    taux=st.decimals(min_value=0, max_value=Decimal("0.01"), places=4),
    data=st.data(),
)
def test_unchanged_parameters_give_zero_difference_for_every_ej(ejs, envelopes, switches, impact, taux, data):
    from datetime import date

    ref = dataclasses.replace(REF, sanctions={**REF.sanctions, **switches}, impact_non_atteinte=impact,
                              non_atteinte_taux=taux)
    e = entrees(ejs, envelopes)
    # every setting given its published value (a random subset of them)
    published = [f"enveloppe.{t}={Decimal(c) / 100}" for t, c in envelopes.items()]
    published += [f"part_nationale.{c}={ref.by_code[c].part_nationale}" for c in NATIONAUX]
    published += [f"formule={ref.formule_nationale}", f"non_atteinte_taux={taux}", f"impact={impact}"]
    published += [f"sanction.{k}={'oui' if v else 'non'}" for k, v in switches.items()]
    published += [f"modulation.{ej}={d['modulation']}" for ej, d in ejs.items() if d["modulation"] is not None]
    chosen = data.draw(st.lists(st.sampled_from(published), unique=True)) if published else []
    rows = comparer(e, ref, lire(chosen, ref), date(2024, 4, 15), "r")
    assert {r["finess_ej"] for r in rows} <= set(ejs)
    for r in rows:
        assert r["interessement_simule"] == r["interessement_actuel"] and r["sanction_simulee"] == r["sanction_actuelle"]
        assert r["ecart_interessement"] == r["ecart_sanction"] == r["ecart_solde"] == Decimal("0.00")
        for col in ("interessement_actuel", "sanction_actuelle", "solde_actuel"):
            assert isinstance(r[col], Decimal) and r[col] == r[col].quantize(Decimal("0.01"))

    # and switching every sanction path off leaves no sanction, the intéressement untouched
    off = comparer(e, ref, lire(["sanction.refus=non", "sanction.non_atteinte=non"], ref), date(2024, 4, 15), "r")
    for r in off:
        assert r["sanction_simulee"] == 0 and r["ecart_sanction"] == -r["sanction_actuelle"]
        assert r["ecart_interessement"] == 0


# -- the command: exact comparison, refused settings, nothing published touched ----------------
def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".lock"}


def _tables(warehouse: Path) -> dict[str, str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = con.execute("SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2").fetchall()
        return {f"{s}.{t}": hashlib.sha256(repr(con.execute(f'SELECT * FROM "{s}"."{t}" ORDER BY ALL').fetchall())
                                          .encode()).hexdigest() for s, t in names}
    finally:
        con.close()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "caqes_tasks.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=300)


@pytest.fixture
def published(tmp_path, warehouse_builder) -> RunContext:
    """A year computed and published: outcomes, feeds, a notice; recorded as the year's last run."""
    ctx = RunContext(year=stage_data.N, landing=tmp_path / "landing", out=tmp_path / "out", as_of="2024-04-15",
                     run_id="2023-0123456789ab")
    warehouse_builder(ctx.warehouse, stage_data.DATA)
    outcomes_stage(ctx)
    feeds_stage(ctx)
    notice = ctx.notices / stage_data.A / "notification_interessement.html"
    notice.parent.mkdir(parents=True)
    notice.write_text("<p>notification émise</p>", encoding="utf-8")
    record_as_last_run(ctx)
    return ctx


def test_simulate_compares_per_ej_and_publishes_nothing(published):
    ctx = published
    before = {"feeds": _tree(ctx.out / "feeds"), "notices": _tree(ctx.out / "notices"),
              "warehouse": _tables(ctx.warehouse)}
    refused = _cli("simulate", "--year", str(ctx.year), "--out", str(ctx.out), "--set", "non_atteinte_taux=0.05")
    assert refused.returncode == 2 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "L162-30-4" in refused.stderr
    assert not (ctx.out / "simulations").exists()  # refused before anything is written
    unknown_year = _cli("simulate", "--year", "2022", "--out", str(ctx.out))
    assert unknown_year.returncode == 2 and "aucun run annuel réussi pour 2022" in unknown_year.stderr

    done = _cli("simulate", "--year", str(ctx.year), "--out", str(ctx.out),
                "--set", "part_nationale=0", "--set", "sanction.refus=non")
    assert done.returncode == 0, done.stderr
    [folder] = (ctx.out / "simulations" / str(ctx.year)).iterdir()
    assert folder.name.startswith("sim-") and str(folder / "comparaison.html") in done.stdout
    assert sorted(p.name for p in folder.iterdir()) == [
        "comparaison.csv", "comparaison.html", "comparaison.parquet", "parametres.json"]
    rows = {r["finess_ej"]: r for r in pq.read_table(folder / "comparaison.parquet").to_pylist()}

    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        interessement = dict(con.execute("SELECT finess_ej, sum(montant) FROM marts.fct_interessement "
                                         "WHERE annee = ? GROUP BY 1", [ctx.year]).fetchall())
        regional = dict(con.execute("SELECT finess_ej, sum(montant) FROM marts.fct_interessement "
                                    "WHERE annee = ? AND type = 'regional' GROUP BY 1", [ctx.year]).fetchall())
        sanctions = dict(con.execute("SELECT finess_ej, sum(montant) FROM marts.fct_sanction "
                                     "WHERE annee = ? GROUP BY 1", [ctx.year]).fetchall())
        refus = dict(con.execute("SELECT finess_ej, sum(montant) FROM marts.fct_sanction "
                                 "WHERE annee = ? AND motif = 'refus' GROUP BY 1", [ctx.year]).fetchall())
    finally:
        con.close()
    assert set(rows) == set(interessement) | set(sanctions)
    for ej, r in rows.items():
        # "now" is what the published tables hold, to the cent
        assert r["interessement_actuel"] == interessement.get(ej, 0)
        assert r["sanction_actuelle"] == sanctions.get(ej, 0)
        assert r["ecart_interessement"] == r["interessement_simule"] - r["interessement_actuel"]
        assert r["ecart_sanction"] == r["sanction_simulee"] - r["sanction_actuelle"]
        assert r["raison_sociale_ej"] == f"Entité juridique {ej}"  # no FINESS extract in this warehouse
    # national share 0: only the regional lines remain (A's are modulated by 0.5, rounded down)
    assert rows[stage_data.A]["interessement_simule"] < interessement[stage_data.A]
    assert rows[stage_data.B]["interessement_simule"] == regional.get(stage_data.B, 0)
    # refusal path off: the refusal sanctions disappear, the others stay
    assert refus and all(rows[ej]["ecart_sanction"] <= -m for ej, m in refus.items() if m)
    assert rows[stage_data.A]["ecart_sanction"] == 0
    html = (folder / "comparaison.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http" not in html and "part_nationale=0" in html
    assert f"Entité juridique {stage_data.A}" in html
    assert json.loads((folder / "parametres.json").read_text())["reglages"] == ["part_nationale=0", "sanction.refus=non"]

    again = _cli("simulate", "--year", str(ctx.year), "--out", str(ctx.out),
                 "--set", "sanction.refus=non", "--set", "part_nationale=0")
    assert again.returncode == 0 and len(list((ctx.out / "simulations" / str(ctx.year)).iterdir())) == 1
    after = {"feeds": _tree(ctx.out / "feeds"), "notices": _tree(ctx.out / "notices"),
             "warehouse": _tables(ctx.warehouse)}
    assert after == before
