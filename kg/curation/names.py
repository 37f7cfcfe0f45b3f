"""Named models a unit of text mentions, as candidates for `example` claims.

A name leads a list item ("- StyleGAN - known for…", "- Wavenet: an autoregressive model…"), follows
"e.g.", "such as", "like", "including" or an opening parenthesis ("(e.g., ChatGPT, Claude, Gemini)",
"Transformers (GPT, T5, LLaMA)"), makes up a short cell or
bullet on its own ("DALL-E 2"), or is a model some curated claim already names. A name must look like
one (a digit, or a capital inside it: "GPT-4", "XLNet") unless a curated claim knows it; family names
("GANs") are not models.
"""
from __future__ import annotations

import re

from kg.sources.context import FamilyNames

_NAME = r"[A-Z][\w.·'-]*(?:[ -](?:[A-Z0-9][\w.·'-]*|\d+(?:\.\d+)?))*"
_LEADING = re.compile(rf"^\s*(?:[-•*–]\s+)?({_NAME})(?=\s*(?:\(|:|–|—|-\s|\bby\b|$))")
_AFTER = re.compile(r"(?:\b(?:e\.g\.,?|such as|like|including)\s+|\((?=[A-Z]))")
_LISTED = re.compile(rf"({_NAME})(?:\s*(?:,|\band\b|\bor\b)\s*(?:and\s+)?|\s*\)|\s*$)")
_WORDS = frozenset({"The", "A", "An", "This", "These", "Key", "Encoder", "Decoder", "Generator", "Discriminator",
                    "Training", "Examples", "Example", "Strengths", "Limitations", "Applications", "Pros", "Cons",
                    "Text", "Image", "Images", "Audio", "Video", "Music", "Speech", "Code", "High", "Low",
                    "Moderate", "Very", "Best", "Use", "Uses", "Note", "Radiance", "Density", "Volumetric"})


_QUESTION = frozenset({"How", "What", "Why", "When", "Which", "Types", "Type", "Choosing", "Comparing"})


def looks_like_model(name: str, known: set[str]) -> bool:
    if name.lower() in known:
        return True
    first = name.split()[0]
    return first not in _WORDS and any(re.search(r"\d|.[A-Z]", word) for word in name.split())


def is_family_name(name: str, families: FamilyNames) -> bool:
    """"GANs", "Diffusion Models": a family's own name, not a model ("Stable Diffusion")."""
    if not families(name):
        return False
    if re.search(r"\b(models?|networks?|works?|variants?|types?)$", name, re.I) or name.split()[0] in _QUESTION \
            or len(families(name)) > 1:
        return True         # "Auto-Regressive Models", "How GANs Work", "GAN Variants", "Transformers GANs VAEs"
    return any(pattern.fullmatch(name.strip()) for pattern, _ in families.patterns)


def model_names(text: str, known: set[str], families: FamilyNames, *,
                listed: bool = False) -> list[tuple[str, int, int]]:
    """(name, start, end) of each named model in text, first mention first, each once; listed: the text
    is an item under a list of models ("Notable models"), so the name it starts with is one."""
    found: dict[str, tuple[int, int]] = {}

    def add(name: str, start: int, listed: bool = False) -> None:
        name = name.strip(" .,;:")
        plausible = looks_like_model(name, known) or (listed and name.split()[0] not in _WORDS)
        if name and not is_family_name(name, families) and plausible and name not in found:
            found[name] = (start, start + len(name))

    lead = _LEADING.match(text)
    if lead:
        add(lead.group(1), lead.start(1), listed)
    for pos in [*([0] if listed else []), *(after.end() for after in _AFTER.finditer(text))]:
        while (item := _LISTED.match(text, pos)) is not None and item.end() > pos:
            add(item.group(1), item.start(1), listed=True)
            pos = item.end()
    for name in known:
        hit = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I)
        if hit and len(name) >= 3:
            add(hit.group(0), hit.start())
    return sorted(((n, s, e) for n, (s, e) in found.items()), key=lambda t: t[1])


def leading_model(text: str, known: set[str], families: FamilyNames) -> str:
    """The named model a list item or a line starts with ("- StyleGAN - known for…"), or ''."""
    lead = _LEADING.match(text)
    if not lead or lead.end(1) >= len(text.rstrip()):
        return ""
    name = lead.group(1).strip(" .,;:")
    return name if name and not (families(name) and name.lower() not in known) and looks_like_model(name, known) else ""


def first_model(text: str, known: set[str], families: FamilyNames) -> int:
    """Where the first name that looks like a model starts in text ("Text, Code GPT-4, BERT"), or -1."""
    for hit in re.finditer(rf"(?<![\w-])(?=({_NAME}))", text):      # a name from each word on: "GPT-4"
        name = hit.group(1).strip(" .,;:")
        if (name.lower() in known or looks_like_model(name.split()[0], known)) and \
                not is_family_name(name, families):
            return hit.start(1)
    return -1
