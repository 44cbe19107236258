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
