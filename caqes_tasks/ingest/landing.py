"""The landing zone: what was delivered (hashes) and how each source's files are written.

``landing/<source>/<file>``: one folder per source, one file per delivery; the folder is never
modified. ``landing/sources.yml`` (optional) declares per source ``encoding`` (``utf-8``, the
default, BOM accepted, or ``cp1252``) and ``separator`` (``;`` default, or ``,``)::

    phev: {encoding: cp1252, separator: ";"}
    contrats: {separator: ","}

A run's inputs are fixed once, by :func:`scan_landing` (called by ``pipeline.prepare``): the
SHA-256 of every delivered file under the key ``"<source>/<file>"`` and of ``sources.yml`` under
the key ``"sources.yml"`` (it changes how every file is read). There is no hash cache: the
region demo landing (30 files, 3 MB) hashes in about 4 ms, and a (size, mtime) cache returns a
stale hash for a same-size correction whose modification time was kept.

:func:`survey_landing` lists the landing without reading it and says what is not an input:
hidden entries (editor lock files, ``.git``) are skipped silently; a file at the landing root, a
folder that is not a source of the data contract, a link to a folder or a special file are
*ignored* with a reason; a symbolic link that leaves the landing zone (or leads nowhere) is
*refused*: never followed, never read, never copied. :func:`read_landing_bytes` reads an input
the same way (the resolved path must stay inside the landing zone and be a regular file).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SOURCES = (
    "finess",
    "finess_ej",
    "phev",
    "phev_lines",
    "regional",
    "engagements",
    "contrats",
    "produits_am",
    "enveloppes",
    "modulations",
    "observations",
    "avenants",
    "notifications",
    "avis_cpam",
    "decisions_dg",
    "autoevaluations",
)
SOURCES_FILE = "sources.yml"
SOURCES_KEY = SOURCES_FILE  # key of sources.yml among a run's input hashes (path relative to the landing)
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "cp1252": "cp1252", "windows-1252": "cp1252", "latin-1": "cp1252"}
SEPARATORS = {";", ","}
FORMAT_KEYS = {"encoding", "separator"}


class LandingError(ValueError):
    """The landing zone cannot be used as delivered; the message is one line naming the file."""


class InputChangedError(LandingError):
    """A file of the run's hashed inputs changed (or disappeared) after the run was prepared."""


@dataclass(frozen=True)
class SourceFormat:
    encoding: str = "utf-8"
    encoding_declared: bool = False
    separator: str = ";"

    def to_dict(self) -> dict:
        return {"encoding": self.encoding, "separator": self.separator}


@dataclass
class Survey:
    """What the landing zone holds, listed without reading any file."""

    files: dict[str, Path] = field(default_factory=dict)  # "<source>/<file>" -> path (inputs)
    sources_yml: Path | None = None
    ignored: list[dict] = field(default_factory=list)  # {"file", "kind", "reason"}: not inputs
    refused: list[dict] = field(default_factory=list)  # {"file", "source", "kind", "reason"}: links leaving


