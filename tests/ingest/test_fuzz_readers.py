"""Fuzzing each reader (the delimited sources and the FINESS extract): random bytes, random CSV
shapes, random encodings and line endings, huge lines. Every input ends as a frame the suites can
judge — success or a validation failure — never an exception, a crash or a hang. Bounded: a fixed
number of examples, a deadline per example, derandomized so that CI runs the same cases."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caqes_tasks.ingest.blocking import blocked_years
from caqes_tasks.ingest.columns import COLUMNS
from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers import read_file
from caqes_tasks.ingest.readers.decoding import MAX_LINE_CHARS
from caqes_tasks.quality.completeness import completeness_warnings
from caqes_tasks.quality.helpers import Catalogue, Register, add_helpers, contract_rows, mark_contract_conflicts
from caqes_tasks.referentiel import load_referentiel

pytestmark = pytest.mark.timeout(120)

REF = load_referentiel()
CATALOGUE = Catalogue.from_referentiel(REF)
REGISTER = Register({2023: {"330000019": "330781196"}, 2024: {"330000019": "330781196", "640000030": "640780003"}})
EVAL, DATA = list(REF.annees_evaluation), list(REF.annees_donnees)
DELIMITED = sorted(COLUMNS)
FAST = settings(max_examples=60, deadline=3000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
GX = settings(FAST, max_examples=4, deadline=20000)

CELLS = st.one_of(
    st.sampled_from(["", " ", "330000019", "330781196", "2A0000012", "33000001", "2024", "2023", "1899", "99999999999",
                     "NAT_1", "ATB", "V1", "signe", "refus", "oui", "non", "1,5", "1.5", "-3", "1 234,56", "1e9", "NaN",
                     "inf", "2024-02-29", "31/02/2024", "2031-01-10", "01/07/2022", '"', '""', '"a;b"', "=1+1", "é", "\ufeff",
                     "\x00", "\u202f", "structureet", "geolocalisation", "finess", "etalab"]),
    st.text(max_size=12),
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
EOLS = st.sampled_from(["\n", "\r\n", "\r"])
FORMATS = st.builds(SourceFormat, encoding=st.sampled_from(["utf-8", "cp1252"]), encoding_declared=st.booleans(),
                    separator=st.sampled_from([";", ","]))


@st.composite
def csv_bytes(draw, source: str) -> bytes:
    """A CSV of ``source``'s shape, more or less: columns kept, dropped, renamed or added."""
    names = [c.name for c in COLUMNS[source]]
    header = draw(st.lists(st.sampled_from(names + ["extra", "", "annee"]), max_size=len(names) + 2)) or names
    if draw(st.booleans()):
        header = names
    sep = draw(st.sampled_from([";", ",", "\t"]))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(header) + 2), max_size=12))
    eol = draw(EOLS)
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    if draw(st.booleans()) and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] += draw(st.sampled_from(["x", ";", "9"])) * draw(st.integers(MAX_LINE_CHARS - 10, MAX_LINE_CHARS + 5000))
    text = eol.join(lines) + draw(st.sampled_from(["", eol]))
    return text.encode(draw(ENCODINGS), errors="replace")


@st.composite
def finess_bytes(draw) -> bytes:
    first = draw(st.sampled_from(["finess;etalab;111;2024-01-15", "finess;etalab;111;2024-13-45", "finess;x", "",
                                  "structureet;330000019"]))
    lines = [first]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["structureet", "geolocalisation", "autre", ""]))
        width = draw(st.integers(1, 36))
        fields = [kind] + draw(st.lists(CELLS, min_size=width - 1, max_size=width - 1))
        lines.append(";".join(fields))
    if draw(st.booleans()):
        lines.append("structureet;" + "X" * draw(st.integers(MAX_LINE_CHARS - 10, MAX_LINE_CHARS + 5000)))
    eol = draw(EOLS)
    return (eol.join(lines) + draw(st.sampled_from(["", eol]))).encode(draw(ENCODINGS), errors="replace")


ANY_BYTES = st.one_of(st.binary(max_size=3000), st.binary(max_size=200).map(lambda b: b * 50))


def judged(source: str, data: bytes, fmt: SourceFormat) -> pd.DataFrame:
    """Read, add the helpers, decide the blocked years, as the stage does; check the frame's shape."""
    rr = read_file(source, Path(f"{source}.csv"), fmt, data)
    frame = rr.frame
    assert "_line" in frame.columns and frame["_line"].is_unique
    for flag in ("_entete_ok", "_champs_ok", "_encodage_ok", "_ligne_ok"):
        assert flag in frame.columns
        assert frame[flag].dtype == bool
    assert all(isinstance(w, str) for w in rr.warnings + rr.notes)
    notes = add_helpers(source, frame, REGISTER, CATALOGUE)
    assert all(isinstance(n, str) for n in notes)
    if source == "contrats":
        mark_contract_conflicts(frame, [("contrats/autre.csv", contract_rows(frame))])
    completeness_warnings(source, frame, [("330000019", 2023, "NAT_1")], REGISTER)
    years = blocked_years(source, frame, EVAL, DATA, (date(2022, 7, 1), date(2024, 12, 31)))
    assert set(years) <= set(EVAL)
    if not frame["_entete_ok"].all():  # a first line that cannot be read: its cause, on one row
        assert len(frame) == 1 and frame["_entete__brut"].iloc[0]
    if not frame.empty and not (frame["_entete_ok"].all() and frame["_ligne_ok"].all() and frame["_champs_ok"].all()
                                and frame["_encodage_ok"].all()):
        assert years == EVAL  # lines that cannot be trusted block every year
    return frame


@FAST
@given(source=st.sampled_from(DELIMITED), data=ANY_BYTES, fmt=FORMATS)
def test_delimited_reader_random_bytes(source, data, fmt):
    judged(source, data, fmt)


@FAST
@given(data=st.data(), fmt=FORMATS)
def test_delimited_reader_random_csv_shapes(data, fmt):
    source = data.draw(st.sampled_from(DELIMITED))
    judged(source, data.draw(csv_bytes(source)), fmt)


@FAST
@given(data=st.one_of(ANY_BYTES, finess_bytes()), fmt=FORMATS)
def test_finess_reader_random_input(data, fmt):
    frame = judged("finess", data, fmt)
    if frame["_entete_ok"].all():
        assert {"extract_date__type_ok", "date_maj__type_ok", "annee"} <= set(frame.columns)


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    from caqes_tasks.quality.validation import Validator

    return Validator(tmp_path_factory.mktemp("fuzz") / "data_docs")


def _validated(validator, source, frame):
    from caqes_tasks.ingest.stage import suite_parameters

    v, _ = validator.run(source, f"fuzz_{source}.csv", frame, suite_parameters(REF), "fuzz")
    assert isinstance(v.success, bool)
    assert all(f.regle and f.expectation for f in v.failures)
    assert not any("Traceback" in f.detail for f in v.failures)
    if not v.success:
        assert v.failures  # a failure always says which rule


@GX
@given(data=st.data(), fmt=FORMATS)
def test_delimited_reader_through_the_suites(validator, data, fmt):
    source = data.draw(st.sampled_from(["phev", "contrats", "regional", "decisions_dg"]))
    raw = data.draw(st.one_of(csv_bytes(source), ANY_BYTES))
    _validated(validator, source, judged(source, raw, fmt))


@GX
@given(data=st.one_of(finess_bytes(), ANY_BYTES), fmt=FORMATS)
def test_finess_reader_through_the_suite(validator, data, fmt):
    _validated(validator, "finess", judged("finess", data, fmt))
