"""Semantic matching of a person's words to graph concepts with sentence embeddings.

Each concept (use case, modality, property, family) is represented by several texts: its
label, its SKOS alternative labels and the quotes of the claims that cite it. A query's score
for a concept is its best cosine similarity with any of those texts.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from kg.encoder import model_path
from kg.errors import EmbeddingModelError
from kg.reasoning.declines import OUT_OF_SCOPE
from kg.reasoning.embedding import Embedder, cached_embeddings
from kg.reasoning.index import KnowledgeIndex
from kg.reasoning.needs import rule_words
from kg.reasoning.spelling import Speller, lexicon_of, model_words


def concept_texts(index: KnowledgeIndex) -> list[tuple[str, str, str]]:
    """(kind, concept id, text) for every text that stands for a concept, in a stable order."""
    entries: list[tuple[str, str, str]] = []
    for kind, concepts in (("use_case", index.use_cases), ("modality", index.modalities),
                           ("property", index.properties), ("family", index.families)):
        for cid, concept in concepts.items():
            entries += [(kind, cid, t) for t in dict.fromkeys(concept.texts)]
    quotes: dict[str, set[str]] = {}
    for family in index.suited.values():
        for uc, claims in family.items():
            quotes.setdefault(uc, set()).update(c.quote for c in claims)
    for uc in sorted(quotes):
        entries += [("use_case", uc, q) for q in sorted(quotes[uc]) if len(q) >= 8]
    family_quotes: dict[str, set[str]] = {}
    for claim in index.claims.values():
        if not claim.via_model:
            family_quotes.setdefault(claim.family, set()).add(claim.quote)
    for fam in sorted(family_quotes):
        entries += [("family_quote", fam, q) for q in sorted(family_quotes[fam]) if len(q) >= 8]
    for kind, (_, texts) in OUT_OF_SCOPE.items():
        entries += [("out_of_scope", kind, t) for t in texts]
    return entries


@dataclass
class Matcher:
    index: KnowledgeIndex
    embedder: Embedder
    cache_dir: Path
    entries: list[tuple[str, str, str]] = field(default_factory=list)
    vectors: np.ndarray | None = None
    # The source documents' texts, read when the speller is first needed (the KnowledgeBase owns them).
    documents: Callable[[], Iterable[str]] = tuple

    def __post_init__(self) -> None:
        self.entries = concept_texts(self.index)
        self.vectors = cached_embeddings([e[2] for e in self.entries], self.embedder, self.cache_dir)
        self._rows: dict[str, np.ndarray] = {}
        for kind in {e[0] for e in self.entries}:
            self._rows[kind] = np.array([i for i, e in enumerate(self.entries) if e[0] == kind])
        self._encode = lru_cache(maxsize=256)(self._encode_uncached)

    def _encode_uncached(self, texts: tuple[str, ...]) -> np.ndarray:
        return self.embedder.encode(list(texts))

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(tuple(texts))

    @cached_property
    def speller(self) -> Speller:
        """Typo tolerance towards the words of the vocabulary, the claims' quotes, the source documents and
        the hand-written reading."""
        concepts = self.index.vocabulary_texts
        quotes = [c.quote for c in self.index.claims.values()] + [c.context for c in self.index.claims.values()]
        lexicon = lexicon_of(concepts + quotes + list(self.documents()) + rule_words())
        return Speller(lexicon, model_words(self._model_folder()))

    def _model_folder(self) -> Path:
        try:
            return getattr(self.embedder, "path", None) or model_path()
        except EmbeddingModelError:
            return Path()

    def score(self, texts: list[str], kind: str) -> dict[str, float]:
        """Best similarity of any of texts with each concept of this kind."""
        rows = self._rows.get(kind)
        if rows is None or not len(rows):
            return {}
        sims = self.encode(texts) @ self.vectors[rows].T          # texts x entries
        best = sims.max(axis=0)
        out: dict[str, float] = {}
        for row, value in zip(rows, best):
            cid = self.entries[row][1]
            out[cid] = max(out.get(cid, -1.0), float(value))
        return out

    def family_similarity(self, text: str) -> dict[str, float]:
        """Baseline: similarity of the text with each family's mean text vector."""
        rows = [i for i, e in enumerate(self.entries) if e[0] in ("family", "family_quote")]
        query = self.encode([text])[0]
        sums: dict[str, list[int]] = {}
        for row in rows:
            sums.setdefault(self.entries[row][1], []).append(row)
        out = {}
        for fam, idx in sums.items():
            centroid = self.vectors[idx].mean(axis=0)
            out[fam] = float(query @ centroid / (np.linalg.norm(centroid) or 1.0))
        return out
