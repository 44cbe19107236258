import pandas as pd

from caqes_tasks.quality.helpers import Register, add_helpers


def test_register_year_choice():
    reg = Register({2021: {"a": "x"}, 2024: {"b": "y"}})
    assert reg.year_for(2024) == 2024 and reg.year_for(2023) == 2021 and reg.year_for(2020) == 2021
    assert Register().year_for(2024) is None


def test_helpers_flag_key_et_and_ratio():
    reg = Register({2024: {"330000019": "330781196", "2A0000012": "2A0000004"}})
    f = pd.DataFrame({"_line": [2, 3, 4, 5], "finess_geo": ["330000019", "330000018", "2A0000012", "330000035"],
                      "annee": pd.array([2023, 2023, 2024, 2024], dtype="Int64"),
                      "numerateur": [1, 5, None, 1], "denominateur": [2, 4, 3, 1]})
    notes = add_helpers("phev", f, reg)
    assert f["finess_geo__cle_ok"].tolist() == [True, False, True, True]
    assert f["_et_connu"].tolist() == [True, False, True, False]
    assert f["_num_le_den"].tolist() == [True, False, True, True]
    assert any("2A0000012" in n and "format" in n for n in notes)


def _catalogue():
    from datetime import date

    from caqes_tasks.quality.helpers import Catalogue

    return Catalogue({"ATB": "amount", "MIPA": "rate", "NAT_6": "share", "NAT_1": "amount", "CHIR_AMBU": "rate"},
                     {"V1": {"ATB", "MIPA", "NAT_6", "NAT_1"}, "V2": {"CHIR_AMBU"}}, date(2022, 7, 1), date(2024, 12, 31))


def test_regional_range_and_ratio_follow_the_measure():
    from decimal import Decimal as D

    f = pd.DataFrame({"_line": [2, 3, 4, 5, 6], "indicateur": ["ATB", "MIPA", "MIPA", "XYZ", None],
                      "valeur": [D("412.5"), D("1.2"), D("1"), D("7"), D("3")],
                      "numerateur": [D(41250), D(120), D(1), D(5), None], "denominateur": [D(100), D(100), D(1), D(1), None]})
    add_helpers("regional", f, Register(), _catalogue())
    assert f["_mesure"].tolist() == ["amount", "rate", "rate", None, None]
    assert f["_valeur_dans_plage"].tolist() == [True, False, True, True, True]
    assert f["_num_le_den"].tolist() == [True, False, True, False, True]


def test_avenant_helpers():
    from datetime import date

    reg = Register({2022: {"330000019": "330781196", "640000030": "640780003"}})
    f = pd.DataFrame({
        "finess_ej": ["330781196", "330781196", "330781196", "330781196", "330781196"],
        "volet": ["V1", "V1", "V1", "V2", "V1"],
        "finess_geo": ["330000019", None, "640000030", "330000019", "330000019"],
        "indicateur": ["ATB", None, "NAT_1", "NAT_1", None],
        "action": ["ajout", "resiliation", "retrait", "ajout", "resiliation"],
        "date_signature": [date(2022, 10, 1), date(2023, 11, 30), date(2022, 9, 1), date(2022, 9, 1), date(2025, 1, 2)],
    })
    add_helpers("avenants", f, reg, _catalogue())
    assert f["_avenant_cible"].tolist() == [True, True, True, True, True]
    assert f["_resiliation_sans_cible"].tolist() == [True, True, True, True, False]
    assert f["_et_de_l_ej"].tolist() == [True, True, False, True, True]
    assert f["_indicateur_du_volet"].tolist() == [True, True, True, False, True]
    assert f["_signature_dans_campagne"].tolist() == [True, True, True, True, False]
    g = pd.DataFrame({"finess_ej": ["330781196"], "volet": ["V1"], "finess_geo": [None], "indicateur": ["ATB"],
                      "action": ["ajout"], "date_signature": [date(2023, 1, 1)]})
    add_helpers("avenants", g, reg, _catalogue())
    assert g["_avenant_cible"].tolist() == [False]


def test_decision_helpers():
    from decimal import Decimal as D

    f = pd.DataFrame({
        "objet": ["refus", "non_atteinte:V1", "non_atteinte:V2", "refus", "sanction", "non_atteinte:V9", "sanction", "refus"],
        "choix": ["reduction_liste_en_sus", "reduction_liste_en_sus", "reduction_liste_en_sus", "accord_prealable",
                  "reduction", "reduction", "renonciation", "reduction_liste_en_sus"],
        "montant_base": [D("1000"), None, D("5"), None, D("0"), D("10"), D("3"), D("0")],
    })
    add_helpers("decisions_dg", f, Register(), _catalogue())
    assert f["_choix_compatible"].tolist() == [True, True, False, False, True, True, True, True]
    assert f["_montant_base_requis"].tolist() == [True, False, True, True, True, True, True, True]
    assert f["_montant_base_positif"].tolist() == [True, True, True, True, True, True, True, False]
    assert f["_montant_base_vide"].tolist() == [True, True, True, True, True, True, False, True]
    assert f["_objet_volet_connu"].tolist() == [True, True, True, True, True, False, True, True]


def test_notification_receipt_not_before_sending():
    from datetime import date

    f = pd.DataFrame({"finess_ej": ["330781196"] * 3, "date_envoi": [date(2024, 2, 1)] * 3,
                      "date_reception": [date(2024, 2, 5), None, date(2024, 1, 31)]})
    add_helpers("notifications", f, Register({2024: {"330000019": "330781196"}}))
    assert f["_reception_apres_envoi"].tolist() == [True, True, False]
    assert f["_ej_connu"].tolist() == [True, True, True]
