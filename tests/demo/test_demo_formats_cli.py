from datetime import date
from decimal import Decimal

from caqes_demo.__main__ import main
from caqes_demo.csv_files import ddmmyyyy, money, number


def test_money_and_number_formats():
    assert money(123456) == "1234.56"
    assert money(5, comma=True) == "0,05"
    assert money(-250) == "-2.50"
    assert money(None) == ""
    assert number(Decimal("0.8"), places=2) == "0.80"
    assert number(Decimal("1234.5"), places=2, comma=True) == "1234,50"
    assert number(Decimal("812")) == "812"
    assert ddmmyyyy(date(2022, 7, 1)) == "01/07/2022"


def test_command_line_writes_a_landing_folder(tmp_path, capsys):
    assert main([str(tmp_path / "landing"), "--size", "small", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "small, seed 5" in out and "phev" in out
    assert (tmp_path / "landing" / "sources.yml").is_file()
    assert len(list((tmp_path / "landing" / "finess").glob("*.csv"))) == 5
