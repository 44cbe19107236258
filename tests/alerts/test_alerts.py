import html
import logging
import shutil
import ssl
import subprocess

import pytest
from servers import HttpSink, SmtpSink

from caqes_tasks.alerts import AlertConfig, alert_config, compose, send_alert
from caqes_tasks.alerts.config import config_from_env
from caqes_tasks.alerts.message import report_link

FILES = [{
    "file": "phev/phev_2023.csv", "sha256": "ab" * 32, "blocked_years": [2023, 2024],
    "report": "https://caqes.ars.example/out/quarantine/r1/phev/phev_2023.csv.validation.html",
    "failures": [{"expectation": "expect_column_values_to_be_between", "column": "montant_rembourse",
                  "regle": "« montant_rembourse » doit être positif ou nul.", "count": 1,
                  "sample": [{"ligne": 7, "valeurs": {"montant_rembourse": "-12,50"}}]},
                 {"expectation": "expect_column_values_to_be_in_set", "column": "_et_connu",
                  "regle": "Chaque établissement (finess_geo) doit figurer au répertoire FINESS de l'année.", "count": 1,
                  "sample": [{"ligne": 9, "valeurs": {"finess_geo": "330000035", "annee": "2023", "_registre": "2024"}}]}],
}]
YEARS = {"2022": {"status": "ok"}, "2023": {"status": "blocked"}, "2024": {"status": "blocked"}}


def test_message_names_file_rule_rows_who_redeposits_and_report():
    subject, text, page = compose("r1", FILES, YEARS, "https://caqes.ars.example/out/runs/r1/data_docs/index.html")
    assert "1 fichier" in subject and "r1" in subject
    for body in (text, html.unescape(page)):
        for part in ("phev/phev_2023.csv", "« montant_rembourse » doit être positif ou nul.", "1 ligne(s) en défaut",
                     "ligne 7 : montant_rembourse = « -12,50 »", FILES[0]["report"], "2023, 2024",
                     "data_docs/index.html", "À corriger par le fournisseur du fichier",
                     "redéposer sous le même nom dans le dossier phev/"):
            assert part in body, part
        # no internal name: expectation types, helper flags, the register year's column
        for part in ("expect_", "_et_connu", "_registre", "_ok", "valeurs"):
            assert part not in body.replace("data_docs", ""), part
    assert "année du répertoire FINESS consulté = « 2024 »" in text


def test_unreadable_file_gives_its_cause_once_and_its_producer():
    cause = "séparateur « , » : lu avec le séparateur déclaré « ; », l'en-tête ne donne pas les colonnes attendues"
    files = [{"file": "avis_cpam/avis.csv", "sha256": "", "report": "r.html", "blocked_years": [2024], "failures": [
        {"expectation": "expect_column_values_to_be_in_set", "column": "_entete_ok", "regle": "Le fichier doit pouvoir "
         "être lu", "count": 1, "sample": [{"ligne": 1, "valeurs": {"_entete__brut": cause}}]}]}]
    _, text, page = compose("r1", files, {})
    assert text.count(cause) == 1 and f"Fichier illisible tel que déposé : {cause}." in text
    assert "ligne 1" not in text and "_entete" not in text and "_entete" not in page
    assert "À corriger par la CPAM (organisme local d'assurance maladie)" in text


def test_email_with_login_arrives_as_text_and_html():
    with SmtpSink(auth=("ars", "s3cret")) as smtp:
        cfg = AlertConfig(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_user="ars", smtp_password="s3cret",
                          mail_from="caqes@ars.example", mail_to=("a@ars.example", "b@ars.example"))
        alert = compose("r1", FILES, YEARS)
        assert send_alert(cfg, *alert) == {"sent": True, "channels": ["email"], "errors": []}
    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["Subject"] == alert.subject and msg["From"] == "caqes@ars.example"
    assert smtp.envelopes[0].rcpt_tos == ["a@ars.example", "b@ars.example"]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert smtp.text(0).replace("\r\n", "\n") == alert.text
    page = smtp.html(0)
    assert page.replace("\r\n", "\n").strip() == alert.html.strip()
    # the HTML part: the same content, the report as a link, nothing active
    assert '<a href="https://caqes.ars.example/out/quarantine/r1/phev/phev_2023.csv.validation.html">' in page
    assert "ligne 7 : montant_rembourse = « -12,50 »" in page
    assert "<script" not in page.lower() and "http://" not in page


