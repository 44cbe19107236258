"""Which notices are due, and rendering with hostile text (escaping)."""

from datetime import date
from decimal import Decimal as D

from caqes_tasks.notices import vocabulary as v
from caqes_tasks.notices.data import YearData
from caqes_tasks.notices.model import Libelles, RunInfo
from caqes_tasks.notices.selection import select_notices
from caqes_tasks.notices.stage import render_notice
from caqes_tasks.outcomes.vocabulary import Etape, Plafond


def _year(procedure_etape: str, detail: str = "") -> YearData:
    ej = "330000100"
    return YearData(
        2024,
        {
            "fct_procedure": {
                ej: [
                    {
                        "finess_ej": ej, "etape": procedure_etape, "date_notification": date(2025, 3, 3),
                        "date_reception_notification": date(2025, 3, 5) if procedure_etape == "decision" else None,
                        "date_limite_observations": date(2025, 4, 4) if procedure_etape == "decision" else None,
                        "date_reception_observations": None, "date_avis_cpam": None, "sens_avis_cpam": None,
                        "commentaire_avis_cpam": None, "en_attente": None,
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
                        "plafond": D("10.00"), "plafond_applique": None, "code_plafond": None,
                        "type_decision": "sanction_financiere", "statut": "notifiee", "detail": detail, "run_id": "r",
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
    assert select_notices(_year("notification_prealable")).notices == (("330000100", "notification_prealable"),)
    assert select_notices(_year("observations_recues")).notices == (("330000100", "notification_prealable"),)
    assert select_notices(_year("decision")).notices == (
        ("330000100", "notification_prealable"),
        ("330000100", "decision_sanction"),
    )


def test_only_the_words_the_outcome_stage_writes_are_read():
    """Steps, statuts and retention objects no writer produces are unknown: nothing goes out on them."""
    for etape in ("calcul", "notification", "decide", "clos", "NOTIFICATION_PREALABLE"):
        sel = select_notices(_year(etape))
        assert sel.notices == () and "étape de procédure inconnue" in sel.retenues[0].raison, etape
    assert {str(e) for e in Etape} == set(v.ETAPE_RANG) | set(v.ETAPES_CLOSES)
    for objet in ("tout", "interessement", "prealable", "decision"):
        assert v.kinds_withheld(objet) == (v.KINDS, False), objet
    assert v.kinds_withheld("sanction") == ((v.PREALABLE, v.DECISION), True)
    assert v.kinds_withheld("interessement:modulation") == ((), True)


def _decision_due(data: YearData) -> bool:
    return ("330000100", "decision_sanction") in select_notices(data).notices


def test_decision_withheld_until_the_procedure_holds_what_it_rests_on():
    """No décision without the receipt date the deadline ran from, while the procedure waits, or
    (non-attainment) without the CPAM's avis (docs/rules.md §7)."""
    assert _decision_due(_year("decision"))  # refusal: receipt known, no avis needed

    data = _year("decision")
    data.tables["fct_procedure"]["330000100"][0]["date_reception_notification"] = None
    sel = select_notices(data)
    assert ("330000100", "notification_prealable") in sel.notices and not _decision_due(data)
    assert "date de réception de la notification préalable inconnue" in sel.retenues[0].raison
    assert sel.retenues[0].notices == ("decision_sanction",)

    data = _year("decision")
    data.tables["fct_procedure"]["330000100"][0]["en_attente"] = "delai"
    assert not _decision_due(data)

    data = _year("decision")
    data.tables["fct_sanction"]["330000100"][0]["motif"] = "non_atteinte"
    sel = select_notices(data)
    assert not _decision_due(data) and "avis de l'organisme local d'assurance maladie absent" in sel.retenues[0].raison
    data.tables["fct_procedure"]["330000100"][0].update(date_avis_cpam=date(2025, 4, 10), sens_avis_cpam="defavorable")
    assert _decision_due(data)
    html, _ = render_notice(data, "330000100", "decision_sanction", RunInfo("r", {}, date(2025, 4, 20)), Libelles())
    assert "Vu l'avis défavorable de l'organisme local d'assurance maladie du 10 avril 2025 ;" in _text(html)


def test_waiting_procedure_is_listed():
    data = _year("notification_prealable")
    data.tables["fct_procedure"]["330000100"][0]["en_attente"] = "accuse_reception"
    sel = select_notices(data)
    assert sel.notices == (("330000100", "notification_prealable"),)
    assert sel.en_attente[0]["raison"].startswith("en attente de la date de réception de la notification préalable")


def test_deadline_from_receipt_and_escaping():
    run = RunInfo("2024-x", {}, date(2025, 3, 3))
    html, pdf = render_notice(_year("notification_prealable", "<script>alert(1)</script>"), "330000100", "notification_prealable", run, Libelles())
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = _text(html)
    # no receipt date yet: the deadline is stated from the receipt, never computed from the sending
    assert "dans un délai de 30 jours à compter de la réception de la présente notification." in text
    assert "2 avril 2025" not in text and "ce délai expire" not in text
    assert pdf.startswith(b"%PDF")


def test_seuil_formula_is_stated():
    ej = "330000100"
    line = {
        "finess_ej": ej, "type": "national", "code": "NAT_2", "finess_geo": "330000209", "montant_plafond": None,
        "montant_calcule": D("0.00"), "coefficient_modulation": None, "montant": D("0.00"), "score": None,
        "economie": D("1000.00"), "part": D("0.30"), "atteinte": D("0.4"), "formule": "seuil",
        "debut_periode": date(2024, 1, 1), "methode_periode": "annee_civile", "motif_modulation": None,
        "detail": None, "run_id": "r",
    }  # fmt: skip
    data = YearData(2024, {"fct_interessement": {ej: [line]}})
    lib = Libelles(seuil_atteinte=D("0.5"))
    html, _ = render_notice(data, ej, "notification_interessement", RunInfo("r", {}, date(2025, 3, 3)), lib)
    text = _text(html)
    assert (
        "Formule à seuil : montant = part × économie réalisée lorsque le taux d'atteinte de l'objectif de "
        "l'indicateur est au moins égal à 50 % ; aucun intéressement sinon." in text
    )
    assert "330000209 NAT_2 — NAT_2 1 000,00 € 40 % à seuil 30 % 0,00 € — 0,00 €" in text
    assert "Aucun périmètre contractualisé n'est enregistré pour l'année 2024." in text


def _text(html: str) -> str:
    import html as htmllib
    import re

    from caqes_tasks.notices.formatting import normalise_spaces

    return " ".join(normalise_spaces(htmllib.unescape(re.sub(r"<[^>]+>", " ", html))).split())


def test_global_cap_is_stated():
    data = _year("notification_prealable")
    line = data.tables["fct_sanction"]["330000100"][0]
    line.update(
        montant_calcule=D("12.00"), montant=D("9.99"),
        plafond_applique=Plafond.ANNUEL.note, code_plafond=Plafond.ANNUEL,
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
