"""Evaluation on a question set (format of shared/eval/dev.yaml): product vs an embedding baseline."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import kg
from explain import explain
from explain.check import check_explanation
from kg.errors import WhichModelError
from kg.reasoning.index import FAMILY_LABELS
from kg.sources.corpus import short_id
from kg.sources.yamlsafe import LineDict, load_yaml

DECLINE_BASELINE = 0.25     # the baseline declines when no family is this similar to the question


@dataclass
class Case:
    question: str
    top1: list[str] = field(default_factory=list)
    top3: list[str] = field(default_factory=list)
    cite: list[str] = field(default_factory=list)
    none: bool = False
    line: int = 0


@dataclass
class Scores:
    top1: list[bool] = field(default_factory=list)
    top3: list[bool] = field(default_factory=list)
    cite: list[bool] = field(default_factory=list)
    declines: list[bool] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def rate(self, name: str) -> float | None:
        values = getattr(self, name)
        return sum(values) / len(values) if values else None


def load_cases(path: Path) -> list[Case]:
    data = load_yaml(path, WhichModelError)
    cases = data.get("cases") if isinstance(data, LineDict) else None
    if not isinstance(cases, list):
        raise WhichModelError("expected a mapping with a 'cases' list", file=str(path), line=1)
    out = []
    for raw in cases:
        if not isinstance(raw, LineDict) or not isinstance(raw.get("q"), str):
            raise WhichModelError("each case needs a question under 'q'", file=str(path),
                                  line=getattr(raw, "line", None))
        unknown = [f for f in raw.get("top1", []) + raw.get("top3", []) if f not in FAMILY_LABELS.values()]
        if unknown:
            raise WhichModelError(f"unknown family {unknown[0]!r}", file=str(path), line=raw.line)
        out.append(Case(raw["q"], list(raw.get("top1", [])), list(raw.get("top3", [])),
                        [str(c) for c in raw.get("cite", [])], bool(raw.get("none")), raw.line))
    return out


def score_answer(case: Case, families: list[str], cited_docs: set[str], declined: bool, scores: Scores) -> None:
    if case.none:
        scores.declines.append(declined)
        if not declined:
            scores.failures.append(f"line {case.line}: should decline: {case.question}")
        return
    scores.declines.append(not declined)
    hit = bool(families) and families[0] in case.top1
    scores.top1.append(hit)
    if not hit:
        scores.failures.append(f"line {case.line}: got {families[:3] or 'a decline'}, "
                               f"want {case.top1}: {case.question}")
    if case.top3:
        scores.top3.append(set(case.top3) <= set(families[:3]))
    if case.cite:
        scores.cite.append(any(short_id(d) in case.cite for d in cited_docs))


def evaluate(path: Path, kb=None, explain_answers: bool = True) -> dict:
    """Scores of the product and of the embedding-only baseline, plus explanation faithfulness."""
    kb = kb or kg.current()
    cases = load_cases(path)
    product, baseline = Scores(), Scores()
    faithfulness = []
    for case in cases:
        answer = kb.recommend(case.question, alternatives=False)
        recs = answer.recommendations
        docs = {c.doc for r in recs[:1] for reason in r.reasons for c in reason.claims}
        score_answer(case, [r.label for r in recs], docs, answer.declined, product)
        sims = kb.matcher.family_similarity(case.question)
        ranked = sorted(sims, key=lambda f: -sims[f])
        declined = sims[ranked[0]] < DECLINE_BASELINE
        score_answer(case, [FAMILY_LABELS[f] for f in ranked], set(), declined, baseline)
        if explain_answers:
            faithfulness.append(check_explanation(explain(answer, kb), kb.index, kb.corpus))
    return {"cases": len(cases), "product": product, "baseline": baseline,
            "faithfulness": merge_faithfulness(faithfulness)}


def merge_faithfulness(parts: list[dict]) -> dict:
    parts = [p for p in parts if p]
    if not parts:
        return {}
    keys = ("sentences", "cited_sentences", "citations", "valid_citations", "precise_citations",
            "counting_sentences", "count_mismatches", "shown_quotes", "short_quotes")
    total = {k: sum(p.get(k, 0) for p in parts) for k in keys}
    return {
        "coverage": total["cited_sentences"] / total["sentences"] if total["sentences"] else None,
        "validity": total["valid_citations"] / total["citations"] if total["citations"] else None,
        "precision": total["precise_citations"] / total["citations"] if total["citations"] else None,
        "short_quotes_share": total["short_quotes"] / total["shown_quotes"] if total["shown_quotes"] else None,
        **total,
    }
