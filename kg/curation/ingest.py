"""Ingest a document: read and normalise it, propose candidate claims, write it into the project.

    result = ingest(Path("notes.md"), dry_run=True)     # nothing written
    result = ingest(Path("notes.md"))                   # corpus file, documents.yaml entry, candidates

A file whose stem was ingested before (with other content) replaces that version: every accepted
claim's quote is looked for in the new text; found ones are kept (same id, new offsets), vanished ones
become candidates with status `vanished`, listed for review, never dropped. Candidates rejected for the
earlier version are not proposed again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg import paths
from kg.curation.examples import load_examples
from kg.curation.propose import Proposer
from kg.errors import IngestError
from kg.sources.candidates import Candidate, CandidateFile, candidates_path, read_candidates
from kg.sources.claims import locate
from kg.sources.corpus import Document, forget_corpus
from kg.sources.ingest import NewDocument, read_source, stem_id
from kg.sources.library import add_document, registered, remove_document, same_stem
from kg.sources.yamlsafe import load_yaml


@dataclass
class IngestResult:
    document: Document
    candidates: list[Candidate]
    vanished: list[Candidate] = field(default_factory=list)
    kept: int = 0                       # accepted claims re-found in a changed document
    replaced: str = ""                  # the id of the version this one replaces
    written: list[Path] = field(default_factory=list)
    dropped: dict = field(default_factory=dict)     # extra proposals (an LLM's) that failed the checks, by reason

    def to_dict(self) -> dict:
        doc = self.document
        return {"document": {"id": doc.id, "title": doc.title, "date": doc.date, "url": doc.url,
                             "format": doc.format, "note": doc.note, "text": doc.text},
                "candidates": [c.as_dict() for c in self.candidates],
                "vanished": [c.as_dict() for c in self.vanished], "kept": self.kept,
                "replaced": self.replaced, "written": [str(p) for p in self.written], "dropped": self.dropped}


def _check_new(new: NewDocument) -> None:
    known = registered()
    if new.id in known:
        raise IngestError(f"already ingested as {new.id} (same file, same content); `whichmodel remove "
                          f"{new.id}` first to ingest it again", file=new.source_file)
    twin = next((i for i in known if i.endswith("_" + new.content_hash[:12])), None)
    if twin:
        raise IngestError(f"the same content is already ingested as {twin}", file=new.source_file)


def _relocate(previous: str, new: Document) -> tuple[bytes | None, list[Candidate], int]:
    """The previous version's accepted claims re-found in the new text; those not found, as candidates."""
    path = paths.claims_dir() / f"{previous}.yaml"
    if not path.exists():
        return None, [], 0
    data = load_yaml(path, IngestError)
    kept, vanished = [], []
    for claim in [dict(c) for c in data.get("claims") or []]:
        where = locate(str(claim.get("quote", "")), str(claim.get("context") or ""), new.text)
        if isinstance(where, tuple):
            kept.append(claim)
            continue
        extra = {k: v for k, v in claim.items() if k not in ("id", "subject", "predicate", "value", "quote",
                                                              "context", "context_label")}
        vanished.append(Candidate(subject=str(claim["subject"]), predicate=str(claim["predicate"]),
                                  value=claim.get("value"), quote=str(claim["quote"]), start=-1, end=-1,
                                  context=str(claim.get("context_label") or ""), extra=extra,
                                  why={"vanished": where}, status="vanished", claim_id=str(claim["id"])))
    accepted = yaml.safe_dump({"source": new.id, "claims": kept}, allow_unicode=True, sort_keys=False, width=110)
    return accepted.encode("utf-8"), vanished, len(kept)


def _rejected(previous: str) -> list[str]:
    path = candidates_path(previous)
    if not path.exists():
        return []
    old = read_candidates(path)
    return [*old.rejected, *(c.key for c in old.candidates if c.status == "rejected")]


def _merge(candidates: list[Candidate], more: list[Candidate], rejected: set[str]) -> list[Candidate]:
    seen = rejected | {c.key for c in candidates}
    return candidates + [c for c in more if c.key not in seen and not seen.add(c.key)]


def ingest(path: Path, *, dry_run: bool = False, proposer: Proposer | None = None, extra=None) -> IngestResult:
    """Read, check and propose; unless dry_run, write the document and its candidates. `extra(document)`
    may propose more, as (candidates that passed the checks, counts of those dropped by reason)."""
    new = read_source(Path(path))
    _check_new(new)
    previous = next(iter(same_stem(stem_id(Path(path)))), "")
    rejected = _rejected(previous) if previous else []
    proposer = proposer or Proposer(load_examples())
    candidates = proposer.propose(new.document.text, rejected=set(rejected))
    more, dropped = extra(new.document) if extra else ([], {})
    candidates = _merge(candidates, more, set(rejected))
    accepted, vanished, kept = _relocate(previous, new.document) if previous else (None, [], 0)
    result = IngestResult(new.document, candidates, vanished, kept, previous, dropped=dict(dropped))
    if dry_run:
        return result
    meta = {"id": new.id, "title": new.document.title, "date": new.document.date, "url": new.document.url,
            "format": new.document.format, "file": Path(path).name}
    cfile = CandidateFile(new.id, {k: v for k, v in meta.items() if v}, [*vanished, *candidates], rejected)
    result.written = add_document(new.document, new.raw, new.suffix, cfile, accepted=accepted)
    if previous:
        remove_document(previous)
    forget_corpus()
    return result


def remove(doc_id: str) -> list[Path]:
    """Remove an ingested (or seed) document with its claims and candidates."""
    removed = remove_document(doc_id)
    forget_corpus()
    return removed
