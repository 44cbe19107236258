"""``caqes generate``: a demo landing only, one summary line; each size's counts (France: 18
regions with Corsica and overseas, ~4,500 ETs under ~3,000 EJs, every category), line-level PHEV
on demand; errors on one line, exit 2, nothing created; the same seed gives the same files."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from caqes_demo.france_places import DEPARTEMENTS, OUTRE_MER
from caqes_tasks.finess.numbers import check_finess
from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.finess import read_finess as read_finess_extract
from demo_checks import read_finess, read_source

CAQES = str(Path(sys.executable).parent / "caqes")
CATEGORIES_CAQES = {"101", "355", "292", "365", "128", "109", "129", "127", "131", "141"}


def _caqes(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CAQES, "generate", *args], capture_output=True, text=True, timeout=600, cwd=cwd)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def france(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("france")
    done = _caqes(str(root / "landing"), "--size", "france", cwd=root)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1 and "démo france" in done.stdout
    return root / "landing"


def test_france_has_18_regions_with_corsica_and_overseas(france):
    years = read_finess(france)
    assert sorted(years) == [2020, 2021, 2022, 2023, 2024]
    for annee, rows in years.items():
        deps = {r[12] for r in rows}
        assert deps == set(DEPARTEMENTS), annee
        assert {"2A", "2B", *OUTRE_MER} <= deps
        assert len({DEPARTEMENTS[d].region for d in deps}) == 18
        assert 4_000 <= len(rows) <= 5_000, annee
        assert 2_500 <= len({r[1] for r in rows}) <= 3_300, annee
        assert {r[17] for r in rows} == CATEGORIES_CAQES
        for r in rows:
            assert r[13] == DEPARTEMENTS[r[12]].libelle and len(r[11]) == 3
            prefix = {"9A": "9701", "9B": "9702", "9C": "9703", "9D": "9704", "9F": "9805"}.get(r[12], r[12])
            assert r[0].startswith(prefix), r[0]
            assert check_finess(r[0]).ok and check_finess(r[1]).ok
    big = Counter(r[1] for r in years[2024])
    assert max(big.values()) >= 20  # the Paris university hospitals: one EJ, many sites
    assert not (france / "phev_lines").exists()  # the France size writes lines only on demand


def test_france_extracts_read_with_the_pipeline_reader(france):
    for path in sorted((france / "finess").glob("*.csv")):
        result = read_finess_extract(path, SourceFormat())
        frame = result.frame
        assert frame["_champs_ok"].all() and frame["_ligne_ok"].all()
        assert frame["date_maj__type_ok"].all() and frame["extract_date__type_ok"].all()
        assert {"2A", "2B", "9A", "9D", "9F"} <= set(frame.departement)


def test_france_sources_name_registered_establishments_and_entities(france):
    years = read_finess(france)
    et_year = {(r[0], a) for a, rows in years.items() for r in rows}
    ejs = {r[1] for rows in years.values() for r in rows}
    phev = read_source(france, "phev")
    assert {(f, int(a)) for f, a in zip(phev.finess_geo, phev.annee)} <= et_year
    contrats = read_source(france, "contrats")
    assert set(contrats.finess_ej) <= ejs and len(contrats) > 1_000
    assert {"signe", "refus", "en_cours"} <= set(contrats.statut)
    auto = read_source(france, "autoevaluations")
    assert set(auto.finess_ej) <= ejs and len(auto) > 1_000


def test_small_and_region_counts(tmp_path):
    for size, ets, ejs, deps in (("small", (16, 24), (10, 14), 3), ("region", (250, 350), (150, 250), 12)):
        done = _caqes(str(tmp_path / size), "--size", size, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.strip().splitlines()) == 1
        rows = read_finess(tmp_path / size)[2022]
        assert ets[0] <= len(rows) <= ets[1] and ejs[0] <= len({r[1] for r in rows}) <= ejs[1]
        assert len({r[12] for r in rows}) == deps
        assert f"{deps} département(s)" in done.stdout and "1 région(s)" in done.stdout


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        assert _caqes(str(tmp_path / name), "--size", "small", "--seed", seed, cwd=tmp_path).returncode == 0
    a, b, c = (_tree(tmp_path / n) for n in "abc")
    assert a == b
    assert a.keys() == c.keys() and a["phev/phev_2022.csv"] != c["phev/phev_2022.csv"]


def test_phev_lines_on_demand_add_up_to_the_yearly_amounts(tmp_path):
    done = _caqes(str(tmp_path / "l"), "--size", "small", "--phev-lines", "40000", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    landing = tmp_path / "l"
    files = sorted((landing / "phev_lines").rglob("*.parquet"))
    assert [p.relative_to(landing / "phev_lines").as_posix() for p in files] == [
        f"annee={y}/part-{m:02d}.parquet" for y in range(2021, 2025) for m in range(1, 13)]
    table = pq.read_table(landing / "phev_lines")
    assert 40_000 <= table.num_rows <= 40_500
    assert f"{table.num_rows:,}".replace(",", " ") in done.stdout
    sums: dict[tuple, list] = {}
    per_et = Counter()
    for f, d, code, montant, q in zip(*(table.column(c).to_pylist() for c in (
            "finess_geo", "date_execution", "indicateur", "montant_rembourse", "quantite"))):
        s = sums.setdefault((f, d.year, code), [Decimal(0), 0])
        s[0] += montant
        s[1] += q
        per_et[f] += 1
        assert montant > 0 and q >= 1
    phev = read_source(landing, "phev")
    yearly = {(r.finess_geo, int(r.annee), r.indicateur): (Decimal(r.montant_rembourse.replace(",", ".")),
                                                           int(r.volume)) for r in phev.itertuples(index=False)}
    for key, (montant, volume) in sums.items():
        assert (montant, volume) == yearly[key], key
    assert {y for _, y, _ in sums} == {2021, 2022, 2023, 2024}
    # skew: the university hospital sites carry far more lines than the median site
    chu = {r[0] for r in read_finess(landing)[2022] if r[17] == "101"}
    counts = sorted(per_et.values())
    assert min(per_et[f] for f in chu) > 3 * counts[len(counts) // 2]


ERRORS = {
    "unknown size": (["{tmp}/x", "--size", "national"], ["national", "small, region ou france"]),
    "seed not a number": (["{tmp}/x", "--seed", "abc"], ["--seed", "--help"]),
    "negative seed": (["{tmp}/x", "--seed", "-1"], ["graine", "-1"]),
    "negative lines": (["{tmp}/x", "--phev-lines", "-3"], ["--phev-lines", "-3"]),
    "missing folder": ([], ["LANDING"]),
    "folder with files": (["{tmp}/full"], ["full", "contient déjà"]),
    "a file, not a folder": (["{tmp}/file.txt"], ["file.txt", "pas un dossier"]),
    "unknown option": (["{tmp}/x", "--taille", "small"], ["--taille"]),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_one_line_exit_2_nothing_created(case, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "contrats.csv").write_text("finess_ej\n")
    (tmp_path / "file.txt").write_text("x")
    before = _tree(tmp_path)
    args, expected = ERRORS[case]
    done = _caqes(*(a.format(tmp=tmp_path) for a in args), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in expected:
        assert word in lines[0], lines[0]
    assert _tree(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "full"]


def test_empty_folder_is_filled_and_missing_parents_created(tmp_path):
    (tmp_path / "empty").mkdir()
    assert _caqes(str(tmp_path / "empty"), "--size", "small", cwd=tmp_path).returncode == 0
    assert (tmp_path / "empty" / "finess_ej").is_dir()
    assert _caqes(str(tmp_path / "a" / "b" / "landing"), "--size", "small", cwd=tmp_path).returncode == 0
    assert (tmp_path / "a" / "b" / "landing" / "sources.yml").is_file()
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["landing"]  # nothing left aside
