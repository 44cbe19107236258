"""A run ingests exactly the inputs it hashed when it was prepared (issue 10, point 2)."""

import os
import shutil
from dataclasses import replace

import duckdb
import pytest
from valid_landing import BAD_INPUTS

from caqes_tasks.ingest.landing import InputChangedError, LandingError, scan_landing
from caqes_tasks.ingest.stage import ingest_stage
from caqes_tasks.referentiel import load_referentiel

PHEV_2024 = ("finess_geo;annee;indicateur;montant_rembourse;volume;numerateur;denominateur\n"
             "330000019;2024;NAT_1;{amount};1;;\n")


def q(ctx, sql, params=None):
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def prepared(ctx):
    """The context ``pipeline.prepare`` gives a run: the landing's hashes and the référentiel's."""
    ref = load_referentiel(ctx.referentiel)
    hashes = scan_landing(ctx.landing)
    hashes[f"referentiel/{ref.path.name}"] = ref.sha256
    return replace(ctx, input_hashes=hashes, run_id="2024-prepare")


def test_file_dropped_after_prepare_is_left_for_the_next_run(loaded):
    ctx = prepared(loaded)
    (loaded.landing / "regional" / "regional_2024_bis.csv").write_text(
        "finess_geo;annee;indicateur;valeur;numerateur;denominateur\n330000019;2024;ATB;0,5;50;100\n")
    r = ingest_stage(ctx)
    assert r["new_files"] == 0 and r["loaded"] == []
    late = [i for i in r["ignored"] if i["file"] == "regional/regional_2024_bis.csv"]
    assert late and late[0]["kind"] == "tardif" and "prochain" in late[0]["reason"]
    assert "regional/regional_2024_bis.csv" not in r["accepted_inputs"]
    assert q(loaded, "SELECT count(*) FROM meta.ledger WHERE file_name = 'regional_2024_bis.csv'") == [(0,)]
    r = ingest_stage(prepared(loaded))  # the next run hashes it and reads it
    assert r["loaded"] == ["regional/regional_2024_bis.csv"]


def test_file_changed_after_prepare_fails_the_run_and_loads_nothing(loaded):
    path = loaded.landing / "phev" / "phev_2024_v2.csv"
    path.write_text(PHEV_2024.format(amount="1,00"))
    ctx = prepared(loaded)
    st = path.stat()
    path.write_text(PHEV_2024.format(amount="2,00"))  # corrected: same size, modification time kept
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    before = q(loaded, "SELECT count(*) FROM meta.ledger")
    with pytest.raises(InputChangedError) as err:
        ingest_stage(ctx)
    message = str(err.value)
    assert message.startswith("phev/phev_2024_v2.csv : le fichier a changé depuis la préparation du run")
    assert "\n" not in message and ctx.input_hashes["phev/phev_2024_v2.csv"][:12] in message
    assert q(loaded, "SELECT count(*) FROM meta.ledger") == before
    assert q(loaded, "SELECT count(*) FROM raw.phev WHERE _file = 'phev_2024_v2.csv'") == [(0,)]
    # a new run hashes the corrected file and loads it
    r = ingest_stage(prepared(loaded))
    assert r["loaded"] == ["phev/phev_2024_v2.csv"]
    assert q(loaded, "SELECT montant_rembourse FROM raw.phev WHERE _file = 'phev_2024_v2.csv'")[0][0] == 2


def test_same_size_correction_with_mtime_kept_is_loaded_by_a_direct_call(loaded):
    """No (size, mtime) cache: a direct call hashes what is there now."""
    path = loaded.landing / "modulations" / "modulations.csv"
    text = path.read_text(encoding="utf-8")
    st = path.stat()
    corrected = text.replace("0,8", "0,7")
    assert len(corrected.encode()) == len(text.encode())
    path.write_text(corrected, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    r = ingest_stage(loaded)
    assert r["loaded"] == ["modulations/modulations.csv"]
    assert float(q(loaded, "SELECT coefficient FROM raw.modulations")[0][0]) == 0.7


def test_file_removed_after_prepare_fails_the_run(loaded):
    path = loaded.landing / "phev" / "phev_2024_v2.csv"
    path.write_text(PHEV_2024.format(amount="1,00"))
    ctx = prepared(loaded)
    path.unlink()
    with pytest.raises(InputChangedError, match="phev/phev_2024_v2.csv : le fichier a disparu"):
        ingest_stage(ctx)


def test_sources_yml_is_a_hashed_input_of_the_run(loaded):
    ctx = prepared(loaded)
    assert "sources.yml" in ctx.input_hashes
    r = ingest_stage(ctx)
    assert r["accepted_inputs"]["sources.yml"] == ctx.input_hashes["sources.yml"]
    sources = loaded.landing / "sources.yml"
    sources.write_text(sources.read_text(encoding="utf-8") + "modulations: {separator: ','}\n", encoding="utf-8")
    with pytest.raises(InputChangedError, match="^sources.yml : le fichier a changé"):
        ingest_stage(ctx)


def test_malformed_sources_yml_is_one_line(loaded):
    (loaded.landing / "sources.yml").write_text("phev: {encoding: utf-8\n", encoding="utf-8")
    with pytest.raises(LandingError) as err:
        ingest_stage(loaded)
    assert str(err.value).startswith("sources.yml, ligne") and "\n" not in str(err.value)


def test_changed_referentiel_fails_the_run(loaded, tmp_path):
    ctx = prepared(loaded)
    ref = tmp_path / "ref.yml"
    ref.write_text(load_referentiel(ctx.referentiel).path.read_text(encoding="utf-8") + "\n# modifié\n", encoding="utf-8")
    hashes = {k if not k.startswith("referentiel/") else "referentiel/ref.yml": v for k, v in ctx.input_hashes.items()}
    with pytest.raises(InputChangedError, match="référentiel a changé"):
        ingest_stage(replace(ctx, referentiel=ref, input_hashes=hashes))


def test_accepted_and_rejected_inputs_are_listed_apart(loaded):
    shutil.copy(BAD_INPUTS / "phev" / "negative_amount.csv", loaded.landing / "phev" / "negative_amount.csv")
    (loaded.landing / "inconnu").mkdir()
    (loaded.landing / "inconnu" / "x.csv").write_text("x")
    ctx = prepared(loaded)
    r = ingest_stage(ctx)
    assert "phev/negative_amount.csv" not in r["accepted_inputs"]
    assert r["rejected_inputs"]["phev/negative_amount.csv"]["status"] == "quarantined"
    assert r["rejected_inputs"]["phev/negative_amount.csv"]["sha256"] == ctx.input_hashes["phev/negative_amount.csv"]
    assert "phev/phev_2020_2024.csv" in r["accepted_inputs"] and r["input_hashes"] == r["accepted_inputs"]
    assert set(r["accepted_inputs"]) == {k for k in ctx.input_hashes if k != "phev/negative_amount.csv"}
    assert not any(k.startswith("inconnu") for k in ctx.input_hashes)  # not an input of the run at all
    assert [i["file"] for i in r["ignored"]] == ["inconnu/"]
    # the next run still lists it apart, without loading it
    again = ingest_stage(prepared(loaded))
    assert again["still_quarantined"] == ["phev/negative_amount.csv"]
    assert set(again["rejected_inputs"]) == {"phev/negative_amount.csv"}
