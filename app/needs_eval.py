"""Evaluation on the need corpus (ontology/needs/*.yaml, tests/data/needs-test.yaml): per split and per
slice, top-1, top-3, declines, constraint and priority F1, and a family confusion table, beside an
embedding-only baseline (rank families by the question's similarity with each family's texts)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from app.evaluate import merge_faithfulness
from explain import explain
from explain.check import check_explanation
from kg.reasoning.conversation import intent_after
from kg.reasoning.index import FAMILY_LABELS
from kg.reasoning.parser import Example, load_examples
from kg.reasoning.training import example_text, f1

DECLINE_BASELINE = 0.25


@dataclass
class Tally:
    """Hits per metric, overall and per slice; predicted and gold label sets for F1; confusion counts."""
    hits: dict[str, dict[str, list[bool]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    sets: dict[str, tuple[list[set], list[set]]] = field(default_factory=lambda: defaultdict(lambda: ([], [])))
    confusion: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    faithfulness: list[dict] = field(default_factory=list)

    def add(self, metric: str, slice_: str, ok: bool) -> None:
        self.hits[metric]["all"].append(ok)
        self.hits[metric][slice_].append(ok)

    def rate(self, metric: str, slice_: str = "all") -> float | None:
        values = self.hits.get(metric, {}).get(slice_, [])
        return sum(values) / len(values) if values else None

    def f1(self, group: str) -> float | None:
        predicted, gold = self.sets.get(group, ([], []))
        return f1(predicted, gold) if gold else None

    def slices(self) -> list[str]:
        return sorted({s for m in self.hits.values() for s in m if s != "all"})


def _slice(example: Example) -> str:
    return example.slice.split("/")[0] or "other"


def _score(tally: Tally, example: Example, families: list[str], declined: bool) -> None:
    sl = _slice(example)
    if example.labels["decline"]:
        tally.add("declines", sl, declined)
        if not declined:
            tally.misses.append(f"{example.id}: answered {families[:1]}, want a decline: {example.question}")
        return
    tally.add("answered", sl, not declined)
    hit = bool(families) and families[0] in example.top1
    tally.add("top1", sl, hit)
    if example.top3:
        tally.add("top3", sl, set(example.top3) <= set(families[:3]))
    tally.confusion[(example.top1[0], families[0] if families else "declined")] += 1
    if not hit:
        tally.misses.append(f"{example.id}: got {families[:3] or 'a decline'}, want {example.top1}: "
                            f"{example.question}")


def _answer(kb, example: Example):
    """The answer as the chat gives it: a follow-up is read against the answer to the question before it."""
    if example.context:
        previous = kb.recommend(example.context, alternatives=False)
        if intent_after(example.question, previous, kb.index).keeps_answer:
            return previous               # the chat answers about the answer ("compare them") and keeps it
        answer = kb.follow_up(previous, example.question, alternatives=False)
        if answer is not None:
            return answer
    return kb.recommend(example.question, alternatives=False)


def evaluate_needs(path: Path, kb) -> dict:
    """{"product": Tally, "baseline": Tally, "count": n} for one need file."""
    product, baseline = Tally(), Tally()
    examples = load_examples(path)
    for example in examples:
        text = example_text(example)
        answer = _answer(kb, example)
        _score(product, example, [r.label for r in answer.recommendations], answer.declined)
        if not answer.declined:
            product.faithfulness.append(check_explanation(explain(answer, kb), kb.index, kb.corpus))
        if not answer.declined and not example.labels["decline"]:
            for group, got in (("constraints", answer.needs.constraints), ("priorities", set(answer.needs.priorities))):
                product.sets[group][0].append(set(got))
                product.sets[group][1].append(set(example.labels[group]))
        sims = kb.matcher.family_similarity(text)
        ranked = sorted(sims, key=lambda f: -sims[f])
        _score(baseline, example, [FAMILY_LABELS[f] for f in ranked], sims[ranked[0]] < DECLINE_BASELINE)
    return {"count": len(examples), "product": product, "baseline": baseline}


def _pct(value) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def report_lines(name: str, result: dict, *, verbose: bool = False) -> list[str]:
    """The figures of one need file as text lines: totals beside the baseline, then per slice."""
    product, baseline = result["product"], result["baseline"]
    lines = [f"{result['count']} needs from {name}", f"{'':26}{'whichmodel':>12}{'baseline':>12}"]
    for metric, label in (("top1", "top-1 accuracy"), ("top3", "top-3 recall"), ("declines", "declines declined"),
                          ("answered", "generative needs answered")):
        lines.append(f"{label:26}{_pct(product.rate(metric)):>12}{_pct(baseline.rate(metric)):>12}")
    for group in ("constraints", "priorities"):
        lines.append(f"{group + ' F1':26}{_pct(product.f1(group)):>12}")
    faith = merge_faithfulness(product.faithfulness)
    if faith:
        lines.append(f"{'explanations':26}{faith['sentences']} sentences, {_pct(faith['coverage']).strip()} cited, "
                     f"{faith['count_mismatches']} of {faith['counting_sentences']} source counts wrong, "
                     f"{_pct(faith['short_quotes_share']).strip()} of {faith['shown_quotes']} quotes short "
                     "without context")
    lines.append("per slice: " + "; ".join(
        f"{s} top-1 {_pct(product.rate('top1', s)).strip()}, declines {_pct(product.rate('declines', s)).strip()}"
        for s in product.slices()))
    if verbose:
        lines.append("confusion (wanted -> got, count): " + ", ".join(
            f"{a}->{b} {n}" for (a, b), n in sorted(product.confusion.items(), key=lambda kv: -kv[1]) if a != b))
        lines += [f"  miss {m}" for m in product.misses]
    return lines


__all__ = ["evaluate_needs", "report_lines", "Tally"]
