"""The typed answer to a need: what was understood, the ranked families and the evidence for each.

Every reason holds the claims it rests on; `explain` renders sentences from these fields alone and
never reads another module's prose. `Answer.to_dict()` is the `--json` shape (each reason's `text`
there is a plain description for machines and logs, written here from the same fields).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.reasoning.index import FAMILY_LABELS, ClaimRef
from kg.reasoning.needs import Needs


def citation_of(claim: ClaimRef) -> dict:
    """The JSON form of a cited claim: where its quote sits in its document, and in which row and
    column (or section and list) when the quote does not stand alone ("" otherwise)."""
    return {"doc": claim.doc, "quote": claim.quote, "start": claim.start, "end": claim.end, "claim": claim.id,
            "context": claim.context}


def documents_of(claims: list[ClaimRef]) -> list[str]:
    """The distinct documents the claims come from, in order."""
    return sorted({c.doc for c in claims})


def _sources(n: int) -> str:
    return f"{n} source{'s' if n != 1 else ''}"


@dataclass(frozen=True)
class Levels:
    """The levels a set of level claims give: one word when they agree, else the lowest and highest."""
    low: str
    high: str

    def phrase(self) -> str:
        return self.low if self.low == self.high else f"between {self.low} and {self.high}"


@dataclass
class UseCaseSupport:
    """The family is named for a use case the need asks for, by these claims."""
    use_case: str
    label: str
    claims: list[ClaimRef]
    kind: str = "use_case"

    @property
    def documents(self) -> list[str]:
        return documents_of(self.claims)

    def describe(self, family: str) -> str:
        return f"{family} is named for {self.label} by {_sources(len(self.documents))}"

    def fields(self) -> dict:
        return {"use_case": self.use_case}


@dataclass
class PropertyFit:
    """A property the need weighs, as the sources rate it for the family."""
    property: str
    label: str
    levels: Levels
    sources: int                     # documents that rate it (consensus over all of them)
    claims: list[ClaimRef]           # the claims cited for it
    kind: str = "property"

    def describe(self, family: str) -> str:
        return f"Its {self.label} is rated {self.levels.phrase()} ({_sources(self.sources)})"

    def fields(self) -> dict:
        return {"property": self.property}


# A decision rule is stated as one: a condition ("if", "when", "→") or a source's decision guide or "best use case"
# row. A feature bullet read as a rule ("Fine-tunable: Can be adapted to specialized tasks with minimal data.")
# scores, but is not quoted as a rule that points to a family.
_DECISION = re.compile(r"\b(if|when|whenever|unless)\b|→|\bbest (use case|choice|for)\b|\bdecision guide\b", re.I)


def is_decision_rule(claim: ClaimRef) -> bool:
    """The claim states a condition under which its source recommends the family (in its words or context)."""
    return bool(_DECISION.search(f"{claim.context} {claim.quote}"))


@dataclass
class RuleMatch:
    """A source's decision rule whose conditions this need meets."""
    action: str
    claim: ClaimRef
    conditions: dict[str, set[str]] = field(default_factory=dict)
    rule: str = ""                   # the rule's id in the graph
    kind: str = "rule"

    @property
    def claims(self) -> list[ClaimRef]:
        return [self.claim]

    @property
    def decision(self) -> bool:
        """A rule its source states as one (not a feature bullet)."""
        return is_decision_rule(self.claim)

    def describe(self, family: str) -> str:
        return f"Source {self.claim.doc[:3]} recommends {family} in this situation (action: {self.action})"

    def fields(self) -> dict:
        return {}


Reason = UseCaseSupport | PropertyFit | RuleMatch


@dataclass
class TradeOff:
    """A property on which the family does badly, by the sources' consensus."""
    property: str
    label: str
    level: str                       # the consensus level word
    levels: Levels                   # what the cited claims say
    relevant: bool                   # the need weighs this property
    claims: list[ClaimRef]

    def to_dict(self) -> dict:
        return {"property": self.label, "property_id": self.property, "level": self.level,
                "relevant": self.relevant, "citations": [citation_of(c) for c in self.claims],
                "text": f"{self.label} is rated {self.levels.phrase()}"}


