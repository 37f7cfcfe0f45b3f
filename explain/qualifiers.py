"""What a cited quote qualifies and a sentence must keep: its condition ("if A and B"), its hedge ("can
sometimes be blurry"), its negation ("No latent space control"), its star counts and levels, the named
models it is about. Each check returns what the sentence got wrong, for explain.support's verdict."""
from __future__ import annotations

import re

from explain.wording import content, found, words
from kg.reasoning.index import FAMILY_LABELS, ClaimRef, KnowledgeIndex

HEDGE = re.compile(r"\b(?:sometimes|occasionally|may|might|can (?:suffer|struggle)|can (?:be|become) (?!\w+ed\b))",
                   re.I)                  # "can be unstable" hedges; "can be used" does not
HEDGES = frozenset({"sometimes", "occasionally", "may", "might"})     # a quote that hedges (HEDGE) …
SOFTENERS = HEDGES | {"can", "could", "often", "tend", "tends", "some", "usually", "typically", "generally",
                      "frequently", "prone", "likely", "risk"}     # … is said with one of these, or not at all
STATES_WHEN = re.compile(r"\b(?:if|when|whenever|unless|where|recommends?|advises?|points? to|best use|use case)\b",
                         re.I)
CONDITION = re.compile(r"\b(?:if|when|whenever|unless|where)\b(.*)", re.I)
CONDITION_PART = re.compile(r"\b(?:and|but|or)\b|,", re.I)
STAR_COUNT = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
STARS_SAID = re.compile(r"\b(one|two|three|four|five|[1-5])(?:-|\s+)stars?\b", re.I)
LEVEL_SAID = re.compile(r"\b(?:rated?|rates|rating|as|is|are)\s+(very low|low|moderate|high|very high)\b", re.I)
NEGATORS = frozenset({"no", "not", "without", "lacks", "lack", "non", "cannot", "never"})
NEGATIVE = NEGATORS | {"unlike", "limited", "poor", "poorly", "weak", "short", "struggle", "struggles", "less", "lower",
                       "low", "little", "fails", "fail", "hard", "difficult", "lacking", "absent", "missing",
                       "worse", "unable"}

def dropped_condition(text: str, claims: list[ClaimRef]) -> str:
    """The first part of a cited quote's condition ("if A and B") left out by a sentence that says when to use
    a family ("whenever A", "recommends it for A"), or ""."""
    if not STATES_WHEN.search(text):
        return ""
    said = content(text)
    for claim in claims:
        match = CONDITION.search(claim.quote)
        if not match:
            continue
        for part in CONDITION_PART.split(match.group(1)):
            needed = content(part)
            if needed and not any(found(w, said) for w in needed):
                return part.strip(" .")
    return ""


def wrong_stars(text: str, claims: list[ClaimRef]) -> str:
    """A star rating the sentence gives that no cited quote shows ("one star" citing "⭐⭐"), or ""."""
    shown = {c.quote.count("⭐") for c in claims}
    for match in STARS_SAID.finditer(text):
        said = match.group(1).lower()
        number = int(said) if said.isdigit() else next(n for n, w in STAR_COUNT.items() if w == said)
        if number not in shown:
            return match.group(0)
    return ""


def wrong_level(text: str, claims: list[ClaimRef], index: KnowledgeIndex) -> str:
    """A level said ("rated low") that none of the cited level claims has, when they have levels, or ""."""
    cited = {index.levels.get(c.rank, "").lower() for c in claims if c.rank and c.prop}
    cited.discard("")
    for match in LEVEL_SAID.finditer(text):
        if cited and match.group(1).lower() not in cited:
            return match.group(1)
    return ""


def added_negation(text: str, claims: list[ClaimRef]) -> bool:
    """The sentence denies something ("do not need large datasets") where no cited quote or its context says
    anything negative."""
    cited = " ".join(f"{c.quote} {c.context}" for c in claims).replace("n't", " not")
    return bool(NEGATORS & set(words(text.replace("n't", " not")))) and not NEGATIVE & set(words(cited))


def dropped_negation(text: str, claims: list[ClaimRef]) -> bool:
    """Every cited quote says what a family lacks ("No latent space control", "not optimal for …") and the
    sentence says nothing negative."""
    negated = all(NEGATORS & set(words(c.quote.replace("n't", " not"))) for c in claims)
    return negated and not NEGATIVE & set(words(text.replace("n't", " not")))


def unseen_models(text: str, claims: list[ClaimRef], index: KnowledgeIndex) -> str:
    """A named model ("ControlNet") the sentence credits that no cited quote, context or claim is about."""
    cited = " ".join(f"{c.quote} {c.context}" for c in claims).lower()
    about = {c.via_model for c in claims}
    for model, label in index.model_labels.items():
        if len(label) > 2 and model not in about and label.lower() not in cited and \
                re.search(rf"\b{re.escape(label)}\b", text, re.I) and label not in FAMILY_LABELS.values():
            return label
    return ""


def dropped_hedge(text: str, claims: list[ClaimRef]) -> bool:
    """Every cited quote hedges ("can sometimes be blurry") and the sentence does not."""
    return all(HEDGE.search(c.quote) for c in claims) and not SOFTENERS & set(words(text))


__all__ = ["NEGATORS", "NEGATIVE", "SOFTENERS", "STAR_COUNT", "dropped_condition", "wrong_stars", "wrong_level",
           "added_negation", "dropped_negation", "unseen_models", "dropped_hedge"]
