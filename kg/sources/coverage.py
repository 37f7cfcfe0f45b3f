"""Which sentences, bullets and table cells of each document no claim cites.

The normalised text is cut into units: each table cell (and each bullet inside a cell), each
sentence of other lines. A unit is cited when a claim's quote overlaps it, skipped when a claims
file lists it under `skip` (with a reason) or it is plainly not a statement (a heading, a label,
code, a rating with no words), and uncited otherwise.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg import paths
from kg.ontology.vocabulary import load_vocabulary
from kg.sources.claims import Claim, check_claim_file
from kg.sources.corpus import load_corpus

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
_CODE = re.compile(
    r"^\s*(def |class |for |return\b|if |import |from |\w[\w.\[\]]*\s*(\+?=|\()|[\w.]+\(|\"\"\"|#\s)")
_BULLET = re.compile(r"^\s*(?:[-•*]|\d+\.|[A-Z]\.)\s+")


@dataclass
class Unit:
    start: int
    end: int
    text: str
    status: str = "uncited"        # cited | skipped | uncited
    reason: str = ""
    claims: list[str] = field(default_factory=list)


def _split_line(line: str, offset: int) -> list[Unit]:
    if " | " in line:
        pieces, pos = [], 0
        for cell in line.split(" | "):
            for bullet in cell.split(" • "):
                pieces.append((pos + cell.find(bullet), bullet))
            pos += len(cell) + 3
    else:
        pieces, pos = [], 0
        for sentence in _SENTENCE_END.split(line):
            at = line.find(sentence, pos)
            pieces.append((at, sentence))
            pos = at + len(sentence)
    units = []
    for at, piece in pieces:
        stripped = piece.strip(" |")
        if stripped:
            start = offset + at + piece.find(stripped)
            units.append(Unit(start, start + len(stripped), stripped))
    return units


def split_units(text: str) -> list[Unit]:
    units: list[Unit] = []
    offset = 0
    for line in text.split("\n"):
        units.extend(_split_line(line, offset))
        offset += len(line) + 1
    return units


def _auto_skip(unit: Unit, line_is_code: bool) -> str:
    text = _BULLET.sub("", unit.text)
    words = re.findall(r"[A-Za-z]{2,}", text)
    if not words:
        return "no words"
    if unit.text.startswith("#") or line_is_code:
        return "heading or code"
    if len(words) <= 4 and not re.search(r"[.;]$", text):
        return "label or heading"
    return ""


def measure_coverage(text: str, claims: list[Claim], skips: list[dict]) -> list[Unit]:
    """Every unit of the text with its status."""
    units = split_units(text)
    spans = [(c.start, c.end, c.id) for c in claims if c.start >= 0]
    skip_spans = []
    for skip in skips:
        at = text.find(skip["text"])
        while at >= 0:
            skip_spans.append((at, at + len(skip["text"]), skip.get("reason", "listed under skip")))
            at = text.find(skip["text"], at + 1)
    for unit in units:
        unit.claims = [cid for s, e, cid in spans if s < unit.end and e > unit.start]
        if unit.claims:
            unit.status = "cited"
            continue
        line_start = text.rfind("\n", 0, unit.start) + 1
        line_end = text.find("\n", unit.start)
        line = text[line_start:line_end if line_end >= 0 else None]
        reason = next((r for s, e, r in skip_spans if s <= unit.start and unit.end <= e), "")
        reason = reason or _auto_skip(unit, bool(_CODE.match(line)) and " | " not in line)
        if reason:
            unit.status, unit.reason = "skipped", reason
    return units


def coverage_report(doc_ids: list[str] | None = None, claims_dir=None):
    """Units of each document with their status, from every shipped claims file.

    Returns ({doc id: [Unit]}, [problems]); a file with problems still contributes its good claims.
    """

    vocab, docs = load_vocabulary(), load_corpus()
    claims, skips, problems = [], [], []
    for path in sorted((claims_dir or paths.claims_dir()).glob("*.yaml")):
        good, found = check_claim_file(path, vocab, docs, skips)
        claims += good
        problems += found
    report = {}
    for doc_id in doc_ids or list(docs):
        report[doc_id] = measure_coverage(docs[doc_id].text, [c for c in claims if c.source == doc_id],
                                          [s for s in skips if s["source"] == doc_id])
    return report, problems
