"""Reviewing a document's candidate claims: accept (as proposed or edited), reject, or leave for later.

Each decision is written at once (the candidates file records the status, an accepted claim is appended
to `ontology/claims/<doc id>.yaml` after passing the same checks as `whichmodel claims`), so a review
can stop at any point and resume with the candidates still pending. A rejected candidate's key stays in
the candidates file and is not proposed again when the document is re-ingested.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from kg import paths
from kg.errors import CorpusError, IngestError
from kg.ontology.vocabulary import load_vocabulary, slugify
from kg.sources.candidates import Candidate, CandidateFile, candidates_path, pending_documents, read_candidates
from kg.sources.claims import check_claim_file, locate
from kg.sources.corpus import forget_corpus, load_corpus, resolve_id
from kg.sources.library import write_atomic
from kg.sources.yamlsafe import load_yaml

ACTIONS = ("accept", "reject", "skip")
EDITABLE = ("subject", "predicate", "value", "quote", "property", "level", "raw", "year", "than")
CONTEXT_STEP = 24


@dataclass
class Review:
    doc_id: str
    path: Path
    file: CandidateFile
    text: str

    def open_items(self) -> list[int]:
        """Indexes of the candidates still to decide (pending, and vanished claims)."""
        return [i for i, c in enumerate(self.file.candidates) if c.status in ("pending", "vanished")]

    def passage(self, index: int, around: int = 160) -> tuple[str, str, str]:
        """The text before the quote, the quote, the text after (for display)."""
        c = self.file.candidates[index]
        if c.start < 0:
            return "", c.quote, ""
        return (self.text[max(0, c.start - around):c.start], self.text[c.start:c.end],
                self.text[c.end:c.end + around])


def open_review(doc_id: str | None = None) -> Review:
    """The review of one document (by id or unique prefix), or of the first with open candidates."""
    if doc_id is None:
        waiting = pending_documents()
        if not waiting:
            raise IngestError("no document has candidates to review; ingest one with `whichmodel ingest PATH`")
        doc_id = waiting[0]
    try:
        doc = resolve_id(load_corpus(), doc_id)
    except CorpusError:             # ingested by another process (the CLI while `serve` runs): read the corpus again
        forget_corpus()
        doc = resolve_id(load_corpus(), doc_id)
    path = candidates_path(doc.id)
    if not path.exists():
        raise IngestError(f"document {doc.id} has no candidates (it was not ingested with `whichmodel ingest`)",
                          file=str(path))
    return Review(doc.id, path, read_candidates(path), doc.text)


def _anchor(quote: str, start: int, text: str) -> str:
    """A passage ending with the quote that occurs once in text ('' when the quote does already)."""
    if text.count(quote) == 1:
        return ""
    begin = start
    while begin > 0:
        begin = max(0, begin - CONTEXT_STEP)
        if text.count(text[begin:start + len(quote)]) == 1:
            return text[begin:start + len(quote)]
    return text[:start + len(quote)]


def claim_of(cand: Candidate, claim_id: str, text: str) -> dict:
    claim = {"id": claim_id, "subject": cand.subject, "predicate": cand.predicate, "value": cand.value,
             **cand.extra, "quote": cand.quote}
    context = _anchor(cand.quote, cand.start, text)
    if context:
        claim["context"] = context
    return claim


def _apply(cand: Candidate, changes: dict, text: str) -> None:
    for key, value in changes.items():
        if key not in EDITABLE:
            raise IngestError(f"cannot edit {key!r}; editable: {', '.join(EDITABLE)}")
        if key in ("subject", "predicate", "value", "quote"):
            setattr(cand, key, value)
        elif value in ("", None):
            cand.extra.pop(key, None)
        else:
            cand.extra[key] = int(value) if key == "year" else value
    where = locate(cand.quote, "", text) if "quote" in changes or cand.start < 0 else (cand.start, cand.end)
    if isinstance(where, str) and cand.start >= 0 and text[cand.start:cand.end] == cand.quote:
        where = (cand.start, cand.end)
    if isinstance(where, str):
        raise IngestError(f"the quote cannot be used: {where}")
    cand.start, cand.end = where


def _claims_path(doc_id: str) -> Path:
    return paths.claims_dir() / f"{doc_id}.yaml"


def _with_claim(doc_id: str, claim: dict) -> bytes:
    path = _claims_path(doc_id)
    data = load_yaml(path, IngestError) if path.exists() else {"source": doc_id, "claims": []}
    claims = [dict(c) for c in data.get("claims") or [] if dict(c).get("id") != claim["id"]]
    return yaml.safe_dump({"source": doc_id, "claims": [*claims, claim]}, allow_unicode=True,
                          sort_keys=False, width=110).encode("utf-8")


def declared_models() -> set[str]:
    """Slugs of the named models some claims file declares (an example's value, a hybrid's subject)."""
    out: set[str] = set()
    for path in sorted(paths.claims_dir().glob("*.yaml")):
        data = load_yaml(path, IngestError)
        for claim in (data.get("claims") or []) if isinstance(data, dict) else []:
            if isinstance(claim, dict) and claim.get("predicate") == "example":
                out.add(slugify(str(claim.get("value"))))
            elif isinstance(claim, dict) and claim.get("predicate") == "hybrid_of":
                out.add(slugify(str(claim.get("subject"))))
    return out


def _check_subject(cand: Candidate) -> None:
    """A claim about a named model needs the model declared first (by an example claim), or the build
    would refuse it."""
    if cand.subject in load_vocabulary().families or cand.predicate in ("example", "hybrid_of"):
        return
    if slugify(cand.subject) not in declared_models():
        raise IngestError(f"{cand.subject!r} is neither a family nor a declared model: accept the example claim "
                          f"naming {cand.subject} first, or edit the subject to its family")


def _check(doc_id: str, data: bytes) -> None:
    """The claims file as it would be: the checks of `whichmodel claims`, or IngestError."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{doc_id}.yaml"
        path.write_bytes(data)
        _, problems = check_claim_file(path, load_vocabulary(), load_corpus())
    if problems:
        raise IngestError("the claim does not pass the checks: " + "; ".join(p.message for p in problems))


def decide(review: Review, index: int, action: str, changes: dict | None = None) -> Candidate:
    """Record one decision. accept (with optional changes) writes the claim; reject remembers it."""
    if action not in ACTIONS:
        raise IngestError(f"unknown action {action!r}; use {', '.join(ACTIONS)}")
    if not 0 <= index < len(review.file.candidates):
        raise IngestError(f"no candidate {index} (the document has {len(review.file.candidates)})")
    cand = review.file.candidates[index]
    if action == "skip":
        return cand
    if action == "reject":
        cand.status = "rejected"
        review.file.rejected.append(cand.key)
    else:
        _apply(cand, dict(changes or {}), review.text)
        _check_subject(cand)
        predicate = cand.predicate.replace("_", "-")
        subject = slugify(cand.subject)
        cand.claim_id = cand.claim_id or f"i{review.doc_id[-12:-6]}-{subject}-{predicate}-{index}"
        data = _with_claim(review.doc_id, claim_of(cand, cand.claim_id, review.text))
        _check(review.doc_id, data)
        write_atomic(_claims_path(review.doc_id), data)
        cand.status = "accepted"
    write_atomic(review.path, review.file.to_yaml())
    return cand