def test_html_mail_escapes_what_the_file_wrote():
    files = [{**FILES[0], "file": "phev/<b>x</b>.csv", "failures": [{**FILES[0]["failures"][0], "sample": [
        {"ligne": 2, "valeurs": {"montant_rembourse": "<script>alert(1)</script>"}}]}]}]
    page = compose("r1", files, YEARS).html
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;.csv" in page


def test_email_over_starttls(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append((session.ssl is not None, envelope.content))
            return "250 OK"

    from servers import free_port

    port = free_port()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True)
    ctl.start()
    try:
        env = {"CAQES_ALERT_SMTP_HOST": "127.0.0.1", "CAQES_ALERT_SMTP_PORT": str(port), "CAQES_ALERT_SMTP_STARTTLS": "true",
               "CAQES_ALERT_SMTP_CAFILE": str(cert), "CAQES_ALERT_TO": "qualite@ars.example"}
        res = send_alert(config_from_env(env), "sujet", "corps")
    finally:
        ctl.stop()
    assert res["sent"], res
    assert len(received) == 1 and received[0][0] is True


def test_webhook_posts_text_json():
    with HttpSink() as http:
        subject, text, _ = compose("r1", FILES, YEARS)
        res = send_alert(AlertConfig(webhook_url=http.url), subject, text)
    assert res["channels"] == ["webhook"]
    assert len(http.posts) == 1 and set(http.posts[0]) == {"text"}
    assert "phev/phev_2023.csv" in http.posts[0]["text"] and subject in http.posts[0]["text"]
    assert http.headers[0]["Content-Type"].startswith("application/json")


def test_webhook_error_is_reported_not_raised():
    with HttpSink(status=500) as http:
        res = send_alert(AlertConfig(webhook_url=http.url), "s", "t")
    assert res["sent"] is False and "webhook" in res["errors"][0]


def test_no_channel_configured_is_logged(caplog):
    with caplog.at_level(logging.WARNING):
        res = send_alert(AlertConfig(), "sujet", "corps")
    assert res == {"sent": False, "channels": [], "errors": []}
    assert "no alert channel configured" in caplog.text


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("CAQES_ALERT_SMTP_HOST", "smtp.ars.example")
    monkeypatch.setenv("CAQES_ALERT_SMTP_STARTTLS", "oui")
    monkeypatch.setenv("CAQES_ALERT_TO", "a@x; b@y,c@z")
    monkeypatch.setenv("CAQES_ALERT_WEBHOOK_URL", "https://chat.example/hooks/1")
    cfg = alert_config()
    assert cfg.smtp_host == "smtp.ars.example" and cfg.smtp_starttls and cfg.port == 587
    assert cfg.mail_to == ("a@x", "b@y", "c@z") and cfg.webhook_enabled


def test_report_link(tmp_path):
    p = tmp_path / "out" / "quarantine" / "r1" / "phev" / "f.csv.validation.html"
    assert report_link(p, tmp_path / "out", "https://h/out/") == "https://h/out/quarantine/r1/phev/f.csv.validation.html"
    assert report_link(p, tmp_path / "out", "").startswith("file://")


def test_message_lists_warnings_ignored_refused_and_waiting():
    warnings = [{"file": "phev/phev_2024.csv", "sha256": "cd" * 32, "report": "https://h/r.html",
                 "warnings": ["656 couple(s) établissement × indicateur présent(s) en 2023 absent(s) en 2024"]}]
    ignored = [{"file": "autre/", "reason": "dossier « autre » : source inconnue"}]
    refused = [{"file": "phev/lien.csv", "reason": "lien symbolique qui sort du dépôt"}]
    waiting = [{"file": "phev/nouveaux.csv", "reason": "en attente du répertoire FINESS"}]
    subject, text, _ = compose("r1", FILES, YEARS, warnings=warnings, ignored=ignored, refused=refused, waiting=waiting)
    assert "1 fichier(s) en quarantaine" in subject
    for part in ("phev/phev_2023.csv", "656 couple(s)", "phev/phev_2024.csv", "autre/ : dossier « autre » : source inconnue",
                 "phev/lien.csv : lien symbolique", "phev/nouveaux.csv : en attente", "https://h/r.html"):
        assert part in text
    subject, text, _ = compose("r1", [], YEARS, warnings=warnings)
    assert subject.startswith("[CAQES] Avertissements de validation — 1 fichier(s)") and "656 couple(s)" in text
    subject = compose("r1", [], {}, ignored=ignored).subject
    assert subject == "[CAQES] Dépôt : 1 élément(s) ignoré(s) — run r1"
    subject = compose("r1", [], {}, refused=refused).subject
    assert "refusé(s) ou en attente" in subject
