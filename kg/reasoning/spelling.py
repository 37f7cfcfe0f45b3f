"""Typo tolerance: a misspelt word ("difusion", "nueral radiance feild", "genrate") is read as the word of the
sources, the vocabulary or the need reading that it is one slip from.

A word is left alone when it is short, capitalised mid-sentence or an acronym, or familiar: the embedding
model's own word list (22k whole words) or the lexicon knows it, or a known word with a common prefix or
suffix ("segmentation", "captioning"). Otherwise the lexicon word one edit or one swap of neighbours away
replaces it, if there is one clear choice. The question as typed is kept for display; only its reading changes.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import cached_property, lru_cache
from pathlib import Path

MIN_LENGTH = 5                 # shorter words are too easily another word ("lora" is not "lore")
_WORD = re.compile(r"[A-Za-z]+")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps), or limit + 1
    once it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return previous[-1]


_SUFFIXES = ("isations", "izations", "isation", "ization", "ations", "ation", "ings", "ing", "ers", "er", "ed",
             "es", "s", "ly", "ness", "ments", "ment", "ity", "able", "ised", "ized", "ise", "ize", "al", "est", "y",
             "r", "ibly", "ably")
_PREFIXES = ("un", "re", "pre", "de", "up", "non", "multi", "sub", "super", "over", "under")


def _deletions(word: str, depth: int) -> set[str]:
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


class Speller:
    """Corrects a word unknown to the embedding model's word list (`general`) and to `lexicon` (the sources',
    the vocabulary's and the reading's words, with how often they are used) towards the lexicon word one slip
    (an edit or a swap of neighbours) away. Candidates come from a table of every lexicon word with a letter
    deleted (symmetric deletion), built on the first unknown word: a lookup costs a few dictionary reads."""

    def __init__(self, lexicon: Counter, general: set[str]):
        self.lexicon = lexicon
        self.general = general
        self.known = general | set(lexicon)
        self.word = lru_cache(maxsize=4096)(self._word)

    @cached_property
    def deleted(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = {}
        for word in self.lexicon:
            for variant in _deletions(word, 1):
                table.setdefault(variant, set()).add(word)
        return table

    def familiar(self, lower: str) -> bool:
        """Known outright, or a known word with a common prefix or suffix ("segmentation", "unlabelled")."""
        if lower in self.known:
            return True
        stems = {lower} | {lower[len(p):] for p in _PREFIXES if lower.startswith(p) and len(lower) - len(p) >= 4}
        for stem in list(stems):
            for suffix in _SUFFIXES:
                if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
                    root = stem[:-len(suffix)]
                    stems |= {root, root + "e", root + "y", root + "is", root + "ible", root + "able",
                              root[:-1] if len(root) > 3 and root[-1] == root[-2] else root,
                              root[:-1] + "y" if root.endswith("i") else root}
        grown = {lower + suffix for suffix in _SUFFIXES} | {lower[:-1] + suffix for suffix in _SUFFIXES
                                                            if lower.endswith("e")}    # "caption" of "captioning"
        return any(s in self.known for s in (stems - {lower}) | grown)

    def _word(self, word: str, initial: bool = False) -> str:
        lower = word.lower()
        if len(lower) < MIN_LENGTH or self.familiar(lower) or (word[0].isupper() and not initial) \
                or any(c.isupper() for c in word[1:]):          # names and acronyms ("Figma", "SCADA") stay
            return word
        candidates = {c for variant in _deletions(lower, 1) for c in self.deleted.get(variant, ())}
        near = sorted((c for c in candidates if edit_distance(lower, c, 1) <= 1),
                      key=lambda c: self._preference(c, lower))
        if not near or (len(near) > 1 and self._preference(near[0], lower)[:2] == self._preference(near[1], lower)[:2]):
            return word                       # nothing one slip away, or a true tie: leave the word as typed
        return near[0].capitalize() if word[0].isupper() else near[0]

    def _preference(self, candidate: str, typed: str) -> tuple:
        """The same first letter first, then the word the sources use most."""
        return (candidate[0] != typed[0], -self.lexicon[candidate], candidate)

    def correct(self, text: str) -> str:
        """The text with each misspelt word replaced (everything else as typed)."""
        return _WORD.sub(lambda m: self.word(m.group(0), _starts_sentence(text, m.start())), text)


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?:;\"'(-"


def lexicon_of(texts) -> Counter:
    """Lower-case words of at least MIN_LENGTH letters in these texts, with their counts."""
    return Counter(w.lower() for text in texts for w in _WORD.findall(text) if len(w) >= MIN_LENGTH)


def model_words(folder: Path) -> set[str]:
    """The whole words of the embedding model's word-piece list (vocab.txt), or none when it has no such file."""
    path = folder / "vocab.txt"
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip().isalpha() and not line.startswith("##")}


__all__ = ["Speller", "edit_distance", "lexicon_of", "model_words"]
