from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from caqes_demo import generate_phev_lines

ETS = ["330700238", "332241728", "640000162"]


def test_partitioned_parquet_with_the_contract_columns(tmp_path):
    files = generate_phev_lines(tmp_path, year=2023, finess_geo=ETS, rows=25_000, seed=1, rows_per_part=10_000)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "annee=2023/part-0.parquet", "annee=2023/part-1.parquet", "annee=2023/part-2.parquet"]
    tables = [pq.read_table(p) for p in files]
    assert [t.num_rows for t in tables] == [10_000, 10_000, 5_000]
    table = pa.concat_tables(tables)
    assert table.schema.names == ["finess_geo", "date_execution", "indicateur", "code", "montant_rembourse", "quantite"]
    assert table.schema.field("date_execution").type == pa.date32()
    assert table.schema.field("montant_rembourse").type == pa.decimal128(18, 2)
    assert pa.types.is_integer(table.schema.field("quantite").type)
    rows = table.to_pydict()
    assert set(rows["finess_geo"]) == set(ETS)
    assert set(rows["indicateur"]) == {f"NAT_{i}" for i in range(1, 7)}
    assert min(rows["date_execution"]) >= date(2023, 1, 1) and max(rows["date_execution"]) <= date(2023, 12, 31)
    montants = rows["montant_rembourse"]
    assert all(isinstance(m, Decimal) and m > 0 and m == m.quantize(Decimal("0.01")) for m in montants)
    assert all(q >= 1 for q in rows["quantite"])


def test_lines_are_deterministic(tmp_path):
    a = generate_phev_lines(tmp_path / "a", year=2022, finess_geo=ETS, rows=5_000, seed=3)
    b = generate_phev_lines(tmp_path / "b", year=2022, finess_geo=ETS, rows=5_000, seed=3)
    c = generate_phev_lines(tmp_path / "c", year=2022, finess_geo=ETS, rows=5_000, seed=4)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert pq.read_table(a[0]) != pq.read_table(c[0])


def test_empty_list_of_establishments_is_rejected(tmp_path):
    with pytest.raises(ValueError):
        generate_phev_lines(tmp_path, year=2022, finess_geo=[], rows=10)
