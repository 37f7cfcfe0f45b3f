"""Where sources disagree about a family's property, in three kinds:

- levels: two documents rate it far apart (MIN_GAP ranks), unless each document rates enough families
  to have a scale of its own and both put the family on the same side of it (three sources that all
  put GANs last on controllability agree, however their words map to absolute levels);
- comparison: a document says the family is better (or worse) than another on the property, while
  another document's ratings put the two the other way round or level;
- within-document: one document rates it far apart in two places.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean, median

from kg.ontology.vocabulary import Vocabulary
from kg.sources.claims import Claim

MIN_GAP = 2     # ranks apart (e.g. moderate vs very high, low vs high) before ratings "disagree"
MIN_SCALE = 3   # families a document must rate on a property to have a scale of its own
KINDS = ("levels", "comparison", "within-document")


@dataclass
class Conflict:
    family: str
    property: str
    sides: list[Claim]          # the claims on each side (for a comparison: the comparison, then the ratings)
    kind: str = "levels"
    other: str = ""             # the family compared with (comparison)
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        if self.kind == "comparison":
            return f"{self.family}-{self.property}-vs-{self.other}"
        if self.kind == "within-document":
            return f"{self.family}-{self.property}-in-{self.sides[0].source[:3]}"
        return f"{self.family}-{self.property}"

    def summary(self, vocab: Vocabulary) -> str:
        prop, fam = vocab.properties[self.property].label, vocab.families[self.family].label
        if self.kind == "comparison":
            return f"Sources disagree on how {fam} compares with {vocab.families[self.other].label} on {prop}: " + \
                "; ".join(self.notes)
        parts: list[str] = []
        for claim in self.sides:
            part = f"{claim.source[:3]} says {vocab.levels[level_of(claim)].label}"
            if part not in parts:
                parts.append(part)
        lead = "One source disagrees with itself" if self.kind == "within-document" else "Sources disagree"
        return f"{lead} on the {prop} of {fam}: " + "; ".join(parts)


def level_of(claim: Claim) -> str | None:
    """The level a claim gives its subject on a property, if it gives one."""
    if claim.predicate == "has_level":
        return str(claim.value)
    return claim.extra.get("level")


def property_of(claim: Claim) -> str | None:
    return claim.extra.get("property") if level_of(claim) else None


Ratings = dict[tuple[str, str], dict[str, list[Claim]]]     # (family, property) -> document -> claims


def _ratings(claims: list[Claim]) -> Ratings:
    out: Ratings = {}
    for claim in claims:
        prop = property_of(claim)
        if prop and claim.subject_kind == "family":
            out.setdefault((claim.subject, prop), {}).setdefault(claim.source, []).append(claim)
    return out


class _Scales:
    """Each document's mean rank for each family on each property, and where a family sits on it."""

    def __init__(self, ratings: Ratings, vocab: Vocabulary):
        self.vocab = vocab
        self.means: dict[tuple[str, str], dict[str, float]] = {}       # (doc, prop) -> family -> mean rank
        for (family, prop), by_doc in ratings.items():
            for doc, group in by_doc.items():
                self.means.setdefault((doc, prop), {})[family] = mean(self.rank(c) for c in group)

    def rank(self, claim: Claim) -> int:
        return self.vocab.levels[level_of(claim)].rank

    def side(self, doc: str, prop: str, family: str) -> int | None:
        """-1 below the document's median, 1 above, 0 on it; None when the document has no scale."""
        scale = self.means.get((doc, prop), {})
        if len(scale) < MIN_SCALE:
            return None
        mid = median(scale.values())
        return (scale[family] > mid) - (scale[family] < mid)

    def agree(self, d1: str, d2: str, prop: str, family: str) -> bool:
        s1, s2 = self.side(d1, prop, family), self.side(d2, prop, family)
        return s1 is not None and s2 is not None and s1 == s2 != 0


