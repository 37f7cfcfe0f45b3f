"""Where sources disagree: the same family and property rated far apart by different documents."""
from __future__ import annotations

from dataclasses import dataclass

from kg.ontology.vocabulary import Vocabulary
from kg.sources.claims import Claim

MIN_GAP = 2   # ranks apart (e.g. moderate vs very high, low vs high) before sources "disagree"


@dataclass
class Conflict:
    family: str
    property: str
    sides: list[Claim]          # every level-bearing claim on this family and property

    @property
    def id(self) -> str:
        return f"{self.family}-{self.property}"

    def summary(self, vocab: Vocabulary) -> str:
        parts: list[str] = []
        for claim in self.sides:
            part = f"{claim.source[:3]} says {vocab.levels[level_of(claim)].label}"
            if part not in parts:
                parts.append(part)
        prop = vocab.properties[self.property].label
        return f"Sources disagree on the {prop} of {vocab.families[self.family].label}: " + "; ".join(parts)


def level_of(claim: Claim) -> str | None:
    """The level a claim gives its subject on a property, if it gives one."""
    if claim.predicate == "has_level":
        return str(claim.value)
    return claim.extra.get("level")


def property_of(claim: Claim) -> str | None:
    return claim.extra.get("property") if level_of(claim) else None


def find_conflicts(claims: list[Claim], vocab: Vocabulary) -> list[Conflict]:
    """Family/property pairs on which two documents give levels at least MIN_GAP ranks apart."""
    groups: dict[tuple[str, str], list[Claim]] = {}
    for claim in claims:
        prop = property_of(claim)
        if prop and claim.subject_kind == "family":
            groups.setdefault((claim.subject, prop), []).append(claim)
    conflicts = []
    for (family, prop), group in sorted(groups.items()):
        by_doc: dict[str, set[int]] = {}
        for claim in group:
            by_doc.setdefault(claim.source, set()).add(vocab.levels[level_of(claim)].rank)
        docs = sorted(by_doc)
        disagree = any(abs(a - b) >= MIN_GAP
                       for i, d1 in enumerate(docs) for d2 in docs[i + 1:]
                       for a in by_doc[d1] for b in by_doc[d2])
        if disagree:
            conflicts.append(Conflict(family, prop, sorted(group, key=lambda c: (c.source, c.id))))
    return conflicts
