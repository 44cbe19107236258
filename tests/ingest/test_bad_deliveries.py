"""Bad deliveries that used to get through or hurt (issue 10, point 8): each is refused or flagged
with the file, the line and the rule, and alerted; none crashes; none is blocked for ever."""

import json
import os
import shutil

import duckdb
import pytest
from valid_landing import FINESS_FILE, phev_text

from caqes_tasks.ingest.stage import ingest_stage

NEW_ET = "330000043"  # valid key, absent from the fixture register
PHEV_HEADER = "finess_geo;annee;indicateur;montant_rembourse;volume;numerateur;denominateur\n"


def q(ctx, sql, params=None):
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def report_of(ctx, result, key):
    source, name = key.split("/", 1)
    return json.loads((ctx.quarantine / result["run_id"] / source / f"{name}.validation.json").read_text(encoding="utf-8"))


def blocked(result):
    return sorted(y for y, s in result["years"].items() if s["status"] == "blocked")


def extract_with_new_et(date_text="2024-06-01", defect=False) -> str:
    """The fixture extract re-dated, with one more ET (NEW_ET, under EJ 330781196); ``defect``
    puts an impossible opening date on another row."""
    lines = FINESS_FILE.read_text(encoding="utf-8").splitlines()
    lines[0] = f"finess;etalab;111;{date_text}"
    row = next(line for line in lines if line.startswith("structureet;330000019;")).split(";")
    row[1] = NEW_ET
    lines.append(";".join(row))
    if defect:
        i = next(i for i, line in enumerate(lines) if line.startswith("structureet;330000027;"))
        fields = lines[i].split(";")
        fields[28] = "2023-02-30"
        lines[i] = ";".join(fields)
    return "\n".join(lines) + "\n"


def phev_of_new_et() -> str:
    return PHEV_HEADER + "".join(f"{NEW_ET};2024;{ind};1000,00;10;;\n" for ind in ("NAT_1", "NAT_2"))


# -- completeness ---------------------------------------------------------------------------------
def test_phev_cut_at_a_line_end_is_loaded_with_a_warning_and_alerted(loaded, alert_sinks):
    smtp, http = alert_sinks
    path = loaded.landing / "phev" / "phev_2020_2024.csv"
    lines = phev_text().splitlines(keepends=True)
    path.write_text("\ufeff" + "".join(lines[:101]), encoding="utf-8")  # header + 100 rows, cut at a line end
    r = ingest_stage(loaded)
    assert r["loaded"] == ["phev/phev_2020_2024.csv"] and r["quarantined"] == []
    assert [w["file"] for w in r["warnings"]] == ["phev/phev_2020_2024.csv"]
    text = " ".join(r["warnings"][0]["warnings"])
    # rows are ET by ET, year by year: the 4th ET stops in 2021, the 5th is missing
    assert "présent(s) en 2021 absent(s) en 2022" in text and "870000049 NAT_1" in text
    assert "2 couple(s) établissement × indicateur présent(s) en 2020 absent(s) en 2021" in text
    report = next((loaded.out / "runs" / r["run_id"] / "validation" / "phev").glob("phev_2020_2024.csv.validation.txt"))
    assert "Avertissements" in report.read_text(encoding="utf-8") and "870000049 NAT_1" in report.read_text(encoding="utf-8")
    assert r["alert_sent"] and len(smtp.messages) == 1
    body = smtp.text(0)
    assert "Avertissements" in smtp.messages[0]["Subject"]
    assert "phev/phev_2020_2024.csv" in body and "870000049 NAT_1" in body and "870000049 NAT_1" in http.posts[0]["text"]


def test_complete_phev_delivery_has_no_warning(loaded_base):
    _, result = loaded_base
    assert result["warnings"] == []


