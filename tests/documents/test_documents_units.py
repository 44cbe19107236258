"""Small rules of the documents, without a warehouse: the distribution list and the target path."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from caqes_tasks.documents import distribution
from caqes_tasks.documents.analyse_semestrielle import SemesterData, trajectoire


def test_distribution_names_the_four_recipients_and_neutralises_formulas():
    docs = [{"finess_ej": "330781196", "nom": "=HYPERLINK(\"x\")", "departement": "33", "pdf": "330781196/analyse_semestrielle.pdf", "sha256": "ab"}]
    files = distribution.files(docs, 2024, 1, "semestre-2024-S1-x")
    payload = json.loads(files["distribution.json"])
    assert [e["destinataire"] for e in payload["envois"]] == ["cme", "omedit", "ars", "cpam"]
    assert "département 33" in payload["envois"][3]["libelle_destinataire"]
    rows = list(csv.DictReader(io.StringIO(files["distribution.csv"].decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 4 and all(r["raison_sociale_ej"].startswith("'=") for r in rows)
    assert files == distribution.files(docs, 2024, 1, "semestre-2024-S1-x"), "same input, same bytes"


def test_target_path_follows_last_year_spending_else_the_days():
    data = SemesterData(2024, 1)
    data.semestres = {
        ("330000019", "NAT_1", 2023, 1): {"montant": Decimal("300.00")},
        ("330000019", "NAT_1", 2023, 2): {"montant": Decimal("100.00")},
    }
    path, how = trajectoire(data, "330000019", "NAT_1", Decimal("1000.00"))
    assert path == Decimal("750.00") and "2023" in how  # 3/4 of 2023's spending by June
    path, how = trajectoire(data, "330000019", "NAT_2", Decimal("1000.00"))
    assert path == (Decimal("1000.00") * 182 / 366).quantize(Decimal("0.01")) and how == "prorata des jours"  # 2024: leap year
    data.half = 2
    assert trajectoire(data, "330000019", "NAT_1", Decimal("1000.00"))[0] == Decimal("1000.00")