def source_of(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _count_files(folder: Path) -> int:
    n = 0
    for _, _, files in os.walk(folder):
        n += sum(1 for f in files if not f.startswith("."))
    return n


def survey_landing(landing: Path) -> Survey:
    """List the landing zone (sorted): inputs, ignored entries and refused links."""
    landing = Path(landing)
    survey = Survey()
    if not landing.is_dir():
        return survey
    root = os.path.realpath(landing)
    known = ", ".join(SOURCES)
    for entry in sorted(landing.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name.startswith("."):
            continue
        st = entry.lstat()
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(entry)
            if not _inside(target, root) or not os.path.exists(target):
                survey.refused.append({"file": name, "source": "", "kind": "lien",
                                       "reason": "lien symbolique qui sort du dépôt (ou ne mène nulle part) : "
                                                 "refusé, ni suivi ni lu"})
            else:
                survey.ignored.append({"file": name, "kind": "lien",
                                       "reason": "lien symbolique à la racine du dépôt : non suivi"})
            continue
        if stat.S_ISDIR(st.st_mode):
            if name in SOURCES:
                _walk(landing, entry, name, root, survey)
            else:
                n = _count_files(entry)
                survey.ignored.append({"file": f"{name}/", "kind": "source_inconnue",
                                       "reason": f"dossier « {name} » : source inconnue du contrat de données, "
                                                 f"{n} fichier(s) non lu(s) (sources : {known})"})
            continue
        if stat.S_ISREG(st.st_mode):
            if name == SOURCES_FILE:
                survey.sources_yml = entry
            else:
                survey.ignored.append({"file": name, "kind": "racine",
                                       "reason": "fichier à la racine du dépôt, hors dossier de source : non lu "
                                                 "(le déposer dans le dossier de sa source)"})
            continue
        survey.ignored.append({"file": name, "kind": "special",
                               "reason": "ni fichier ni dossier (tube, socket ou périphérique) : non lu"})
    return survey


def _walk(landing: Path, folder: Path, source: str, root: str, survey: Survey) -> None:
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        key = entry.relative_to(landing).as_posix()
        st = entry.lstat()
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(entry)
            if not _inside(target, root) or not os.path.exists(target):
                survey.refused.append({"file": key, "source": source, "kind": "lien",
                                       "reason": "lien symbolique qui sort du dépôt (ou ne mène nulle part) : "
                                                 "refusé, ni suivi ni lu"})
            elif os.path.isdir(target):
                survey.ignored.append({"file": key + "/", "kind": "lien",
                                       "reason": "lien symbolique vers un dossier : non suivi"})
            elif stat.S_ISREG(os.stat(target).st_mode):
                survey.files[key] = entry  # a link to a file inside the landing zone
            else:
                survey.refused.append({"file": key, "source": source, "kind": "special",
                                       "reason": "lien vers autre chose qu'un fichier ordinaire : refusé, non lu"})
        elif stat.S_ISDIR(st.st_mode):
            _walk(landing, entry, source, root, survey)
        elif stat.S_ISREG(st.st_mode):
            survey.files[key] = entry
        else:
            survey.refused.append({"file": key, "source": source, "kind": "special",
                                   "reason": "ni fichier ni dossier (tube, socket ou périphérique) : refusé, non lu"})


def _open_input(landing: Path, key: str) -> int:
    """A file descriptor on the regular file ``landing/key`` whose real path stays inside."""
    root = os.path.realpath(landing)
    real = os.path.realpath(Path(landing) / key)
    if not _inside(real, root):
        raise InputChangedError(f"{key} : le fichier sort désormais du dépôt (lien symbolique) : non lu")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise InputChangedError(f"{key} : le fichier a disparu depuis la préparation du run : "
                                "relancer le run (nouvelle préparation)") from None
    except OSError as exc:
        raise LandingError(f"{key} : fichier illisible ({exc.strerror or exc})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputChangedError(f"{key} : n'est plus un fichier ordinaire : non lu")
    return fd


def read_landing_bytes(landing: Path, key: str) -> bytes:
    """The bytes of one input (read once; the caller hashes exactly these bytes)."""
    fd = _open_input(landing, key)
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_landing(landing: Path, key: str, chunk: int = 1 << 20) -> str:
    """SHA-256 of one input, streamed (large Parquet files are never held in memory)."""
    fd = _open_input(landing, key)
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            while block := fh.read(chunk):
                h.update(block)
    finally:
        os.close(fd)
    return h.hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def scan_landing(landing: Path, survey: Survey | None = None) -> dict[str, str]:
    """The run's hashed inputs: ``"<source>/<file>"`` -> SHA-256 of every delivered file, and
    ``"sources.yml"`` -> its SHA-256 when present (checked: a malformed one raises LandingError)."""
    landing = Path(landing)
    survey = survey or survey_landing(landing)
    hashes = {key: sha256_landing(landing, key) for key in survey.files}
    if survey.sources_yml is not None:
        data = read_landing_bytes(landing, SOURCES_KEY)
        parse_formats(data)
        hashes[SOURCES_KEY] = sha256_bytes(data)
    return hashes


def _line_of(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f", ligne {mark.line + 1}" if mark is not None else ""


def parse_formats(data: bytes | None) -> dict[str, SourceFormat]:
    """Formats declared by the bytes of ``sources.yml`` (None: every source UTF-8 and ``;``)."""
    formats = {s: SourceFormat() for s in SOURCES}
    if data is None:
        return formats
    name = SOURCES_FILE
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LandingError(f"{name} : n'est pas en UTF-8 (octet {exc.start})") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        what = " ".join(str(getattr(exc, "problem", "") or "syntaxe YAML invalide").split())
        raise LandingError(f"{name}{_line_of(exc)} : YAML illisible ({what})") from None
    data_ = loaded or {}
    if not isinstance(data_, dict):
        raise LandingError(f"{name} : doit associer à chaque source {{encoding, separator}} "
                           f"(trouvé : {type(data_).__name__})")
    for source, decl in data_.items():
        if str(source) not in SOURCES:
            raise LandingError(f"{name} : source « {source} » inconnue (sources : {', '.join(SOURCES)})")
        decl = decl or {}
        if not isinstance(decl, dict):
            raise LandingError(f"{name} : l'entrée « {source} » doit être de la forme {{encoding: ..., separator: ...}}")
        unknown = sorted(str(k) for k in decl if str(k) not in FORMAT_KEYS)
        if unknown:
            raise LandingError(f"{name} : {source}.{unknown[0]} inconnu (seuls encoding et separator sont permis)")
        enc_raw = decl.get("encoding")
        enc = ENCODINGS.get(str(enc_raw).lower()) if enc_raw is not None else "utf-8"
        if enc is None:
            raise LandingError(f"{name} : {source}.encoding « {enc_raw} » doit être utf-8 ou cp1252")
        sep = str(decl.get("separator", ";"))
        if sep not in SEPARATORS:
            raise LandingError(f"{name} : {source}.separator « {sep} » doit être ';' ou ','")
        formats[str(source)] = SourceFormat(encoding=enc, encoding_declared=enc_raw is not None, separator=sep)
    return formats


def read_formats(landing: Path) -> dict[str, SourceFormat]:
    """Formats declared in ``landing/sources.yml`` (every source defaults to UTF-8 and ``;``)."""
    path = Path(landing) / SOURCES_FILE
    if not path.is_file():
        return parse_formats(None)
    return parse_formats(read_landing_bytes(Path(landing), SOURCES_KEY))
