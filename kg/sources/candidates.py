"""Candidate claims: proposed from a new document, waiting for a curator's review.

`ontology/claims/candidates/<doc id>.yaml` holds a document's candidates, each with its review status
(pending, accepted, rejected, vanished: an accepted claim whose quote a changed document no longer
holds). The status is written after every decision, so a review can stop half-way and resume. The
build never reads these files; accepted claims are copied into `ontology/claims/<doc id>.yaml`.
A rejected candidate's key (subject, predicate, value, property, context, quote) is kept, so re-ingesting the document
does not propose it again.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from kg import paths
from kg.errors import IngestError
from kg.sources.yamlsafe import load_yaml

STATUSES = ("pending", "accepted", "rejected", "vanished")
CANDIDATES_FOLDER = "candidates"


@dataclass
class Candidate:
    subject: str
    predicate: str
    value: object
    quote: str
    start: int
    end: int
    context: str = ""                           # where a short quote sits ("row · column", "section · list")
    extra: dict = field(default_factory=dict)   # property, level, raw, year, than, when
    why: dict = field(default_factory=dict)     # vocabulary labels and nearest curated claims that matched
    score: float = 0.0
    status: str = "pending"
    claim_id: str = ""                          # the accepted claim's id

    @property
    def key(self) -> str:
        return json.dumps([self.subject, self.predicate, self.value, self.extra.get("property", ""), self.context,
                           self.quote], ensure_ascii=False)

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in ("", {}, None) or k in ("value", "quote")}

    @classmethod
    def from_dict(cls, data: dict) -> Candidate:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass
class CandidateFile:
    source: str
    document: dict                              # id, title, date, url, format, file
    candidates: list[Candidate]
    rejected: list[str] = field(default_factory=list)     # keys of candidates rejected before

    def to_yaml(self) -> bytes:
        data = {"source": self.source, "document": self.document,
                "candidates": [c.as_dict() for c in self.candidates], "rejected": sorted(set(self.rejected))}
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110).encode("utf-8")

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.candidates) for s in STATUSES}


def candidates_dir(claims_dir: Path | None = None) -> Path:
    return (claims_dir or paths.claims_dir()) / CANDIDATES_FOLDER


def candidates_path(doc_id: str, claims_dir: Path | None = None) -> Path:
    return candidates_dir(claims_dir) / f"{doc_id}.yaml"


def _plain(value):
    """LineDict/LineList from the safe loader as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_candidates(path: Path) -> CandidateFile:
    data = _plain(load_yaml(path, IngestError))
    if not isinstance(data, dict) or not isinstance(data.get("candidates"), list):
        raise IngestError("expected a mapping with 'source' and a 'candidates' list", file=str(path))
    items = []
    for raw in data["candidates"]:
        if not isinstance(raw, dict) or raw.get("status", "pending") not in STATUSES:
            raise IngestError(f"a candidate must be a mapping with a status in {STATUSES}", file=str(path))
        items.append(Candidate.from_dict(raw))
    return CandidateFile(source=str(data.get("source", "")), document=dict(data.get("document") or {}),
                         candidates=items, rejected=[str(k) for k in data.get("rejected") or []])


def pending_documents(claims_dir: Path | None = None) -> list[str]:
    """Ids of the documents with candidates still to review (pending or vanished)."""
    out = []
    for path in sorted(candidates_dir(claims_dir).glob("*.yaml")):
        counts = read_candidates(path).counts()
        if counts["pending"] or counts["vanished"]:
            out.append(path.stem)
    return out
