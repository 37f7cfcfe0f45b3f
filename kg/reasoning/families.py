"""Families a person names: in order of mention, the ones they weigh against each other ("GAN or
diffusion for …?", "VAE vs flow"), and the ones they rule out ("anything but GANs")."""
from __future__ import annotations

import re

from kg.reasoning.declines import GENERATIVE
from kg.reasoning.index import KnowledgeIndex

_COMPARE = re.compile(r"\b(or|vs\.?|versus|compare[ds]?|comparison|better|which (one|of)|between|rather than|"
                      r"instead of)\b", re.I)
_RULE_OUT = re.compile(r"\b(no|not|never|without|anything but|except|avoid(ing)?|rul(e|ed|ing) out|other than|"
                       r"don'?t (want|use)|can'?t use|no more|tired of|away from|instead of|besides)\s+"
                       r"(\w+\s+){0,2}$", re.I)
_GIVE_UP = re.compile(r"collaps|unstable|fail|problem|struggl|alternative|replace|away from|tired of|keeps|"
                      r"doesn'?t work|hard to train|burned|gave up|give up", re.I)
_ALIASES = {"gan": ["adversarial"], "vae": ["variational"]}


def mentions(text: str, index: KnowledgeIndex) -> list[tuple[int, int, str]]:
    """(start, end, family) of each mention, the longest name winning where names overlap."""
    hits = [(m.start(), m.end(), fam) for fam, concept in index.families.items()
            for alias in set(concept.texts + [fam] + _ALIASES.get(fam, []))
            for m in re.finditer(rf"(?<![\w-]){re.escape(alias)}(?:e?s)?(?![\w-])", text, re.I)]
    taken: list[tuple[int, int, str]] = []
    for start, end, fam in sorted(hits, key=lambda h: h[0] - h[1]):
        if not any(start < e and s < end for s, e, _ in taken):
            taken.append((start, end, fam))
    return sorted(taken)


def named_families(text: str, index: KnowledgeIndex) -> list[str]:
    """Families named in text, in order of first mention."""
    return list(dict.fromkeys(f for _, _, f in mentions(text, index)))


def ruled_out(clause: str, index: KnowledgeIndex) -> set[str]:
    """Families a clause rules out: negated where named, or named beside a failure ("our GAN keeps collapsing")."""
    out = set()
    giving_up = bool(_GIVE_UP.search(clause))
    for start, _end, fam in mentions(clause, index):
        if giving_up or _RULE_OUT.search(clause[max(0, start - 40):start]):
            out.add(fam)
    return out


def candidates(text: str, index: KnowledgeIndex, avoid: set[str]) -> list[str]:
    """The families a comparative question weighs ("X or Y", "X vs Y"): two or more, none ruled out."""
    named = [f for f in named_families(text, index) if f not in avoid]
    return named if len(named) >= 2 and _COMPARE.search(text) else []


# A choice between two named things ("blender or maya for …?", "pytest vs unittest", "Figma or Adobe XD?").
_NAME = r"[\w&'+-]+(?:\.\w+)*"
_PAIR = re.compile(rf"(?:^|[\s,(])((?:{_NAME} )?{_NAME})\s+(?:or|vs\.?|versus)\s+({_NAME}(?: {_NAME})?)", re.I)
_ASKED_AFTER = re.compile(r"\s*(for|as|to|when|\?|$)", re.I)
_CHOICE_WORDS = {"model", "models", "approach", "network", "networks", "method", "methods", "architecture",
                 "family", "families", "one", "other", "something", "else", "both", "neither", "either", "not",
                 "less", "more", "faster", "slower", "better", "worse", "cheaper", "smaller", "bigger"}
_FILLER = {"a", "an", "the", "our", "my", "for", "to", "with", "on", "in", "of", "and", "is", "it", "we", "i",
           "use", "should", "between"}


def tool_choice(text: str, index: KnowledgeIndex) -> tuple[str, str] | None:
    """The two things a question asks to choose between when neither is a model family, a named model or a
    word of the vocabulary (software, services, hardware): "blender or maya for modelling?". None when
    either side is one of those, or when the sentence speaks of generating."""
    for match in _PAIR.finditer(text):
        end = re.search(r"[.?!\n]|$", text[match.end():]).start() + match.end()
        start = max(text.rfind(c, 0, match.start()) for c in ".?!\n") + 1
        asked = text[match.end():end + 1].rstrip().endswith("?") or _ASKED_AFTER.match(text[match.end():])
        sides = match.group(1), match.group(2)
        if asked and not any(_known(side, index) for side in sides) and not GENERATIVE.search(text[start:end]):
            return sides
    return None


def _known(side: str, index: KnowledgeIndex) -> bool:
    words = [w for w in re.findall(r"[a-z0-9]+", side.lower()) if w not in _FILLER]
    return not words or bool(mentions(side, index)) or any(
        w in index.words or w in _CHOICE_WORDS or w.isdigit() for w in words)


__all__ = ["named_families", "ruled_out", "candidates", "mentions", "tool_choice"]
