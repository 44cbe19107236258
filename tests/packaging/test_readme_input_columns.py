"""The README's table of the input files' columns is generated from the code's declarations
(caqes_tasks.ingest.columns, the FINESS readers, caqes_tasks.warehouse.schema): it cannot drift.

After a deliberate change of the data contract, print the new table with
``python -m pytest tests/packaging/test_readme_input_columns.py`` (the failure shows it) and
paste it between the README's markers.
"""

from __future__ import annotations

from pathlib import Path

from caqes_tasks.ingest.columns import COLUMNS
from caqes_tasks.ingest.landing import SOURCES
from caqes_tasks.ingest.readers import finess, finess_ej
from caqes_tasks.warehouse.schema import SOURCE_KEYS

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- input-columns:start -->", "<!-- input-columns:end -->"
KINDS = {"finess": "FINESS", "text": "texte", "code": "code", "int": "entier", "dec2": "nombre, 2 déc.",
         "dec6": "nombre, 6 déc.", "date": "date"}
# Parquet, read by dbt (data contract of the phev_lines feed)
PHEV_LINES = "finess_geo, date_execution (date), indicateur, code, montant_rembourse, quantite"


def _extract(fields: dict[str, int], dates: dict[str, int], header: str) -> str:
    cols = [f"`{n}`" for n in sorted({**fields, **dates}, key=lambda n: {**fields, **dates}[n])]
    return f"extrait officiel inchangé, 1re ligne `{header}` ; colonnes chargées : " + ", ".join(cols)


def input_columns_table() -> str:
    rows = ["| source | format | colonnes (* obligatoire) | une ligne par |", "|---|---|---|---|"]
    for source in SOURCES:
        if source == "finess":
            cols = _extract(finess.FIELDS, finess.DATE_FIELDS, "finess;etalab;<n>;<AAAA-MM-JJ>")
            fmt = "FINESS `structureet` (31 ou 32 valeurs)"
        elif source == "finess_ej":
            cols = _extract(finess_ej.FIELDS, finess_ej.DATE_FIELDS, "finess;etalab;<n>;<AAAA-MM-JJ>")
            fmt = "FINESS `structureej` (23 valeurs)"
        elif source == "phev_lines":
            rows.append(f"| `phev_lines` | Parquet (facultatif) | {PHEV_LINES} | ligne de prescription |")
            continue
        else:
            cols = ", ".join(f"`{c.name}`{'*' if c.required else ''} ({KINDS[c.kind]})" for c in COLUMNS[source])
            fmt = "CSV avec en-tête"
        key = ", ".join(SOURCE_KEYS[source])
        rows.append(f"| `{source}` | {fmt} | {cols} | {key} |")
    return "\n".join(rows)


def test_readme_table_matches_the_code():
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README.md : marqueurs {START} / {END} absents"
    current = text.split(START, 1)[1].split(END, 1)[0].strip()
    expected = input_columns_table()
    assert current == expected, "README.md : table des colonnes à remplacer par :\n" + expected
