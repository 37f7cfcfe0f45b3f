"""The typed explanation: sentences, each with the numbered citations it rests on."""
from __future__ import annotations

from dataclasses import dataclass, field

from kg.reasoning.answer import citation_of
from kg.reasoning.index import ClaimRef
from kg.sources.corpus import Document


@dataclass
class Sentence:
    text: str
    citations: list[int]
    family: str = ""
    property: str = ""
    use_case: str = ""
    kind: str = ""
    counts: int = 0              # how many sources the sentence says agree (0: it counts none)

    def to_dict(self) -> dict:
        return {"text": self.text, "citations": self.citations, "family": self.family, "property": self.property,
                "use_case": self.use_case, "kind": self.kind, "counts": self.counts}

    def with_markers(self) -> str:
        """The sentence with its citation markers before its final punctuation."""
        markers = "".join(f"[{n}]" for n in self.citations)
        if self.text and self.text[-1] in ".!?":
            return f"{self.text[:-1]} {markers}{self.text[-1]}"
        return f"{self.text} {markers}"


class Citations:
    """Numbers cited claims in order of first use; the same claim keeps its number."""

    def __init__(self, corpus: dict[str, Document]):
        self.corpus = corpus
        self.items: list[dict] = []
        self.by_claim: dict[str, int] = {}

    def add(self, claim: ClaimRef) -> int:
        if claim.id not in self.by_claim:
            doc = self.corpus.get(claim.doc)
            self.items.append({"n": len(self.items) + 1, **citation_of(claim),
                               "title": doc.title if doc else "", "url": doc.url if doc else ""})
            self.by_claim[claim.id] = len(self.items)
        return self.by_claim[claim.id]

    def marks(self, claims: list[ClaimRef]) -> list[int]:
        return [self.add(c) for c in claims]


@dataclass
class Explanation:
    sentences: list[Sentence]
    citations: list[dict]
    backend: str = "grounded"
    note: str = ""
    text: str = field(default="")

    def __post_init__(self) -> None:
        if not self.text:
            self.text = " ".join(s.with_markers() for s in self.sentences)

    def to_dict(self) -> dict:
        return {"text": self.text, "sentences": [s.to_dict() for s in self.sentences],
                "citations": self.citations, "backend": self.backend, "note": self.note}


__all__ = ["Sentence", "Citations", "Explanation"]
