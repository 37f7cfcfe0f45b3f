"""Where a quote sits in its document's structure: its table row and column, its list, its section.

A quote such as "High" or "Text" cannot be checked alone; the row label and column header of
its table cell ("Training complexity · GANs"), or the section and heading of its list
("Diffusion Models · Strengths"), let a reader see what it rates. Everything is read from the
normalised text (kg.sources.corpus): tables are lines of cells separated by " | " with a header
row first, lists are lines starting with a bullet or a number, headings are short lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:       # only a type here: importing the vocabulary imports rdflib, which `ask` does not need
    from kg.ontology.vocabulary import Vocabulary

SEP = " · "
SHORT_WORDS = 10           # list items and labelled values get a context below this many words
_LIST = re.compile(r"^\s*[-•*–]\s+")
_INDENTED_NUMBER = re.compile(r"^\s+\d+\.\s")
_RULE_ROW = re.compile(r"^\|?[\s:|-]+\|?$")
_NUMBERED = re.compile(r"^(?:\d+\.|[A-Z]\.|\d\ufe0f?\u20e3)\s*")
_KEYCAP = "\u20e3"
_LEAD = re.compile(r"^[^\w(“\"]+")
_MAJOR_WORDS = re.compile(r"\b(comparison|conclusion|summary|which model|hybrid|takeaways|final thoughts|"
                          r"decision guide|categories|types of|landscape|if (?:no )?pre-trained)\b", re.I)
_GENERIC = re.compile(r"^(overview|how it works|pros|cons|strengths|weaknesses|limitations|applications|"
                      r"use cases|key features|key concepts|examples|famous models|popular models|"
                      r"notable extensions|variants)$", re.I)
_LABEL = re.compile(r"^\s*(?:[-•*–]\s+)?(?:[^\w\s]+\s*)?([A-Z][\w /&'-]{1,40}?):\s+")


class FamilyNames:
    """Which families a text names, by any of their labels, case-insensitive, plurals included.

    A name inside a longer name counts once ("Variational Autoencoders" is the VAE, not also the
    autoencoder)."""

    def __init__(self, vocab: Vocabulary):
        pairs = [(label, fam) for fam, c in vocab.families.items() for label in [c.label, *c.alt_labels]]
        self.patterns = [(re.compile(r"(?<![\w-])" + re.escape(label) + r"(?:s|es)?(?![\w-])", re.I), fam)
                         for label, fam in sorted(pairs, key=lambda p: -len(p[0]))]

    def __call__(self, text: str) -> list[str]:
        found: list[str] = []
        taken: list[tuple[int, int]] = []
        for pattern, fam in self.patterns:
            for m in pattern.finditer(text):
                if any(s <= m.start() and m.end() <= e for s, e in taken):
                    continue
                taken.append(m.span())
                if fam not in found:
                    found.append(fam)
        return found


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+|[⭐★]+", text))


@dataclass
class Location:
    """The structure around a quote; empty strings where there is none."""
    row: str = ""              # table: the row label (first cell)
    column: str = ""           # table: the column header
    list_heading: str = ""     # list item: the line above the list
    label: str = ""            # "Best for: Text, Code": the label before the colon
    section: str = ""          # the nearest major heading above
    in_table: bool = False
    in_list: bool = False


@dataclass
class _Line:
    start: int
    text: str


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append(_Line(pos, line))
        pos += len(line) + 1
    return out


def clean_heading(line: str) -> str:
    """A heading's words: no markdown hashes, emoji, numbering, trailing '#' or colon."""
    text = line.strip().lstrip("#").strip()
    text = re.sub(r"\s+#$", "", text)
    text = _LEAD.sub("", text)
    text = _NUMBERED.sub("", text)
    text = _LEAD.sub("", text)
    return text.rstrip(":").strip()


def _is_table_line(line: str) -> bool:
    return " | " in line or line.startswith("|")


def _is_list_line(line: str) -> bool:
    return bool(_LIST.match(line)) and not line.startswith("#")


def heading_like(line: str) -> bool:
    """A short line that is not a sentence, a list item or a table row."""
    text = line.strip()
    if not text or _is_table_line(text) or _is_list_line(line) or _INDENTED_NUMBER.match(line):
        return False
    words = clean_heading(text)
    if not words or len(words) > 70 or word_count(words) > 9:
        return False
    if text.endswith(" #"):                 # a heading marked as such ("✅ Pros: #")
        return True
    return not (re.search(r":\s+\S", words) or text.endswith((".", ",", ";")))


