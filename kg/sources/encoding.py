"""Repair of text that was UTF-8 but got decoded through a Windows code page.

Document 003 is UTF-8 decoded as Windows-1253 with Windows-1252 filling its gaps ("β€”" for "—").
ftfy leaves it as is (measured; see DESIGN.md), so the repair re-encodes each suspicious run of
characters to the bytes it came from and decodes those as UTF-8. A run whose bytes are incomplete
(a byte was lost on the way) cannot be recovered exactly and is replaced by U+FFFD.
"""
from __future__ import annotations

from dataclasses import dataclass

REPLACEMENT = "\ufffd"
_CODEPAGES = ("cp1253", "cp1252")


@dataclass(frozen=True)
class RepairReport:
    repaired: int
    unrecoverable: int


def _byte_of(char: str) -> int | None:
    """The single byte a character stood for under the code pages, or None."""
    if ord(char) < 0x80:
        return None
    for codepage in _CODEPAGES:
        try:
            encoded = char.encode(codepage)
        except UnicodeEncodeError:
            continue
        if len(encoded) == 1:
            return encoded[0]
    return None


def _sequence_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _match_run(text: str, start: int) -> tuple[int, str | None]:
    """Length of the mojibake run at start (0 if none) and its repair (None if unrecoverable)."""
    lead = _byte_of(text[start])
    need = _sequence_length(lead) if lead is not None else 0
    if not need:
        return 0, None
    raw = bytearray([lead])
    for offset in range(1, need):
        pos = start + offset
        byte = _byte_of(text[pos]) if pos < len(text) else None
        if byte is None or not 0x80 <= byte <= 0xBF:
            break
        raw.append(byte)
    if len(raw) == need:
        try:
            return need, raw.decode("utf-8")
        except UnicodeDecodeError:
            return 0, None
    # lead byte plus at least two continuation bytes, then a lost byte: unrecoverable
    return (len(raw), None) if len(raw) >= 3 else (0, None)


def repair_mojibake(text: str) -> tuple[str, RepairReport]:
    """Return text with every recoverable run repaired and unrecoverable ones marked U+FFFD."""
    out: list[str] = []
    repaired = unrecoverable = 0
    i = 0
    while i < len(text):
        length, fixed = _match_run(text, i)
        if not length:
            out.append(text[i])
            i += 1
            continue
        if fixed is None:
            out.append(REPLACEMENT)
            unrecoverable += 1
        else:
            out.append(fixed)
            repaired += 1
        i += length
    return "".join(out), RepairReport(repaired, unrecoverable)
