"""Bytes to lines in the declared encoding, never guessed.

UTF-8 (with or without BOM) is the default; Windows-1252 only when ``landing/sources.yml``
declares it. A line that is not valid in the expected encoding is kept (decoded with
replacement characters so the other checks can still run) and flagged with the position of
the first bad byte, so the validation report names the file, the line and the byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BOM = b"\xef\xbb\xbf"


@dataclass
class Decoded:
    lines: list[str]  # physical lines, line i+1 of the file at index i, without end of line
    bad_lines: dict[int, str] = field(default_factory=dict)  # line number -> what is wrong
    had_bom: bool = False


def decode_lines(data: bytes, encoding: str = "utf-8") -> Decoded:
    had_bom = data.startswith(BOM)
    if had_bom and encoding == "utf-8":
        data = data[len(BOM):]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        pass
    else:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if "\r" in text:
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        return Decoded(lines, {}, had_bom)
    lines: list[str] = []
    bad: dict[int, str] = {}
    offset = len(BOM) if had_bom else 0
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for number, orig in enumerate(raw_lines, start=1):
        raw = orig[:-1] if orig.endswith(b"\r") else orig
        try:
            lines.append(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            byte = raw[exc.start]
            bad[number] = (
                f"octet 0x{byte:02X} illisible en {encoding} (colonne {exc.start + 1} de la ligne, "
                f"octet {offset + exc.start} du fichier)"
            )
            lines.append(raw.decode(encoding, errors="replace"))
        offset += len(orig) + 1
    return Decoded(lines, bad, had_bom)
