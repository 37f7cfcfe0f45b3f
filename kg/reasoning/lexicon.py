"""The words of a need as features: tf-idf over word unigrams and bigrams, learned from the need corpus.

The embedding says what a need is about; its words say what is asked of it ("classify" or "generate", "tiny
chip", "idc how long"), which sentence embeddings blur. The terms and their inverse document frequencies are
fitted on the corpus's training texts (scikit-learn's TfidfVectorizer defaults: lowercase words of two
characters or more, smoothed idf, sublinear term counts, unit length), in numpy alone so the parser runs
without scikit-learn. Deterministic: ties in frequency are broken by the term.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

_WORD = re.compile(r"\b\w\w+\b")
MIN_DOCUMENTS = 2          # a term in fewer training needs is no feature (CV: 2 and 3 alike)
MAX_TERMS = 3000           # the most frequent terms kept
NGRAMS = 2                 # unigrams and bigrams (CV: bigrams +0.3 top-1 over unigrams)


def terms_of(text: str, ngrams: int = NGRAMS) -> list[str]:
    """The text's words and runs of up to `ngrams` words, lowercased, in order."""
    words = _WORD.findall(text.lower())
    return [" ".join(words[i:i + n]) for n in range(1, ngrams + 1) for i in range(len(words) - n + 1)]


@dataclass
class Lexicon:
    """Terms (in feature order) and their idf weights."""
    terms: list[str]
    idf: np.ndarray

    @classmethod
    def fit(cls, texts: list[str], *, min_documents: int = MIN_DOCUMENTS, max_terms: int = MAX_TERMS) -> Lexicon:
        documents = Counter(t for text in texts for t in set(terms_of(text)))
        totals = Counter(t for text in texts for t in terms_of(text))
        kept = sorted((t for t, df in documents.items() if df >= min_documents), key=lambda t: (-totals[t], t))
        terms = sorted(kept[:max_terms])
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + documents[t])) + 1.0 for t in terms])
        return cls(terms, idf)

    @cached_property
    def columns(self) -> dict[str, int]:
        """Each term's feature column."""
        return {t: j for j, t in enumerate(self.terms)}

    def transform(self, texts: list[str]) -> np.ndarray:
        """One unit-length row of tf-idf weights per text (terms not in the lexicon count for nothing)."""
        column = self.columns
        out = np.zeros((len(texts), len(self.terms)))
        for i, text in enumerate(texts):
            for term, count in Counter(terms_of(text)).items():
                if (j := column.get(term)) is not None:
                    out[i, j] = (1.0 + math.log(count)) * self.idf[j]
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


__all__ = ["Lexicon", "terms_of"]