def test_missing_final_newline_is_a_warning(loaded):
    path = loaded.landing / "modulations" / "modulations.csv"
    path.write_text("finess_ej;annee;coefficient;motif\n330781196;2023;0,7;retard de transmission", encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["modulations/modulations.csv"]
    assert "pas de fin de ligne après la dernière ligne (ligne 2)" in r["warnings"][0]["warnings"][0]


# -- a file whose header cannot be read: the cause, once --------------------------------------------
def test_semicolon_contract_file_where_commas_are_declared_gives_one_message_naming_the_separator(loaded, alert_sinks):
    """Issue 12: a file with the other separator gave « La colonne « finess_ej » doit figurer dans
    l'en-tête » once per column while the columns were there."""
    smtp, http = alert_sinks
    (loaded.landing / "contrats" / "contrats_pv.csv").write_text(
        CONTRATS_HEADER.replace(",", ";") + "640780003;V2;signe;2023-02-15;30/06/2023;01/07/2023;31/12/2024\n")
    r = ingest_stage(loaded)
    assert r["quarantined"] == ["contrats/contrats_pv.csv"] and blocked(r) == ["2022", "2023", "2024"]
    failures = report_of(loaded, r, "contrats/contrats_pv.csv")["failures"]
    assert [f["column"] for f in failures] == ["_entete_ok"]
    cause = failures[0]["sample"][0]["valeurs"]["_entete__brut"]
    assert cause.startswith("séparateur « ; » : lu avec le séparateur déclaré « , »")
    assert 'contrats: {separator: ";"}' in cause
    for body in (smtp.text(0), smtp.html(0), http.posts[0]["text"]):
        assert "doit figurer dans l'en-tête" not in body and "doit figurer dans l&#x27;en-tête" not in body
        assert body.count("séparateur « ; » : lu avec") == 1
        assert "redéposer sous le même nom dans le dossier contrats/" in body
    ledger = q(loaded, "SELECT message FROM meta.ledger WHERE file_name = 'contrats_pv.csv'")[0][0]
    assert "séparateur « ; »" in ledger


@pytest.mark.parametrize("name,text,cause", [
    ("phev_titre.csv", "Export PHEV du 12/03/2025\n\n" + PHEV_HEADER + "330000019;2024;NAT_1;1,00;1;;\n",
     "l'en-tête est à la ligne 3, pas à la ligne 1"),
    ("phev_sans_entete.csv", "330000019;2024;NAT_1;1,00;1;;\n", "pas d'en-tête : la ligne 1 est une ligne de données"),
    ("phev_contrats.csv", "finess_ej;volet;statut;date_signature;date_effet;date_fin\n330781196;V1;signe;;;\n",
     "l'en-tête est celui de la source « contrats »"),
])
def test_header_line_cause_is_named(loaded, name, text, cause):
    (loaded.landing / "phev" / name).write_text(text, encoding="utf-8")
    r = ingest_stage(loaded)
    failures = report_of(loaded, r, f"phev/{name}")["failures"]
    assert [f["column"] for f in failures] == ["_entete_ok"]
    assert cause in failures[0]["sample"][0]["valeurs"]["_entete__brut"]


def test_utf16_file_is_named_as_such(loaded):
    (loaded.landing / "phev" / "phev_unicode.csv").write_bytes((PHEV_HEADER + "330000019;2024;NAT_1;1,00;1;;\n").encode("utf-16"))
    r = ingest_stage(loaded)
    failures = report_of(loaded, r, "phev/phev_unicode.csv")["failures"]
    assert [f["column"] for f in failures] == ["_entete_ok"]
    assert "UTF-16" in failures[0]["sample"][0]["valeurs"]["_entete__brut"]


def test_finess_extract_resaved_with_commas_is_named_as_such(loaded):
    text = extract_with_new_et().replace(";", ",")
    (loaded.landing / "finess" / "etalab-cs1100507-stock-20240601.csv").write_text(text, encoding="utf-8")
    r = ingest_stage(loaded)
    failures = report_of(loaded, r, "finess/etalab-cs1100507-stock-20240601.csv")["failures"]
    assert [f["column"] for f in failures] == ["_entete_ok"]
    assert "réenregistré avec le séparateur « , »" in failures[0]["sample"][0]["valeurs"]["_entete__brut"]
    text = (loaded.quarantine / r["run_id"] / "finess" / "etalab-cs1100507-stock-20240601.csv.validation.txt").read_text(encoding="utf-8")
    assert "À corriger par le service de l'ARS qui dépose l'extrait FINESS" in text


# -- contracts ------------------------------------------------------------------------------------
CONTRATS_HEADER = "finess_ej,volet,statut,date_proposition,date_signature,date_effet,date_fin\n"


def test_two_contract_files_disagreeing_are_both_refused_naming_each_other(loaded, alert_sinks):
    smtp, _ = alert_sinks
    folder = loaded.landing / "contrats"
    (folder / "contrats_a.csv").write_text(CONTRATS_HEADER + "640780003,V2,signe,2023-02-15,30/06/2023,01/07/2023,31/12/2024\n")
    (folder / "contrats_b.csv").write_text(CONTRATS_HEADER + "640780003,V2,refus,2023-02-15,,,\n"
                                           "330781196,V2,refus,2023-02-15,,,\n")
    before = q(loaded, "SELECT count(*) FROM raw.contrats")
    r = ingest_stage(loaded)
    assert sorted(r["quarantined"]) == ["contrats/contrats_a.csv", "contrats/contrats_b.csv"] and r["loaded"] == []
    assert blocked(r) == ["2022", "2023", "2024"]
    assert q(loaded, "SELECT count(*) FROM raw.contrats") == before
    for mine, other, line in (("contrats/contrats_a.csv", "contrats/contrats_b.csv", 2),
                              ("contrats/contrats_b.csv", "contrats/contrats_a.csv", 2)):
        failure = next(f for f in report_of(loaded, r, mine)["failures"] if f["column"] == "_sans_conflit")
        assert failure["count"] == 1 and failure["sample"][0]["ligne"] == line
        assert failure["sample"][0]["valeurs"]["_conflit"].startswith(f"{other} ligne 2 : statut=")
    body = smtp.text(0)
    assert "contrats/contrats_a.csv ligne 2 : statut=signe" in body and "contrats/contrats_b.csv ligne 2 : statut=refus" in body
    # one of them withdrawn: the other is validated again and loaded, the years are freed
    (folder / "contrats_b.csv").unlink()
    r = ingest_stage(loaded)
    assert r["revalidated"] == ["contrats/contrats_a.csv"] and r["loaded"] == ["contrats/contrats_a.csv"]
    assert blocked(r) == []
    assert q(loaded, "SELECT statut FROM raw.contrats WHERE finess_ej='640780003' AND volet='V2' "
                     "AND date_proposition = DATE '2023-02-15'") == [("signe",)]


def test_contract_file_contradicting_a_loaded_one_is_refused(loaded):
    (loaded.landing / "contrats" / "contrats_bis.csv").write_text(
        "finess_ej,volet,statut,date_signature,date_effet,date_fin\n330781196,V1,refus,,,\n")
    r = ingest_stage(loaded)
    assert r["quarantined"] == ["contrats/contrats_bis.csv"] and blocked(r) == ["2022", "2023", "2024"]
    failure = next(f for f in report_of(loaded, r, "contrats/contrats_bis.csv")["failures"] if f["column"] == "_sans_conflit")
    assert failure["sample"][0]["valeurs"]["_conflit"].startswith("contrats/contrats.csv ligne 2 : statut=signe")
    assert q(loaded, "SELECT statut, _file FROM raw.contrats WHERE finess_ej='330781196' AND volet='V1'") == [
        ("signe", "contrats.csv")]


def test_same_contract_delivered_twice_identically_is_no_conflict(loaded):
    (loaded.landing / "contrats" / "contrats_copie.csv").write_text(
        "finess_ej,volet,statut,date_signature,date_effet,date_fin\n330781196,V1,signe,15/06/2022,2022-07-01,31/12/2024\n")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["contrats/contrats_copie.csv"] and r["quarantined"] == []


# -- links ----------------------------------------------------------------------------------------
def test_link_leaving_the_landing_is_refused_never_read_nor_copied(loaded, alert_sinks, tmp_path):
    smtp, _ = alert_sinks
    secret = tmp_path / "secret.csv"
    secret.write_text(PHEV_HEADER + "SECRET-CONTENT;2024;NAT_1;1;1;;\n")
    (loaded.landing / "phev" / "phev_lien.csv").symlink_to(secret)
    r = ingest_stage(loaded)
    assert r["rejected_inputs"]["phev/phev_lien.csv"]["status"] == "refused"
    assert "phev/phev_lien.csv" not in r["accepted_inputs"] and r["quarantined"] == [] and r["new_files"] == 0
    assert blocked(r) == ["2022", "2023", "2024"]
    assert r["alert_sent"] and "phev/phev_lien.csv" in smtp.text(0)
    for path in loaded.out.rglob("*"):
        if path.is_file() and path.suffix != ".duckdb":
            assert b"SECRET-CONTENT" not in path.read_bytes(), path
    assert q(loaded, "SELECT count(*) FROM meta.ledger WHERE file_name = 'phev_lien.csv'") == [(0,)]
    again = ingest_stage(loaded)  # still there: still refused, not alerted twice
    assert blocked(again) == ["2022", "2023", "2024"] and len(smtp.messages) == 1
    (loaded.landing / "phev" / "phev_lien.csv").unlink()
    assert blocked(ingest_stage(loaded)) == []


# -- the FINESS register --------------------------------------------------------------------------
def test_bad_extract_does_not_quarantine_good_files_of_the_delivery(loaded, alert_sinks):
    smtp, _ = alert_sinks
    extract = loaded.landing / "finess" / "etalab-cs1100507-stock-20240601.csv"
    extract.write_text(extract_with_new_et(defect=True), encoding="utf-8")
    (loaded.landing / "phev" / "phev_nouvel_et.csv").write_text(phev_of_new_et(), encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["quarantined"] == ["finess/etalab-cs1100507-stock-20240601.csv"]
    assert r["waiting"] == ["phev/phev_nouvel_et.csv"]
    assert r["rejected_inputs"]["phev/phev_nouvel_et.csv"]["status"] == "waiting"
    assert not (loaded.quarantine / r["run_id"] / "phev").exists()
    assert q(loaded, "SELECT count(*) FROM meta.ledger WHERE file_name = 'phev_nouvel_et.csv'") == [(0,)]
    body = smtp.text(0)
    assert "phev/phev_nouvel_et.csv" in body and "en attente" in body
    # the extract is corrected under the same name: both are validated and loaded
    extract.write_text(extract_with_new_et(defect=False), encoding="utf-8")
    r = ingest_stage(loaded)
    assert sorted(r["loaded"]) == ["finess/etalab-cs1100507-stock-20240601.csv", "phev/phev_nouvel_et.csv"]
    assert blocked(r) == [] and r["waiting"] == []
    assert q(loaded, "SELECT count(*) FROM raw.phev WHERE finess_geo = ?", [NEW_ET]) == [(2,)]


def test_file_quarantined_for_the_register_is_validated_again_once_the_extract_arrives(loaded):
    (loaded.landing / "phev" / "phev_nouvel_et.csv").write_text(phev_of_new_et(), encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["quarantined"] == ["phev/phev_nouvel_et.csv"] and blocked(r) == ["2024"]
    assert ingest_stage(loaded)["still_quarantined"] == ["phev/phev_nouvel_et.csv"]  # nothing changed: not again
    (loaded.landing / "finess" / "etalab-cs1100507-stock-20240601.csv").write_text(extract_with_new_et(), encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["revalidated"] == ["phev/phev_nouvel_et.csv"]
    assert sorted(r["loaded"]) == ["finess/etalab-cs1100507-stock-20240601.csv", "phev/phev_nouvel_et.csv"]
    assert blocked(r) == [] and r["still_quarantined"] == []


def test_file_failing_for_other_reasons_is_not_validated_again(loaded):
    (loaded.landing / "phev" / "phev_nouvel_et.csv").write_text(phev_of_new_et().replace("1000,00", "-1,00"), encoding="utf-8")
    assert ingest_stage(loaded)["quarantined"] == ["phev/phev_nouvel_et.csv"]
    (loaded.landing / "finess" / "etalab-cs1100507-stock-20240601.csv").write_text(extract_with_new_et(), encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["revalidated"] == [] and r["still_quarantined"] == ["phev/phev_nouvel_et.csv"]


def test_file_quarantined_for_its_encoding_is_validated_again_when_the_format_is_declared(loaded):
    path = loaded.landing / "observations" / "observations_cp1252.csv"
    path.write_bytes("finess_ej;annee;date_reception;suite;montant_retenu;motif\n"
                     "640780003;2024;15/03/2025;maintenue;0;reçu\n".encode("cp1252"))
    assert ingest_stage(loaded)["quarantined"] == ["observations/observations_cp1252.csv"]
    sources = loaded.landing / "sources.yml"
    sources.write_text(sources.read_text(encoding="utf-8") + "observations: {encoding: cp1252}\n", encoding="utf-8")
    r = ingest_stage(loaded)
    assert r["revalidated"] == ["observations/observations_cp1252.csv"]
    assert "observations/observations_cp1252.csv" in r["loaded"]


# -- lines no reader should choke on --------------------------------------------------------------
@pytest.mark.parametrize("source,name", [("phev", "phev_ligne_geante.csv"), ("finess", "etalab-cs1100507-stock-20240301.csv")])
def test_ten_megabyte_line_is_a_validation_error_with_file_and_line(loaded, alert_sinks, source, name):
    smtp, _ = alert_sinks
    if source == "phev":
        text = PHEV_HEADER + "330000019;2024;NAT_1;1,00;1;;\n" + "330000019;2023;NAT_1;" + "9" * 10_000_000 + ";1;;\n"
        line = 3
    else:
        text = extract_with_new_et("2024-03-01") + "structureet;" + "X" * 10_000_000 + ";\n"
        line = len(text.splitlines())
    (loaded.landing / source / name).write_text(text, encoding="utf-8")
    r = ingest_stage(loaded)
    key = f"{source}/{name}"
    assert r["quarantined"] == [key]
    failure = next(f for f in report_of(loaded, r, key)["failures"] if f["column"] == "_ligne_ok")
    assert failure["sample"][0]["ligne"] == line and "10" in failure["sample"][0]["valeurs"]["_ligne__brut"]
    assert (loaded.quarantine / r["run_id"] / source / name).stat().st_size == len(text.encode())
    body = smtp.text(0)
    assert key in body and f"ligne {line}" in body and len(body) < 100_000


def test_old_mac_line_endings_name_the_lines(loaded):
    text = PHEV_HEADER + "330000019;2024;NAT_1;1,00;1;;\n330000019;2023;NAT_1;2,00;1;;\n"
    (loaded.landing / "phev" / "phev_mac.csv").write_bytes(text.replace("\n", "\r").encode())
    r = ingest_stage(loaded)
    failure = next(f for f in report_of(loaded, r, "phev/phev_mac.csv")["failures"] if f["column"] == "_ligne_ok")
    assert failure["count"] == 2 and [s["ligne"] for s in failure["sample"]] == [2, 3]
    assert "CR seule" in failure["sample"][0]["valeurs"]["_ligne__brut"]


# -- what is not an input -------------------------------------------------------------------------
def test_unknown_folder_and_file_at_the_root_are_reported_and_alerted_once(loaded, alert_sinks):
    smtp, _ = alert_sinks
    (loaded.landing / "phev_corrige").mkdir()
    (loaded.landing / "phev_corrige" / "phev_2024.csv").write_text(PHEV_HEADER)
    (loaded.landing / "contrats_2024.csv").write_text(CONTRATS_HEADER)
    r = ingest_stage(loaded)
    ignored = {i["file"]: i for i in r["ignored"]}
    assert set(ignored) == {"phev_corrige/", "contrats_2024.csv"}
    assert ignored["phev_corrige/"]["kind"] == "source_inconnue" and "source inconnue" in ignored["phev_corrige/"]["reason"]
    assert ignored["contrats_2024.csv"]["kind"] == "racine" and "racine" in ignored["contrats_2024.csv"]["reason"]
    assert r["alert_sent"] and len(smtp.messages) == 1
    body = smtp.text(0)
    assert "phev_corrige/" in body and "contrats_2024.csv" in body and "ignorés" in body
    assert blocked(r) == []
    assert ingest_stage(loaded)["alert_sent"] is False and len(smtp.messages) == 1  # told once
    shutil.rmtree(loaded.landing / "phev_corrige")
    os.mkdir(loaded.landing / "phev_corrige")
    (loaded.landing / "phev_corrige" / "x.csv").write_text("x")
    assert ingest_stage(loaded)["alert_sent"] is False  # the same folder: still told once
