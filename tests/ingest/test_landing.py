import pytest

from caqes_tasks.ingest.landing import LandingError, read_formats, scan_landing, sha256_file


def test_scan_ignores_sources_yml_and_hidden_files(tmp_path):
    (tmp_path / "phev").mkdir()
    (tmp_path / "phev" / "a.csv").write_text("x")
    (tmp_path / "phev" / ".~lock.a.csv#").write_text("lock")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x").write_text("x")
    (tmp_path / "sources.yml").write_text("phev: {separator: ','}\n")
    hashes = scan_landing(tmp_path)
    assert hashes == {"phev/a.csv": sha256_file(tmp_path / "phev" / "a.csv")}


def test_scan_cache_follows_changes(tmp_path):
    (tmp_path / "phev").mkdir()
    f = tmp_path / "phev" / "a.csv"
    f.write_text("one")
    cache = tmp_path.parent / f"{tmp_path.name}-cache.json"
    first = scan_landing(tmp_path, cache)
    assert scan_landing(tmp_path, cache) == first
    f.write_text("two!")
    assert scan_landing(tmp_path, cache)["phev/a.csv"] == sha256_file(f) != first["phev/a.csv"]


def test_formats(tmp_path):
    assert read_formats(tmp_path)["phev"].separator == ";"
    (tmp_path / "sources.yml").write_text("phev: {encoding: Windows-1252, separator: ','}\n")
    fmt = read_formats(tmp_path)["phev"]
    assert (fmt.encoding, fmt.encoding_declared, fmt.separator) == ("cp1252", True, ",")
    (tmp_path / "sources.yml").write_text("phev: {encoding: latin-9}\n")
    with pytest.raises(LandingError, match="phev.encoding"):
        read_formats(tmp_path)
