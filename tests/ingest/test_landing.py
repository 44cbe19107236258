import os
import time

import pytest

from caqes_tasks.ingest.landing import (
    LandingError,
    parse_formats,
    read_formats,
    read_landing_bytes,
    scan_landing,
    sha256_file,
    survey_landing,
)


def test_scan_hashes_sources_yml_and_skips_hidden_files(tmp_path):
    (tmp_path / "phev").mkdir()
    (tmp_path / "phev" / "a.csv").write_text("x")
    (tmp_path / "phev" / ".~lock.a.csv#").write_text("lock")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x").write_text("x")
    (tmp_path / "sources.yml").write_text("phev: {separator: ','}\n")
    hashes = scan_landing(tmp_path)
    assert hashes == {"phev/a.csv": sha256_file(tmp_path / "phev" / "a.csv"),
                      "sources.yml": sha256_file(tmp_path / "sources.yml")}


def test_same_size_correction_with_its_modification_time_kept_gets_its_new_hash(tmp_path):
    (tmp_path / "phev").mkdir()
    f = tmp_path / "phev" / "a.csv"
    f.write_text("one")
    st = f.stat()
    first = scan_landing(tmp_path)
    f.write_text("two")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # modification time kept
    assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns
    assert scan_landing(tmp_path)["phev/a.csv"] == sha256_file(f) != first["phev/a.csv"]


def test_hashing_the_demo_sized_landing_needs_no_cache(tmp_path):
    """30 files, 3 MB (the region demo's size): hashed from scratch in well under a second."""
    for i in range(30):
        (tmp_path / "phev").mkdir(exist_ok=True)
        (tmp_path / "phev" / f"f{i}.csv").write_bytes(os.urandom(100_000))
    start = time.monotonic()
    assert len(scan_landing(tmp_path)) == 30
    assert time.monotonic() - start < 1


def test_survey_says_what_is_not_an_input(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("secret")
    landing = tmp_path / "landing"
    (landing / "phev" / "sub").mkdir(parents=True)
    (landing / "phev" / "a.csv").write_text("a")
    (landing / "phev" / "sub" / "b.csv").write_text("b")
    (landing / "phev" / "leak.csv").symlink_to(outside / "secret.csv")
    (landing / "phev" / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    (landing / "phev" / "alias.csv").symlink_to(landing / "phev" / "a.csv")
    (landing / "phev" / "dir_link").symlink_to(landing / "phev" / "sub")
    (landing / "autre_source").mkdir()
    (landing / "autre_source" / "x.csv").write_text("x")
    (landing / "phev_2024.csv").write_text("at the root")
    os.mkfifo(landing / "phev" / "pipe.csv")
    s = survey_landing(landing)
    assert sorted(s.files) == ["phev/a.csv", "phev/alias.csv", "phev/sub/b.csv"]
    assert {r["file"]: r["kind"] for r in s.refused} == {"phev/dangling.csv": "lien", "phev/leak.csv": "lien",
                                                        "phev/pipe.csv": "special"}
    ignored = {i["file"]: i for i in s.ignored}
    assert set(ignored) == {"autre_source/", "phev_2024.csv", "phev/dir_link/"}
    assert "source inconnue" in ignored["autre_source/"]["reason"] and "1 fichier" in ignored["autre_source/"]["reason"]
    assert "racine" in ignored["phev_2024.csv"]["reason"]
    # a link that leaves the landing zone is never read, even when asked for by key
    with pytest.raises(LandingError, match="phev/leak.csv"):
        read_landing_bytes(landing, "phev/leak.csv")
    assert read_landing_bytes(landing, "phev/alias.csv") == b"a"
    assert "phev/leak.csv" not in scan_landing(landing)


def test_formats(tmp_path):
    assert read_formats(tmp_path)["phev"].separator == ";"
    (tmp_path / "sources.yml").write_text("phev: {encoding: Windows-1252, separator: ','}\n")
    fmt = read_formats(tmp_path)["phev"]
    assert (fmt.encoding, fmt.encoding_declared, fmt.separator) == ("cp1252", True, ",")
    (tmp_path / "sources.yml").write_text("phev: {encoding: latin-9}\n")
    with pytest.raises(LandingError, match="phev.encoding"):
        read_formats(tmp_path)


@pytest.mark.parametrize("text,fragment", [
    ("phev: {encoding: utf-8\ncontrats: [\n", "sources.yml, ligne"),
    ("phev:\n  encoding: utf-8\n separator: ';'\n", "sources.yml, ligne 3"),
    ("- phev\n- contrats\n", "doit associer"),
    ("phve: {separator: ','}\n", "« phve » inconnue"),
    ("phev: {separateur: ','}\n", "phev.separateur inconnu"),
    ("phev: {separator: '|'}\n", "phev.separator"),
    ("phev: utf-8\n", "« phev »"),
])
def test_malformed_sources_yml_is_one_line_naming_the_file(tmp_path, text, fragment):
    (tmp_path / "sources.yml").write_text(text)
    with pytest.raises(LandingError) as err:
        scan_landing(tmp_path)  # prepare hashes it: a malformed one stops the run before anything
    message = str(err.value)
    assert message.startswith("sources.yml") and fragment in message and "\n" not in message
    assert err.value.__cause__ is None and (err.value.__context__ is None or err.value.__suppress_context__)
    with pytest.raises(LandingError):
        read_formats(tmp_path)


def test_sources_yml_not_in_utf8(tmp_path):
    with pytest.raises(LandingError, match="UTF-8"):
        parse_formats("# commentaire évalué\nphev: {}\n".encode("cp1252"))
