"""Bytes to lines in the declared encoding, never guessed.

UTF-8 (with or without BOM) is the default; Windows-1252 only when ``landing/sources.yml``
declares it. A line that is not valid in the expected encoding is kept (decoded with
replacement characters so the other checks can still run) and flagged with the position of
the first bad byte, so the validation report names the file, the line and the byte.

Lines end with LF or CRLF. A line ended by a lone CR (old Mac OS files) is still split there,
so that the rest of the file can be checked, and flagged in ``line_problems``; so is a line
longer than ``MAX_LINE_CHARS`` (its text is replaced by an empty string: no reader parses
megabytes of garbage). A missing end of line after the last line is reported
(``final_newline``): the file may have been cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BOM = b"\xef\xbb\xbf"
MAX_LINE_CHARS = 65_536  # well above any real line (a FINESS row is ~300 characters); below csv's field limit
_EOL = re.compile(r"\r\n|\n|\r")
_EOL_BYTES = re.compile(rb"\r\n|\n|\r")
LONE_CR = ("fin de ligne CR seule (format Mac OS classique) : enregistrer le fichier avec des fins de "
           "ligne LF ou CRLF")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def too_long(length: int) -> str:
    return (f"ligne de {_n(length)} caractères, au-delà de {_n(MAX_LINE_CHARS)} : non lue (fichier corrompu "
            "ou sans fins de ligne ?)")


@dataclass
class Decoded:
    lines: list[str]  # physical lines, line i+1 of the file at index i, without end of line
    bad_lines: dict[int, str] = field(default_factory=dict)  # line number -> encoding problem
    had_bom: bool = False
    line_problems: dict[int, str] = field(default_factory=dict)  # line number -> end-of-line or length problem
    final_newline: bool = True  # False: the last line has no end of line (empty files: True)


def _split(text: str | bytes) -> tuple[list, list]:
    """Lines and the end of line that closed each (empty for a last line without one), of a
    decoded text or of the raw bytes."""
    eol = _EOL_BYTES if isinstance(text, bytes) else _EOL
    lines, ends, start = [], [], 0
    for m in eol.finditer(text):
        lines.append(text[start:m.start()])
        ends.append(m.group())
        start = m.end()
    if start < len(text):
        lines.append(text[start:])
        ends.append(text[:0])
    return lines, ends


def decode_lines(data: bytes, encoding: str = "utf-8") -> Decoded:
    had_bom = data.startswith(BOM)
    if had_bom and encoding == "utf-8":
        data = data[len(BOM):]
    bad: dict[int, str] = {}
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raw_lines, raw_ends = _split(data)
        lines: list[str] = []
        ends = [e.decode("ascii") for e in raw_ends]
        offset = len(BOM) if had_bom else 0
        for number, (raw, end) in enumerate(zip(raw_lines, raw_ends), start=1):
            try:
                lines.append(raw.decode(encoding))
            except UnicodeDecodeError as exc:
                byte = raw[exc.start]
                bad[number] = (
                    f"octet 0x{byte:02X} illisible en {encoding} (colonne {exc.start + 1} de la ligne, "
                    f"octet {offset + exc.start} du fichier)"
                )
                lines.append(raw.decode(encoding, errors="replace"))
            offset += len(raw) + len(end)
    else:
        lines, ends = _split(text)
    problems: dict[int, str] = {}
    for i, end in enumerate(ends):
        if len(lines[i]) > MAX_LINE_CHARS:
            problems[i + 1] = too_long(len(lines[i]))
            lines[i] = ""
            bad.pop(i + 1, None)
        elif end == "\r":
            problems[i + 1] = LONE_CR
    final = not ends or ends[-1] != ""
    return Decoded(lines, bad, had_bom, problems, final)
