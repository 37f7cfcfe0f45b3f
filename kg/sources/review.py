"""Suspicious mappings among claims that load cleanly: warnings for a curator, not errors.

- a decision rule (recommended_when) whose quote states no condition (nor does the context it is
  shown with, e.g. "Decision Guide · For Text Generation"), or whose `when` lists none;
- a level claim (has_level, or a strength/weakness with a level) whose quote holds no level word or
  rating, or whose quote only compares the family with another one ("more stable than GANs" says
  nothing of how stable either is: that is a `compared` claim, not a level);
- a claim about a family whose quote sits in another family's part of the document (its table row
  or column, its section) and does not name its own family; a claim about a named model that sits in
  one family's part but also counts for the model's other families (003's "Text generation (GPT)",
  in its autoregressive section, credited to Transformer through GPT).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kg.ontology.vocabulary import Vocabulary, slugify
from kg.sources.claims import Claim
from kg.sources.context import SEP, FamilyNames, locate_structure, section_family
from kg.sources.corpus import Document

_CONDITION = re.compile(
    r"\b(if|when|whenever|unless|for|where|only|needs?|need|requires?|required|critical|priority|"
    r"available|exists?|scarce|small|big|large|minimal|few)\b|→|->", re.I)
_LEVEL = re.compile(
    r"[⭐★]|\b\d+(?:\.\d+)?\s*/\s*\d+\b|\b("
    r"very|low|lower|high|higher|highly|moderate|limited|medium|excellent|great|good|poor|best|better|worse|"
    r"worst|strong|stronger|weak|superior|inferior|state-of-the-art|sota|top|fast|faster|quick|slow|slower|"
    r"expensive|cheap|costly|intensive|heavy|efficient|inefficient|efficiently|stable|unstable|instability|"
    r"stability|difficult|difficulty|easy|easier|easily|hard|harder|challenging|straightforward|simple|"
    r"complex|sharp|blurry|blurrier|realistic|photorealistic|high-quality|high-fidelity|high-resolution|"
    r"lower-dimensional|exact|precise|accurate|coherent|diverse|diversity|flexible|versatile|controllable|"
    r"interpretable|smooth|significant|large|massive|small|minimal|few|many|powerful|struggles?|prone|"
    r"collapse|sensitive|careful|requires?|requiring|needs?|limits?|lacks?|not|no|less|more|most|"
    r"fine-grained|detailed|rival|surpassed|ideal|well|dominate|standard|gold|bottleneck|parallelizable|"
    r"scalable|resource-heavy|computationally|quality|fidelity|parallel|useful|scarce)\b", re.I)

_COMPARISON = re.compile(r"\b(than|compared (?:to|with)|relative to)\b", re.I)
_RATED_LIST = re.compile(r"\b(strengths?|pros|weaknesses|cons|limitations|best for)\b", re.I)


@dataclass(frozen=True)
class ClaimWarning:
    file: str
    line: int
    claim: str
    kind: str              # rule-without-condition | level-without-level-word | comparison-as-level |
                           # outside-family-section
    message: str

    def __str__(self) -> str:
        return f"{Path(self.file).name}:{self.line}: warning: claim {self.claim}: {self.message}"


def _level(claim: Claim) -> bool:
    return claim.predicate == "has_level" or (claim.predicate in ("strength", "weakness") and "level" in claim.extra)


def _rule_problem(claim: Claim) -> str:
    when = claim.extra.get("when") or {}
    if not any(when.values()):
        return "a decision rule whose `when` lists no condition"
    if not _CONDITION.search(claim.quote) and not _CONDITION.search(claim.quote_context):
        return f"a decision rule whose quote (and its context) states no condition: {claim.quote!r}"
    return ""


def _level_problem(claim: Claim, text: str) -> str:
    raw = str(claim.extra.get("raw") or "")
    if _LEVEL.search(claim.quote) or (raw and raw in claim.quote):
        return ""
    loc = locate_structure(text, claim.start)     # a list or column that rates: "Strengths", "Best for"
    if any(_RATED_LIST.search(t) for t in (loc.list_heading, loc.label, loc.column,
                                            claim.quote_context.rsplit(SEP, 1)[-1])):
        return ""
    return f"a level claim whose quote holds no level word or rating: {claim.quote!r}"


def _comparison_problem(claim: Claim, names: FamilyNames) -> str:
    if claim.predicate == "has_level" or not _COMPARISON.search(claim.quote):
        return ""
    others = set(names(claim.quote)) - {claim.subject}
    if not others:
        return ""
    return (f"a level read from a comparison with {', '.join(sorted(others))} (state it as a `compared` claim): "
            f"{claim.quote!r}")


def location_family(claim: Claim, text: str, names: FamilyNames) -> str:
    """The one family the quote's place is about: its table row or column, else its section."""
    loc = locate_structure(text, claim.start)
    if loc.in_table:
        named = names(loc.row) + names(loc.column)
        return named[0] if len(set(named)) == 1 else ""
    named = names(claim.context_label)
    if named:
        return named[0] if len(named) == 1 else ""
    return section_family(text, claim.start, names)


def model_families(claims: list[Claim]) -> dict[str, set[str]]:
    """Each named model's families, from the example and hybrid_of claims of every document."""
    out: dict[str, set[str]] = {}
    for claim in claims:
        if claim.predicate == "example" and claim.subject_kind == "family":
            out.setdefault(slugify(str(claim.value)), set()).add(claim.subject)
        elif claim.predicate == "hybrid_of":
            out.setdefault(claim.subject, set()).update(claim.value)
    return out


def _section_problem(claim: Claim, text: str, names: FamilyNames, models: dict[str, set[str]]) -> str:
    place = location_family(claim, text, names)
    if not place or set(names(claim.quote)) - {place}:
        return ""
    if claim.subject_kind == "family":
        if place == claim.subject:
            return ""
        return f"a claim about {claim.subject} whose quote sits in {place}'s part of the document: {claim.quote!r}"
    families = models.get(claim.subject, set())
    others = sorted(families - {place})
    if not others or claim.predicate in ("example", "hybrid_of", "introduced", "mechanism"):
        return ""
    if place not in families:
        return (f"a claim about {claim.subject_label} (a model of {', '.join(others)}) whose quote sits in "
                f"{place}'s part of the document: {claim.quote!r}")
    return (f"a claim about {claim.subject_label} in {place}'s part of the document counts for "
            f"{', '.join(others)} too (the model's other families): {claim.quote!r}")


def claim_warnings(claims: list[Claim], docs: dict[str, Document], vocab: Vocabulary) -> list[ClaimWarning]:
    """Every suspicious mapping among located claims, in file order."""
    names, models = FamilyNames(vocab), model_families(claims)
    out = []
    for claim in claims:
        checks = [("outside-family-section", _section_problem(claim, docs[claim.source].text, names, models))]
        if claim.predicate == "recommended_when":
            checks.append(("rule-without-condition", _rule_problem(claim)))
        if _level(claim):
            checks.append(("level-without-level-word", _level_problem(claim, docs[claim.source].text)))
            checks.append(("comparison-as-level", _comparison_problem(claim, names)))
        out += [ClaimWarning(claim.file, claim.line, claim.id, kind, msg) for kind, msg in checks if msg]
    return out


__all__ = ["ClaimWarning", "claim_warnings", "location_family"]
