"""Claims proposed from outside (an LLM) pass the checks curated claims pass, or are dropped and counted.

Each proposed claim is written, with a generated id, into a temporary claims file for the new document
and checked by kg.sources.claims.check_claim_file: the schema, the vocabulary (families, predicates,
use cases, modalities, properties, levels) and the quote found verbatim in the normalised text, with
its offsets. What passes becomes a Candidate; what fails is counted by its first words of reason.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import yaml

from kg.ontology.vocabulary import load_vocabulary
from kg.sources.candidates import Candidate
from kg.sources.claims import COMMON, check_claim_file
from kg.sources.context import context_of, locate_structure
from kg.sources.corpus import Document, load_corpus

FIELDS = ("subject", "predicate", "value", "quote", "property", "level", "raw", "year", "than", "when", "note")


def _reason(message: str) -> str:
    text = message.split(": ", 1)[-1] if message.startswith("claim ") else message
    for key in ("not found verbatim", "occurs", "unknown predicate", "unknown", "missing", "must be",
                "needs", "neither a family"):
        if key in text:
            return key
    return text[:40]


def vet_claims(doc: Document, proposed: list, *, source: str = "llm") -> tuple[list[Candidate], Counter]:
    """The proposed claims (mappings) that pass every check, as candidates; the others counted by reason."""
    dropped: Counter = Counter()
    claims = []
    for n, item in enumerate(proposed):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("subject", "predicate",
                                                                                       "quote")):
            dropped["not a claim with subject, predicate and quote"] += 1
            continue
        claims.append({"id": f"x{n}", **{k: item[k] for k in FIELDS if k in item}})
    if not claims:
        return [], dropped
    docs = {**load_corpus(), doc.id: doc}
    vocab = load_vocabulary()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "proposed.yaml"
        path.write_text(yaml.safe_dump({"source": doc.id, "claims": claims}, allow_unicode=True), encoding="utf-8")
        good, problems = check_claim_file(path, vocab, docs)
    dropped.update(_reason(p.message) for p in problems)
    out = []
    for claim in good:
        if claim.subject not in vocab.families:
            dropped["neither a family"] += 1
            continue
        extra = {k: v for k, v in claim.extra.items() if k not in COMMON}
        out.append(Candidate(claim.subject, claim.predicate, claim.value, claim.quote, claim.start, claim.end,
                             context_of(locate_structure(doc.text, claim.start), claim.quote), extra,
                             {"subject": f"{claim.subject} (proposed by {source})", "vocabulary": [source]}, 0.5))
    return out, dropped
