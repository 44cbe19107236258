"""French formatting of the notices' figures."""

from datetime import date
from decimal import Decimal as D

import pytest

from caqes_tasks.notices.formatting import (
    NBSP,
    NNBSP,
    date_fr,
    euros,
    finess,
    finess_valide,
    nombre,
    normalise_spaces,
    pourcent,
    taux,
)


def test_euros_groups_thousands_with_narrow_no_break_space():
    assert euros(D("12345.67")) == f"12{NNBSP}345,67{NBSP}€"
    assert normalise_spaces(euros(D("12345.67"))) == "12 345,67 €"
    assert normalise_spaces(euros(D("1234567.8"))) == "1 234 567,80 €"
    assert normalise_spaces(euros(D("999"))) == "999,00 €"
    assert normalise_spaces(euros(D("0"))) == "0,00 €"
    assert normalise_spaces(euros(D("-1234.5"))) == "-1 234,50 €"
    assert normalise_spaces(euros(D("-0.001"))) == "0,00 €"  # never "-0,00"


def test_euros_refuses_float():
    with pytest.raises(TypeError):
        euros(12345.67)


def test_percentages():
    assert normalise_spaces(pourcent(D("66.67"))) == "66,67 %"
    assert normalise_spaces(pourcent(D("100"))) == "100,00 %"
    assert normalise_spaces(pourcent(D("66.665"))) == "66,67 %"  # half-up
    assert normalise_spaces(taux(D("0.01"))) == "1 %"
    assert normalise_spaces(taux(D("0.30"))) == "30 %"
    assert normalise_spaces(taux(D("0.769231"), 2)) == "76,92 %"
    assert normalise_spaces(nombre(D("0.5850"), 4, rogner=True)) == "0,585"


def test_french_dates():
    assert date_fr(date(2026, 11, 23)) == "23 novembre 2026"
    assert date_fr(date(2025, 5, 1)) == "1er mai 2025"
    assert date_fr("2025-08-15") == "15 août 2025"
    assert date_fr(date(2024, 12, 31)) == "31 décembre 2024"


def test_finess_display():
    assert finess(" 330000100 ") == "330000100"
    assert finess("2a0000001") == "2A0000001"
    assert finess_valide("330000100")
    assert not finess_valide("33000010")
