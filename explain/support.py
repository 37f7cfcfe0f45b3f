"""Does a free-text sentence say what its cited quotes say? The check applied to an LLM's sentences.

A sentence passes when:
  * every family it names (any label or synonym of the vocabulary, or a named model, any case) is
    one its citations are about, and the pick is not named in a negated way ("never use a GAN");
  * a sentence naming no family is taken to be about the pick, and cites only the pick's claims;
  * it is not the user's question said back as a fact;
  * its content is backed by the cited quotes with their context and what the graph read from them
    (the claim's property, level, use case): enough of its content words are found there, none of
    its level words is contradicted there ("slow" against a quote that says "fast"), and its
    embedding is close enough to theirs;
  * "N sources" counts exactly the documents it cites;
  * it keeps what the quotes qualify: their conditions ("if A and B") when it says when to use a family, their
    hedges ("can sometimes"), their negations ("No latent space control"); it denies nothing they do not deny;
  * the star counts, levels and named models it gives are the cited ones.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explain.qualifiers import (
    NEGATORS,
    STAR_COUNT,
    added_negation,
    dropped_condition,
    dropped_hedge,
    dropped_negation,
    unseen_models,
    wrong_level,
    wrong_stars,
)
from explain.wording import OPPOSITES, POLE_WORDS, content, found, poles, words
from kg.reasoning.index import FAMILY_LABELS, ClaimRef, KnowledgeIndex

CASED = {"flow": "Flow", "ae": "AE", "ar model": "AR model", "llm": "LLM"}
NEGATIONS = r"(?:not|never|no|avoid|avoiding|without|instead of|rather than|unlike|except|don't|do not|n't)"
AFTER_NEGATION = re.compile(r"^\W*(?:is|are|would be|will be)\s+(?:not|never|a poor|a bad|poorly|unsuited|"
                            r"unsuitable|the wrong)\b", re.I)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "single": 1, "both": 2}
COUNT = re.compile(r"\b(\d+|one|two|three|four|five|both)\s+(?:of the\s+)?(?:\w+\s+)?sources?\b", re.I)
PROPERTY_POLES = {"generation-speed": (0, False), "sample-quality": (1, False), "training-stability": (2, False),
                  "compute-need": (3, True), "data-need": (3, True), "training-complexity": (2, True),
                  "difficulty": (2, True)}         # property: (pair of OPPOSITES, whether high is the second)
MIN_OVERLAP = 0.6          # share of the sentence's content words found in its support (0.5 before the
                           # labelled set's tune split, whose supported sentences all have 0.67 or more)
ABSOLUTES = frozenset({"best", "always", "any", "every", "never", "only", "most", "fastest", "highest", "ideal",
                       "perfect", "guaranteed", "all"})
GOOD_FIT = re.compile(r"\b(?:a |the )?(?:good|great|strong|natural) (?:fit|choice|option|match)\b", re.I)
DECISION = re.compile(r"\bbest (?:fit|choice|option)\b", re.I)   # the graph's pick, said as such
SYNONYM = 0.78            # cosine of two single words taken as the same ("pictures", "images"); never for the
                         # words of OPPOSITES, whose antonyms embed as close ("stable", "unstable": 0.88)
MIN_SIMILARITY = 0.35      # cosine of the sentence with its closest cited support text
ECHO_SHARE = 0.6           # share of the sentence's content words taken from the question …
ECHO_SIMILARITY = 0.75     # … or cosine with the question, above what its support gives


@dataclass
class Verdict:
    ok: bool
    reason: str = ""
    family: str = ""             # the family the sentence is about ("" when it names several)
    overlap: float = 0.0
    similarity: float = 0.0

    def to_dict(self) -> dict:
        return {"ok": self.ok, "reason": self.reason, "family": self.family,
                "overlap": round(self.overlap, 3), "similarity": round(self.similarity, 3)}


class FamilyNames:
    """Finds the families a text names, by any label, synonym or named model, in any case. A model of
    several families ("GPT": Transformer and Autoregressive) names any of them."""

    def __init__(self, index: KnowledgeIndex):
        names: dict[str, set[str]] = {}
        for fid, label in FAMILY_LABELS.items():
            concept = index.families.get(fid)
            for name in [label, *(concept.texts if concept else [])]:
                names.setdefault(name.lower(), set()).add(fid)
        family_names = set(names)
        for model, label in index.model_labels.items():
            if label.lower() not in family_names and index.model_families.get(model):
                names.setdefault(label.lower(), set()).update(index.model_families[model])
        self.patterns = [(frozenset(fids), self._pattern(name)) for name, fids in names.items() if len(name) > 1]

    @staticmethod
    def _pattern(name: str) -> re.Pattern:
        cased = CASED.get(name)             # ordinary words in lower case ("flow"): only as written
        body = re.escape(cased or name).replace(r"\ ", r"[\s\-]+")
        return re.compile(rf"\b{body}s?\b", 0 if cased else re.I)

    def mentions(self, text: str) -> list[tuple[frozenset, bool, int]]:
        """(families, negated, position) for each name found, longest names first, no overlaps."""
        taken: list[tuple[int, int]] = []
        found = []
        for fids, pattern in sorted(self.patterns, key=lambda p: -len(p[1].pattern)):
            for match in pattern.finditer(text):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                taken.append((match.start(), match.end()))
                found.append((fids, _negated(text, match.start(), match.end()), match.start()))
        return sorted(found, key=lambda m: m[2])

    def named(self, text: str, *, negated: bool | None = None) -> set[str]:
        """The families named (only those named positively, or only negated, when asked)."""
        return {fid for fids, neg, _ in self.mentions(text) if negated is None or neg == negated for fid in fids}


def _negated(text: str, start: int, end: int) -> bool:
    before = " ".join(re.findall(r"[\w']+", re.split(r"[,;:.]", text[:start])[-1].lower())[-4:])
    if re.search(rf"\b{NEGATIONS}\b(?:\s+\w+){{0,3}}$", before) or re.search(r"n't(?:\s+\w+){0,3}$", before):
        return True
    return bool(AFTER_NEGATION.match(text[end:]))


def claim_families(claim: ClaimRef, index: KnowledgeIndex) -> set[str]:
    return {claim.family} | set(index.model_families.get(claim.via_model, []))


def support_text(claim: ClaimRef, index: KnowledgeIndex) -> str:
    """The quote with its context and what the graph read from it: the family, the property with its
    synonyms, the level and the words for it, the use case or modality."""
    parts = [claim.context, claim.quote, FAMILY_LABELS.get(claim.family, ""), claim.value]
    if claim.prop in index.properties:
        parts += index.properties[claim.prop].texts
    target = claim.obj.split(":", 1)[-1]
    for table in (index.use_cases, index.modalities):
        if target in table:
            parts += table[target].texts
    return " ".join(p for p in parts + [level_words(claim, index)] if p)


def level_words(claim: ClaimRef, index: KnowledgeIndex, labelled: bool = True) -> str:
    """What a level claim says in words: its level ("low", unless not `labelled`: a data need's "low" is not
    a quality's) and the property's pole ("slow")."""
    parts = [claim.context, claim.quote, index.levels.get(claim.rank, "") if claim.prop and labelled else ""]
    stars = claim.quote.count("⭐")
    if stars and not claim.quote.replace("⭐", "").strip():
        parts.append(f"{STAR_COUNT.get(stars, '')} stars")
    pole = PROPERTY_POLES.get(claim.prop)
    if pole and claim.rank and claim.rank != 3:
        pair, inverted = pole
        parts += sorted(OPPOSITES[pair][(claim.rank <= 2) != inverted])
    return " ".join(p for p in parts if p)


class SupportCheck:
    """The check for one answer: its question, its pick and the claims its sentences may cite."""

    def __init__(self, index: KnowledgeIndex, question: str, pick: str,
                 encode: Callable[[list[str]], np.ndarray] | None = None):
        self.index, self.question, self.pick, self.encode = index, question, pick, encode
        self.names = FamilyNames(index)
        self.question_words = content(question)
        self._vectors: dict[str, np.ndarray] = {}

    def check(self, text: str, claims: list[ClaimRef]) -> Verdict:
        if not claims:
            return Verdict(False, "cites nothing")
        verdict = self._families(text, claims)
        if not verdict.ok:
            return verdict
        family = verdict.family
        counted = _counted(text)
        if counted and counted != len({c.doc for c in claims}):
            return Verdict(False, f"says {counted} sources but cites {len({c.doc for c in claims})}", family)
        supports = [support_text(c, self.index) for c in claims]
        condition = dropped_condition(text, claims)
        if condition:
            return Verdict(False, f"leaves out the quote's condition “{condition}”", family)
        if dropped_hedge(text, claims):
            return Verdict(False, "says for certain what the quotes hedge", family)
        problem = self._misquotes(text, claims)
        if problem:
            return Verdict(False, problem, family)
        levels = poles(" ".join(level_words(c, self.index, labelled=False) for c in claims))
        return self._content(text, supports, levels, family)

    def _quotes_against(self, claims: list[ClaimRef]) -> bool:
        """A cited quote itself speaks against the pick: it names it negatively ("Unlike VAEs or GANs") or
        says what the pick lacks ("not optimal for high-quality generation")."""
        return any(self.pick in self.names.named(c.quote, negated=True) or
                   (self.pick in claim_families(c, self.index) and NEGATORS & set(words(c.quote))) for c in claims)

    def _misquotes(self, text: str, claims: list[ClaimRef]) -> str:
        """What the sentence reads into its quotes that they do not show: stars, a level, a lacking turned
        into a having, a named model."""
        stars = wrong_stars(text, claims)
        if stars:
            return f"says “{stars}” where the quotes show otherwise"
        level = wrong_level(text, claims, self.index)
        if level:
            return f"says “{level}” where the cited levels differ"
        if dropped_negation(text, claims):
            return "drops the quotes' negation"
        if added_negation(text, claims):
            return "denies what its quotes do not deny"
        model = unseen_models(text, claims, self.index)
        return f"names {model}, which its quotes do not" if model else ""

    def _families(self, text: str, claims: list[ClaimRef]) -> Verdict:
        cited = [claim_families(c, self.index) | self.names.named(c.quote, negated=True) for c in claims]
        mentions = self.names.mentions(text)
        if any(fids == {self.pick} and negated for fids, negated, _ in mentions) and not self._quotes_against(claims):
            return Verdict(False, f"speaks against the pick, {FAMILY_LABELS[self.pick]}")
        groups = [fids for fids, _, _ in mentions] or [frozenset({self.pick})]
        for fids in groups:
            if not any(fids & fams for fams in cited):
                names = " or ".join(sorted(FAMILY_LABELS[f] for f in fids))
                return Verdict(False, f"names {names} without citing a claim about it")
        named = set().union(*groups)
        for fams in cited:
            if not fams & named:
                return Verdict(False, "cites a claim about a family it does not speak of")
        about = {f for fams in cited for f in fams & named}
        return Verdict(True, family=next(iter(about)) if len(about) == 1 else "")

    def _content(self, text: str, supports: list[str], backed: set[tuple[int, int]], family: str) -> Verdict:
        mine = content(_without_names(text, self.names))
        if len(words(text)) < 3:
            return Verdict(False, "says nothing", family)
        pool = set().union(*(content(s) for s in supports))
        overlap = sum(found(w, pool) or self._synonym(w, pool) for w in mine) / len(mine) if mine else 1.0
        similarity, to_question = self._similarities(text, supports)
        echoed = [w for w in mine if w in self.question_words and not found(w, pool)]
        if (mine and len(echoed) / len(mine) >= ECHO_SHARE) or \
                (to_question >= ECHO_SIMILARITY and to_question > similarity):
            return Verdict(False, "says the question back as a fact", family, overlap, similarity)
        said = poles(GOOD_FIT.sub(" ", _without_names(text, self.names)))
        if any((i, 1 - side) in backed and (i, side) not in backed for i, side in said):
            return Verdict(False, "its level words contradict the cited quotes", family, overlap, similarity)
        plain = re.sub(r"\bonly (?:have |has |had )?(?:a |an )?(?:little|few|small|limited|one|single|modest)\b", " ",
                       DECISION.sub(" ", text), flags=re.I)
        absolute = [w for w in words(plain) if w in ABSOLUTES
                    and not any(found(w, set(words(s))) for s in supports)]
        if absolute and not re.search(r"\ball (?:five|5|\d+) sources\b", text):
            return Verdict(False, f"says “{absolute[0]}” where the quotes do not", family, overlap, similarity)
        if overlap < MIN_OVERLAP:
            return Verdict(False, f"only {overlap:.0%} of its words are in the cited quotes", family, overlap,
                           similarity)
        if self.encode is not None and similarity < MIN_SIMILARITY:
            return Verdict(False, f"its meaning is far from the cited quotes ({similarity:.2f})", family,
                           overlap, similarity)
        return Verdict(True, "", family, overlap, similarity)

    def _synonym(self, word: str, pool: set[str]) -> bool:
        """A pool word means the same by the embedding ("fuzzy" and "blurry")."""
        if self.encode is None or not pool or word in POLE_WORDS:
            return False
        others = sorted(pool - POLE_WORDS)
        missing = [w for w in [word, *others] if w not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.encode(missing), strict=True))
        target = self._vectors[word]
        return max(float(self._vectors[w] @ target) for w in others) >= SYNONYM

    def _similarities(self, text: str, supports: list[str]) -> tuple[float, float]:
        if self.encode is None:
            return 1.0, 0.0
        if not self.names.mentions(text):          # "its speed is low" is about the pick
            text = f"{FAMILY_LABELS[self.pick]}: {text}"
        vectors = self.encode([text, self.question, " ".join(supports), *supports])
        sims = vectors[2:] @ vectors[0]
        return float(sims.max()), float(vectors[1] @ vectors[0])


def _without_names(text: str, names: FamilyNames) -> str:
    for _, pattern in names.patterns:
        text = pattern.sub(" ", text)
    return text


def _counted(text: str) -> int:
    match = COUNT.search(text)
    if not match:
        return 5 if re.search(r"\ball (?:five|5) sources\b", text, re.I) else 0
    word = match.group(1).lower()
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


__all__ = ["SupportCheck", "Verdict", "FamilyNames", "support_text"]