def _level_conflict(family: str, prop: str, by_doc: dict[str, list[Claim]], scales: _Scales) -> Conflict | None:
    docs, sides = sorted(by_doc), []
    for i, d1 in enumerate(docs):
        for d2 in docs[i + 1:]:
            far = any(abs(scales.rank(a) - scales.rank(b)) >= MIN_GAP for a in by_doc[d1] for b in by_doc[d2])
            if far and not scales.agree(d1, d2, prop, family):
                sides += [c for c in by_doc[d1] + by_doc[d2] if c not in sides]
    return Conflict(family, prop, sorted(sides, key=lambda c: (c.source, c.id))) if sides else None


def _within_conflict(family: str, prop: str, by_doc: dict[str, list[Claim]], scales: _Scales) -> Conflict | None:
    """One document far apart with itself, or listing the property both as a strength and as a weakness at
    different levels (004: NeRF "Few input images needed" and "Requires multiple images ...")."""
    for doc in sorted(by_doc):
        group = sorted(by_doc[doc], key=scales.rank)
        for low in group:
            for high in reversed(group):
                gap = scales.rank(high) - scales.rank(low)
                opposed = {low.predicate, high.predicate} == {"strength", "weakness"}
                if gap >= MIN_GAP or (gap >= 1 and opposed):
                    return Conflict(family, prop, [low, high], kind="within-document")
    return None


def _comparison_conflicts(claims: list[Claim], ratings: Ratings, scales: _Scales,
                          vocab: Vocabulary) -> list[Conflict]:
    """A document's "X is better than Y on P" against another document that rates X and Y the other way."""
    out: dict[tuple[str, str], Conflict] = {}
    for claim in claims:
        if claim.predicate != "compared" or claim.subject_kind != "family":
            continue
        family, other, prop = claim.subject, claim.extra.get("than"), claim.extra.get("property")
        sign = {"better": 1, "worse": -1}.get(str(claim.value))
        if not (other and prop and sign) or (family, prop, other) in out:
            continue
        for rated in [prop] + vocab.properties[prop].broader:      # "easier to train" vs overall difficulty
            conflict = _contradiction(claim, (family, other, prop, rated, sign), ratings, scales, vocab)
            if conflict:
                out[(family, prop, other)] = conflict
                break
    return list(out.values())


def _contradiction(claim: Claim, what: tuple, ratings: Ratings, scales: _Scales, vocab: Vocabulary) -> Conflict | None:
    family, other, prop, rated, sign = what
    flip = 1 if vocab.properties[rated].higher_is_better else -1
    mine, theirs = ratings.get((family, rated), {}), ratings.get((other, rated), {})
    for doc in sorted(set(mine) & set(theirs) - {claim.source}):
        a, b = scales.means[(doc, rated)][family], scales.means[(doc, rated)][other]
        if (a - b) * flip * sign > 0:
            continue
        fam, oth = vocab.families[family].label, vocab.families[other].label
        said = f"{claim.source[:3]} says {fam} does {'better' if sign > 0 else 'worse'} than {oth} on " \
               f"{vocab.properties[prop].label}"
        how = "the same" if a == b else "the other way round"
        notes = [said, f"{doc[:3]} rates their {vocab.properties[rated].label} {how}"]
        return Conflict(family, prop, [claim, mine[doc][0], theirs[doc][0]], kind="comparison", other=other,
                        notes=notes)
    return None


def find_conflicts(claims: list[Claim], vocab: Vocabulary) -> list[Conflict]:
    """Every conflict of the three kinds, in order of family, property and id."""
    ratings = _ratings(claims)
    scales = _Scales(ratings, vocab)
    found = _comparison_conflicts(claims, ratings, scales, vocab)
    for (family, prop), by_doc in sorted(ratings.items()):
        found += [c for c in (_level_conflict(family, prop, by_doc, scales),
                              _within_conflict(family, prop, by_doc, scales)) if c]
    return sorted(found, key=lambda c: (c.family, c.property, c.id))
