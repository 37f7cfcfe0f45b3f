"""The typed explanation: sentences, each with the numbered citations it rests on."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.reasoning.answer import citation_of
from kg.reasoning.index import ClaimRef
from kg.sources.corpus import Document

_QUOTE_END = re.compile(r"([.!?])”([.!?])$")


def tidy(text: str) -> str:
    """One full stop at the end: a sentence closing on a quote that ends with its own full stop keeps
    the sentence's (“… are available.”. -> “… are available”.), and a sentence without one gets one."""
    text = text.rstrip()
    if not text:
        return text
    if text[-1] not in ".!?":
        text += "."
    match = _QUOTE_END.search(text)
    if match:
        return f"{text[:match.start()]}{'' if match.group(1) == '.' else match.group(1)}”{match.group(2)}"
    return text


@dataclass
class Sentence:
    text: str
    citations: list[int]
    family: str = ""
    property: str = ""
    use_case: str = ""
    kind: str = ""
    counts: int = 0              # how many sources the sentence says agree (0: it counts none)

    def __post_init__(self) -> None:
        self.text = tidy(self.text)

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
    """Numbers cited quotes in order of first use: the same claim, or another claim with the identical quote
    (the same words at the same place in the same document), keeps its number; the item lists every claim
    it stands for under "claims" ("claim" is the first)."""

    def __init__(self, corpus: dict[str, Document]):
        self.corpus = corpus
        self.items: list[dict] = []
        self.by_claim: dict[str, int] = {}
        self.by_span: dict[tuple[str, int, int], int] = {}

    def add(self, claim: ClaimRef) -> int:
        if claim.id in self.by_claim:
            return self.by_claim[claim.id]
        span = (claim.doc, claim.start, claim.end)
        if span in self.by_span:
            n = self.by_span[span]
            self.items[n - 1]["claims"].append(claim.id)
        else:
            doc = self.corpus.get(claim.doc)
            self.items.append({"n": len(self.items) + 1, **citation_of(claim), "claims": [claim.id],
                               "title": doc.title if doc else "", "url": doc.url if doc else ""})
            n = self.by_span[span] = len(self.items)
        self.by_claim[claim.id] = n
        return n

    def marks(self, claims: list[ClaimRef]) -> list[int]:
        return list(dict.fromkeys(self.add(c) for c in claims))


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