def is_top(line: str) -> bool:
    """A heading that opens a section: numbered, markdown, a keycap, or a summary's title."""
    text = line.strip()
    if not heading_like(line) or text.endswith(":"):
        return False
    words = clean_heading(text)
    if _GENERIC.match(words):
        return False
    return bool(_NUMBERED.match(_LEAD.sub("", text.lstrip("#").strip())) or _KEYCAP in text[:4]
                or re.match(r"^#{1,3}\s", text) or _MAJOR_WORDS.search(words))


def section_family(text: str, start: int, names_family) -> str:
    """The one family the section around `start` is about, by its nearest opening heading."""
    lines = _lines(text)
    i = max(k for k, ln in enumerate(lines) if ln.start <= start)
    for j in range(i - 1, -1, -1):
        if is_top(lines[j].text):
            named = names_family(clean_heading(lines[j].text))
            return named[0] if len(named) == 1 else ""
    return ""


def _cells(line: _Line) -> list[tuple[int, int, str]]:
    """(start, end, text) of each cell of a table line, in absolute offsets."""
    cells, pos = [], 0
    pieces = line.text.split("|")
    for i, piece in enumerate(pieces):
        stripped = piece.strip()
        edge = (i == 0 or i == len(pieces) - 1) and not stripped
        if not edge:
            at = line.start + pos + (piece.find(stripped) if stripped else 0)
            cells.append((at, at + len(stripped), stripped))
        pos += len(piece) + 1
    return cells


def _table_block(lines: list[_Line], i: int) -> list[_Line] | None:
    lo = hi = i
    while lo > 0 and _is_table_line(lines[lo - 1].text):
        lo -= 1
    while hi + 1 < len(lines) and _is_table_line(lines[hi + 1].text):
        hi += 1
    rows = [ln for ln in lines[lo:hi + 1] if not _RULE_ROW.match(ln.text.strip())]
    return rows if len(rows) >= 2 else None


def _table_location(lines: list[_Line], i: int, start: int, loc: Location) -> None:
    rows = _table_block(lines, i)
    if not rows or rows[0] is lines[i]:
        return
    cells = _cells(lines[i])
    column = next((c for c, (s, e, _) in enumerate(cells) if s <= start <= e), -1)
    header = _cells(rows[0])
    if column < 0 or not cells:
        return
    loc.in_table = True
    loc.row = cells[0][2] if column > 0 else ""
    loc.column = header[column][2] if column < len(header) else ""


def _list_heading(lines: list[_Line], i: int) -> str:
    j = i - 1
    while j >= 0 and (not lines[j].text.strip() or _is_list_line(lines[j].text)
                      or _INDENTED_NUMBER.match(lines[j].text)):
        j -= 1
    if j < 0:
        return ""
    text = lines[j].text.strip()
    if word_count(text) <= 6 and (heading_like(lines[j].text) or text.endswith(":")):
        return clean_heading(text)
    return ""


def _section(lines: list[_Line], i: int) -> str:
    for j in range(i - 1, -1, -1):
        if is_top(lines[j].text):
            return clean_heading(lines[j].text)
    return ""


def locate_structure(text: str, start: int) -> Location:
    """The structure around the character at `start` of the normalised text."""
    lines = _lines(text)
    i = max(k for k, ln in enumerate(lines) if ln.start <= start)
    line, loc = lines[i], Location()
    if _is_table_line(line.text):
        _table_location(lines, i, start, loc)
    if not loc.in_table and (_is_list_line(line.text) or _INDENTED_NUMBER.match(line.text)):
        loc.in_list = True
        loc.list_heading = _list_heading(lines, i)
    label = _LABEL.match(line.text)
    if label and not loc.in_table and start >= line.start + label.end():
        loc.label = label.group(1).strip()
    loc.section = _section(lines, i)
    return loc


def _join(*parts: str) -> str:
    out: list[str] = []
    for part in parts:
        if part and all(part.lower() not in p.lower() for p in out):
            out.append(part)
    return SEP.join(out)


def context_of(loc: Location, quote: str) -> str:
    """The context a reader needs beside the quote: "row · column", "section · heading", or ""."""
    if loc.in_table:
        return _join(loc.row, loc.column)
    if word_count(quote) >= SHORT_WORDS:
        return ""
    if loc.label:
        return _join(loc.section, loc.label)
    if loc.in_list:
        return _join(loc.section, loc.list_heading)
    return ""


__all__ = ["FamilyNames", "Location", "locate_structure", "context_of", "clean_heading", "heading_like", "is_top",
           "section_family", "word_count", "SEP"]
