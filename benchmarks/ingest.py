"""Leave-one-out: how many of a document's curated claims the ingest proposes, offline.

    .venv/bin/python benchmarks/ingest.py

For each of the five corpus documents: its curated claims are hidden from the labelled examples, its
normalised text is proposed on, and the candidates are compared with its curated claims. A candidate
matches a curated claim with the same subject, predicate and value whose quote overlaps the
candidate's (value compared exactly for ids and levels, and as the same slug for an example's model;
a free-text value — strength, weakness, mechanism, introduced — is the quote's own wording, so the
overlapping quote decides). Recall: curated claims matched by some candidate; precision: candidates
matching some curated claim. Time: seconds per document (proposing, model warm), and as a ratio to
embedding the document's units alone in the same run.
"""
from __future__ import annotations

import sys
import time

from kg.curation.examples import load_examples
from kg.curation.propose import Proposer
from kg.ontology.vocabulary import slugify
from kg.reasoning.embedding import Embedder
from kg.sources.candidates import Candidate
from kg.sources.claims import Claim
from kg.sources.corpus import load_corpus
from kg.sources.coverage import split_units

FREE_TEXT = {"strength", "weakness", "mechanism", "introduced", "recommended_when"}


def same_value(cand: Candidate, claim: Claim) -> bool:
    if claim.predicate in FREE_TEXT:
        return True
    if claim.predicate == "example":
        return slugify(str(cand.value)) == slugify(str(claim.value))
    return cand.value == claim.value


def matches(cand: Candidate, claim: Claim) -> bool:
    return (slugify(cand.subject) == claim.subject and cand.predicate == claim.predicate and same_value(cand, claim)
            and cand.start < claim.end and claim.start < cand.end)


def score(candidates: list[Candidate], claims: list[Claim]) -> dict:
    found = sum(any(matches(c, k) for c in candidates) for k in claims)
    right = sum(any(matches(c, k) for k in claims) for c in candidates)
    return {"claims": len(claims), "candidates": len(candidates), "found": found, "right": right,
            "recall": found / max(1, len(claims)), "precision": right / max(1, len(candidates))}


def leave_one_out(doc_id: str, examples, embedder, text: str) -> tuple[dict, list[Candidate], float, float]:
    proposer = Proposer(examples.without(doc_id), embedder)
    t0 = time.perf_counter()
    candidates = proposer.propose(text)
    took = time.perf_counter() - t0
    t0 = time.perf_counter()
    embedder.encode([u.text for u in split_units(text)])
    reference = time.perf_counter() - t0
    claims = [c for c in examples.claims if c.source == doc_id]
    return score(candidates, claims), candidates, took, reference


def main(argv: list[str]) -> int:
    embedder = Embedder()
    examples = load_examples(embedder)
    embedder.encode(["warm up"])
    docs = load_corpus()
    totals = {"claims": 0, "candidates": 0, "found": 0, "right": 0}
    print(f"{'document':<22} {'claims':>6} {'cands':>6} {'recall':>7} {'precision':>9} {'s/doc':>6} {'x embed':>7}")
    for doc_id, doc in docs.items():
        figures, _, took, reference = leave_one_out(doc_id, examples, embedder, doc.text)
        for key in totals:
            totals[key] += figures[key]
        print(f"{doc_id:<22} {figures['claims']:>6} {figures['candidates']:>6} {figures['recall']:>7.0%} "
              f"{figures['precision']:>9.0%} {took:>6.2f} {took / reference:>6.1f}x")
    print(f"{'overall':<22} {totals['claims']:>6} {totals['candidates']:>6} "
          f"{totals['found'] / totals['claims']:>7.0%} {totals['right'] / max(1, totals['candidates']):>9.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
