"""The curated claims as labelled examples of what a claim looks like, for proposing new ones.

Each curated claim gives an example text (its quote, after where it sits: "Best for · Text") with its
labels (predicate, value, property, level). Their embeddings are computed once with the packaged model
and cached in the build folder. A lexicon maps the wording of short curated quotes to the use case or
modality they were curated as ("Sequential data" -> sequence-modeling), beside the vocabulary's labels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from kg import paths
from kg.ontology.vocabulary import Vocabulary, load_vocabulary
from kg.reasoning.embedding import Embedder, cached_embeddings
from kg.sources.claims import Claim, load_claims
from kg.sources.context import SEP
from kg.sources.corpus import load_corpus

CACHE_FOLDER = "ingest-examples"
LEXICON_PREDICATES = ("suited_for", "not_suited_for", "handles_modality")


def example_text(quote: str, context: str) -> str:
    return f"{context}{SEP}{quote}" if context else quote


def phrase(text: str) -> str:
    """Lower case words only: the form lexicon entries are compared in."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("-", " ")))


@dataclass
class Examples:
    claims: list[Claim]
    vectors: np.ndarray
    vocab: Vocabulary
    lexicon: dict[str, dict[str, set[str]]] = field(default_factory=dict)   # predicate -> phrase -> values

    def without(self, doc_id: str) -> Examples:
        """The examples with one document's claims hidden (leave-one-out)."""
        keep = [i for i, c in enumerate(self.claims) if c.source != doc_id]
        return Examples([self.claims[i] for i in keep], self.vectors[keep], self.vocab,
                        build_lexicon([self.claims[i] for i in keep], self.vocab))

    def nearest(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """For each row of vectors: the indices of its k nearest examples and their cosine similarities."""
        sims = vectors @ self.vectors.T
        k = min(k, sims.shape[1])
        order = np.argsort(-sims, axis=1)[:, :k]
        return order, np.take_along_axis(sims, order, axis=1)


def _vocabulary_lexicon(vocab: Vocabulary) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = {p: {} for p in LEXICON_PREDICATES}
    for pred, concepts in (("suited_for", vocab.use_cases), ("handles_modality", vocab.modalities)):
        for concept in concepts.values():
            for label in [concept.label, *concept.alt_labels]:
                if len(phrase(label)) >= 2:
                    out[pred].setdefault(phrase(label), set()).add(concept.id)
    out["not_suited_for"] = out["suited_for"]
    return out


def build_lexicon(claims: list[Claim], vocab: Vocabulary) -> dict[str, dict[str, set[str]]]:
    """Vocabulary labels plus the wording of short curated quotes (five words or fewer)."""
    out = _vocabulary_lexicon(vocab)
    for claim in claims:
        if claim.predicate in LEXICON_PREDICATES and isinstance(claim.value, str):
            words = phrase(re.sub(r"^\W+", "", claim.quote))
            if words and len(words.split()) <= 5:
                out[claim.predicate].setdefault(words, set()).add(claim.value)
    return out


def load_examples(embedder: Embedder | None = None) -> Examples:
    """Every curated claim, located, with its embedding (cached in the build folder)."""
    vocab, docs = load_vocabulary(), load_corpus()
    claims = [c for f in load_claims(vocab, docs) for c in f.claims]
    texts = [example_text(c.quote, c.quote_context) for c in claims]
    folder = paths.build_dir() / CACHE_FOLDER
    vectors = cached_embeddings(texts, embedder or Embedder(), folder)
    return Examples(claims, vectors, vocab, build_lexicon(claims, vocab))
