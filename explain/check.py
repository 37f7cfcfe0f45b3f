"""Faithfulness of an explanation: coverage, validity and precision of its citations."""
from __future__ import annotations

from explain.explanation import Explanation, Sentence
from kg.reasoning.index import KnowledgeIndex
from kg.sources.context import word_count
from kg.sources.corpus import Document

SHORT_QUOTE_WORDS = 4       # a shown quote under this many words needs its context to be checked


def is_short(quote: str) -> bool:
    """A quote too short to check alone ("Text", "High", "⭐⭐")."""
    return word_count(quote) < SHORT_QUOTE_WORDS


def needs_context(citation: dict) -> bool:
    """A shown quote too short to check alone that comes without its context."""
    return is_short(str(citation.get("quote", ""))) and not citation.get("context")


def citation_valid(citation: dict, corpus: dict[str, Document]) -> bool:
    """The quote equals its document's normalised text between its offsets."""
    doc = corpus.get(citation.get("doc", ""))
    start, end = citation.get("start"), citation.get("end")
    return (doc is not None and isinstance(start, int) and isinstance(end, int)
            and doc.text[start:end] == citation.get("quote"))


def citation_precise(citation: dict, sentence: Sentence, index: KnowledgeIndex) -> bool:
    """A cited claim concerns the sentence's family and the property or use case it speaks of (a quote that
    states several claims is precise when one of them is)."""
    ids = citation.get("claims") or [citation.get("claim", "")]
    return any(_claim_precise(index.claims.get(i), sentence, index) for i in ids)


def _claim_precise(claim, sentence: Sentence, index: KnowledgeIndex) -> bool:
    if claim is None:
        return False
    families = {claim.family} | set(index.model_families.get(claim.via_model, []))
    if sentence.family and sentence.family not in families:
        return False
    if sentence.property and claim.prop and claim.prop != sentence.property:
        return False
    if sentence.use_case and claim.predicate == "suited_for":
        return claim.obj.split(":", 1)[-1] == sentence.use_case
    return True


def count_kept(sentence: Sentence, by_number: dict[int, dict]) -> bool:
    """A sentence that says N sources agree cites claims from exactly N documents."""
    docs = {by_number[n]["doc"] for n in sentence.citations if n in by_number}
    return not sentence.counts or sentence.counts == len(docs)


def check_explanation(explanation: Explanation, index: KnowledgeIndex, corpus: dict[str, Document]) -> dict:
    by_number = {c["n"]: c for c in explanation.citations}
    counts = {"sentences": 0, "cited_sentences": 0, "citations": 0, "valid_citations": 0,
              "precise_citations": 0, "counting_sentences": 0, "count_mismatches": 0,
              "shown_quotes": len(explanation.citations),
              "short_quotes": sum(needs_context(c) for c in explanation.citations), "problems": []}
    for sentence in explanation.sentences:
        if sentence.kind == "decline":
            continue
        counts["sentences"] += 1
        counts["counting_sentences"] += bool(sentence.counts)
        if not count_kept(sentence, by_number):
            counts["count_mismatches"] += 1
            counts["problems"].append(f"says {sentence.counts} sources but cites another number: {sentence.text}")
        valid_here = 0
        for n in sentence.citations:
            citation = by_number.get(n)
            counts["citations"] += 1
            if citation and citation_valid(citation, corpus):
                counts["valid_citations"] += 1
                valid_here += 1
            else:
                counts["problems"].append(f"invalid citation [{n}] in: {sentence.text}")
            if citation and citation_precise(citation, sentence, index):
                counts["precise_citations"] += 1
            else:
                counts["problems"].append(f"imprecise citation [{n}] in: {sentence.text}")
        counts["cited_sentences"] += valid_here > 0
    return counts