@dataclass
class Conflict:
    """Sources at odds on the family's property; each side keeps its claims. kind: levels (two documents rate
    it far apart), comparison (one says better than `other`, another rates the two level or the other way
    round: the comparison, then the family's and the other's ratings) or within-document."""
    property: str
    label: str
    summary: str
    relevant: bool
    sides: list[ClaimRef]
    kind: str = "levels"
    other: str = ""

    def to_dict(self) -> dict:
        return {"property": self.label, "property_id": self.property, "summary": self.summary, "kind": self.kind,
                "relevant": self.relevant, "citations": [citation_of(c) for c in self.sides]}


@dataclass
class RuleDisagreement:
    """Two sources' decision rules that both hold for this need but recommend different families."""
    first: RuleMatch                 # the rule for the family ranked first
    other: RuleMatch                 # a rule of another document for another family
    other_family: str

    def to_dict(self) -> dict:
        return {"families": [self.first.claim.family, self.other_family],
                "citations": [citation_of(self.first.claim), citation_of(self.other.claim)]}


@dataclass
class Counterfactual:
    """One change to the needs that puts another family first (verified by re-scoring)."""
    change: str                      # "if you had a small dataset"
    family: str                      # family id that would come first
    score: float
    constraint: str = ""
    property: str = ""
    needs: Needs | None = field(default=None, repr=False)    # the needs with the change made

    def to_dict(self) -> dict:
        out = {"change": self.change, "family": FAMILY_LABELS[self.family], "id": self.family,
               "score": self.score}
        if self.constraint:
            out["constraint"] = self.constraint
        if self.property:
            out["property"] = self.property
        return out


@dataclass
class Recommendation:
    family: str                      # family id
    score: float
    components: dict[str, float]
    reasons: list[Reason]
    tradeoffs: list[TradeOff]
    conflicts: list[Conflict]

    @property
    def label(self) -> str:
        return FAMILY_LABELS[self.family]

    def reasons_of(self, kind: type) -> list:
        return [r for r in self.reasons if isinstance(r, kind)]

    def to_dict(self) -> dict:
        return {"family": self.label, "id": self.family, "score": self.score, "components": self.components,
                "reasons": [{"kind": r.kind, **r.fields(), "text": r.describe(self.label),
                             "citations": [citation_of(c) for c in r.claims]} for r in self.reasons],
                "tradeoffs": [t.to_dict() for t in self.tradeoffs],
                "conflicts": [c.to_dict() for c in self.conflicts]}


@dataclass
class Answer:
    """The answer to one question: the needs understood, the ranked families and their evidence."""
    needs: Needs
    understood: list[dict]           # the needs as labelled items (Needs.as_list)
    recommendations: list[Recommendation] = field(default_factory=list)
    changes: list[Counterfactual] = field(default_factory=list)
    rule_disagreements: list[RuleDisagreement] = field(default_factory=list)
    declined: bool = False
    decline_reason: str = ""

    @property
    def question(self) -> str:
        return self.needs.question

    @property
    def top(self) -> Recommendation | None:
        return self.recommendations[0] if self.recommendations else None

    @property
    def runner_up(self) -> Recommendation | None:
        return self.recommendations[1] if len(self.recommendations) > 1 else None

    def to_dict(self) -> dict:
        return {"question": self.question, "declined": self.declined, "decline_reason": self.decline_reason,
                "needs": self.understood, "recommendations": [r.to_dict() for r in self.recommendations],
                "runner_up": self.runner_up.label if self.runner_up else None,
                "what_would_change": [c.to_dict() for c in self.changes],
                "rule_disagreements": [d.to_dict() for d in self.rule_disagreements]}


__all__ = ["Answer", "Recommendation", "UseCaseSupport", "PropertyFit", "RuleMatch", "Reason", "TradeOff",
           "Conflict", "Counterfactual", "RuleDisagreement", "Levels", "citation_of", "documents_of",
           "is_decision_rule"]
