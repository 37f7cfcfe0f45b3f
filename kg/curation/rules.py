"""Claims that a sentence's shape states, whatever its neighbours vote: who introduced a family or model,
which families a named system combines, and when a source recommends a family.

- introduced: "Introduced by Ian Goodfellow in 2014", "developed by DeepMind", "Imagen by Google", and a
  line describing a model that opens with its maker ("OpenAI's latest, multimodal").
- hybrid_of: a named model made of two or more families ("DALL-E 2: Diffusion + CLIP (Transformer)",
  "VAE-GANs: Combines VAE's latent space with GAN's realism"), the families in the order named.
- recommended_when: a decision guide's line ("Diffusion Models if quality is priority" under "For Image
  Generation:"), an "If …" item under "Best use case", an arrow ("Small Compute → Fine-Tune a Diffusion
  Model"), or "X are the best choice when …", "X can be used when …", "X are useful when …".
"""
from __future__ import annotations

import re

from kg.sources.context import FamilyNames

_BY = re.compile(r"\b(?i:introduced|proposed|developed|created|invented|released)\s+by\s+((?:researchers\s+(?:at|from)"
                 r"\s+)?[A-Z][\w.]*(?:\s+(?:and\s+|et al\.?)?[A-Z][\w.]*){0,4}(?:\s+et al\.?)?)")
_MAKER = re.compile(r"^(?:[-•*–]\s+)?([A-Z][A-Za-z]+)['’]s\s+\w")
_LEAD_BY = re.compile(r"^(?:[-•*–]\s+)?[A-Z][\w.·-]*(?:[ -][A-Z0-9][\w.·-]*)*\s+"
                      r"(?:by\s+([A-Z][\w.]*)|\(([A-Z]{2,}\w*)\))")
_COMBINES = re.compile(r"\+|\bcombin(?:es|ing|ed)\b|\bhybrid\b", re.I)
_CHOICE = re.compile(r"\b(?:(?:is|are) (?:the )?best (?:choice|option)|can be used|(?:is|are) (?:most )?useful|"
                     r"(?:is|are) (?:a )?good (?:choice|fit)|should be used|(?:is|are) recommended)"
                     r"\s+(?:when|if|for)\b", re.I)
_GUIDE = re.compile(r"^\s*(?:for|when|if)\b[^.]*:\s*$|\b(?:decision|choos|which model|when to use|best use)", re.I)
_ARROW = re.compile(r"(?:→|->)\s*(train|fine-tune|use|pick|choose)\b", re.I)


def introduced_by(body: str, is_model: bool) -> str:
    """Who the unit says introduced its subject, or ''."""
    hit = _BY.search(body)
    if hit:
        return hit.group(1).strip()
    lead = _LEAD_BY.match(body) if is_model else None
    if lead and (lead.group(1) or lead.group(2)[0] != body.lstrip("-•*– ")[0]):    # not "Wasserstein GAN (WGAN)"
        return lead.group(1) or lead.group(2)
    maker = _MAKER.match(body) if is_model else None
    return maker.group(1) if maker else ""


def hybrid_families(body: str, lead: str, names: FamilyNames) -> list[str]:
    """The families a model the unit starts with combines, in the order named, or []."""
    if not lead or not _COMBINES.search(body):
        return []
    rest = body[body.find(lead) + len(lead):]
    families = [family for family, _ in _in_order(rest, names)]
    return families if len(families) >= 2 else []


def _in_order(text: str, names: FamilyNames) -> list[tuple[str, int]]:
    first: dict[str, int] = {}
    for pattern, family in names.patterns:
        hit = pattern.search(text)
        if hit and family in names(hit.group(0)):
            first.setdefault(family, hit.start())
    return sorted(first.items(), key=lambda item: item[1])


def recommendation(body: str, above: str, heading: str, names: FamilyNames) -> tuple[str, str]:
    """(family, what to do: use, train, fine-tune) when the unit recommends a family, else ('', '');
    the family is '*' when the unit recommends what it is about without naming it ("Useful when …")."""
    arrow = _ARROW.search(body)
    if arrow:
        after = _in_order(body[arrow.end():], names)
        return (after[0][0], arrow.group(1).lower()) if after else ("", "")
    named = _in_order(body, names)
    choice = _CHOICE.search(body)
    if choice and named and named[0][1] < choice.start():
        return named[0][0], "use"
    if re.match(r"^\W*(?:useful|best|recommended|ideal)\s+(?:when|if)\b", body, re.I):
        return "*", "use"
    if not (_GUIDE.search(above.strip()) or _GUIDE.search(heading)):
        return "", ""
    if named and named[0][1] <= 3 and not body.endswith("."):      # "GANs if speed is critical", not a sentence
        return named[0][0], "use"
    return ("*", "use") if re.match(r"^\W*(?:if|when)\b", body, re.I) else ("", "")
