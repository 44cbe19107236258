"""Which notices are due, and rendering with hostile text (escaping)."""

from datetime import date
from decimal import Decimal as D

from caqes_tasks.notices.data import YearData
from caqes_tasks.notices.model import Libelles, RunInfo
from caqes_tasks.notices.selection import select_notices
from caqes_tasks.notices.stage import render_notice


def _year(procedure_etape: str, detail: str = "") -> YearData:
    ej = "330000100"
    return YearData(
        2024,
        {
            "fct_procedure": {
                ej: [
                    {
                        "finess_ej": ej, "etape": procedure_etape, "date_notification": date(2025, 3, 3),
                        "date_limite_observations": None, "date_reception_observations": None,
                        "suite_observations": None, "date_decision": None, "montant_notifie": None,
                        "montant_final": None, "run_id": "r",
                    }
                ]
            },
            "fct_sanction": {
                ej: [
                    {
                        "finess_ej": ej, "motif": "refus", "volet": "V1", "base_produits_am": D("1000.00"),
                        "exercice_base": 2024, "taux": D("0.01"), "montant_calcule": D("10.00"), "montant": D("10.00"),
                        "plafond": D("10.00"), "plafond_applique": None, "type_decision": "sanction_financiere",
                        "statut": "notifie", "detail": detail, "run_id": "r",
                    }
                ]
            },
        },
    )  # fmt: skip


def test_unknown_step_issues_nothing_and_says_why():
    sel = select_notices(_year("etape_bizarre"))
    assert sel.notices == ()
    assert "étape de procédure inconnue" in sel.retenues[0].raison


def test_closed_file_issues_nothing():
    sel = select_notices(_year("classee_sans_suite"))
    assert sel.notices == ()
    assert "classee_sans_suite" in sel.retenues[0].raison


def test_steps():
    assert select_notices(_year("calcul")).notices == ()
    assert select_notices(_year("notification_prealable")).notices == (("330000100", "notification_prealable"),)
    assert select_notices(_year("observations_recues")).notices == (("330000100", "notification_prealable"),)
    assert select_notices(_year("notification")).notices == (("330000100", "notification_prealable"),)
    assert select_notices(_year("decision")).notices == (
        ("330000100", "notification_prealable"),
        ("330000100", "decision_sanction"),
    )


def test_default_deadline_and_escaping():
    run = RunInfo("2024-x", {}, date(2025, 3, 3))
    html, pdf = render_notice(_year("notification", "<script>alert(1)</script>"), "330000100", "notification_prealable", run, Libelles())
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "2 avril 2025" in html  # 30 days after the notification by default
    assert pdf.startswith(b"%PDF")


def _text(html: str) -> str:
    import html as htmllib
    import re

    from caqes_tasks.notices.formatting import normalise_spaces

    return " ".join(normalise_spaces(htmllib.unescape(re.sub(r"<[^>]+>", " ", html))).split())


def test_global_cap_is_stated():
    data = _year("notification")
    line = data.tables["fct_sanction"]["330000100"][0]
    line.update(
        montant_calcule=D("12.00"), montant=D("9.99"),
        plafond_applique="plafond annuel de 5 % des produits AM (L162-30-2, L162-30-4): réduction au prorata",
    )  # fmt: skip
    html, _ = render_notice(data, "330000100", "notification_prealable", RunInfo("r", {}, date(2025, 3, 3)), Libelles())
    text = _text(html)
    assert "Plafond global atteint" in text and "réduite au prorata" in text
    assert "12,00 € 10,00 € 9,99 €" in text  # computed, cap column, reduced amount


def test_abandoned_sanction_decision_says_no_amount():
    data = _year("decision")
    data.tables["fct_procedure"]["330000100"][0].update(
        suite_observations="abandonnee", montant_notifie=D("10.00"), montant_final=D("0.00"),
        date_reception_observations=date(2025, 3, 20), date_decision=date(2025, 4, 10),
    )  # fmt: skip
    html, _ = render_notice(data, "330000100", "decision_sanction", RunInfo("r", {}, date(2025, 4, 10)), Libelles())
    text = _text(html)
    assert "la sanction envisagée est abandonnée" in text
    assert "Aucune sanction financière n'est prononcée" in text and "0,00 €" in text
    assert "Bordeaux, le 10 avril 2025" in text
