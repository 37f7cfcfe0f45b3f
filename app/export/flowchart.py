"""A decision flowchart grown from the sources' decision rules, with property levels where no rule decides.

Questions are asked in a fixed order (pre-trained model, compute, data, latency, task, modality,
priority, what does not matter). At each question the rules still in play branch by the answer
their conditions give; rules that do not care go down an "other / not stated" branch. On the path
where nothing was stated, a last question picks by the property you care most about, using the
families' consensus levels. Every branch carries the ids of the sources behind it.
"""
from __future__ import annotations

from app.export.context import level_word, shorten, sources, wrap
from app.export.model import add_edge, add_iris, add_node, new_diagram

QUESTION_TEXT = {"pretrained": "Is a pre-trained\nmodel available?", "compute": "What compute\nbudget do you have?",
                 "data": "How much training\ndata do you have?", "latency": "Is latency critical?",
                 "use_cases": "What is the task?", "modalities": "What kind of data?",
                 "priorities": "What matters most?", "indifferent": "What does not matter?"}
ACTIONS = {"use": "Use {}", "train": "Train a {} model", "fine-tune": "Fine-tune a {} model"}
ANY = "other / not stated"
PICK_MIN = 4   # a pick needs a consensus at least "high" (or "low" where lower is better)


def _questions(index) -> list[tuple[str, str]]:
    """(question key, condition kind) in asking order; constraints are grouped by their id prefix."""
    groups = sorted({c.split("-")[0] for c in index.constraints},
                    key=lambda g: (list(QUESTION_TEXT).index(g) if g in QUESTION_TEXT else 99, g))
    return [(g, "constraints") for g in groups] + [(k, k) for k in
                                                    ("use_cases", "modalities", "priorities", "indifferent")]


def _answer(rule, question: tuple[str, str]) -> frozenset:
    key, kind = question
    values = rule.conditions.get(kind, set())
    if kind == "constraints":
        values = {v for v in values if v.split("-")[0] == key}
    return frozenset(values)


def _answer_label(index, question: tuple[str, str], answer: frozenset) -> str:
    _key, kind = question
    table = {"constraints": index.constraints, "use_cases": index.use_cases, "modalities": index.modalities,
             "priorities": index.properties, "indifferent": index.properties}[kind]
    joiner = " and " if kind in ("priorities", "indifferent", "constraints") else " or "
    return joiner.join(table[v].label for v in sorted(answer))


class _Grower:
    def __init__(self, ctx, graph):
        self.ctx, self.index, self.graph = ctx, ctx.index, graph
        self.questions = _questions(ctx.index)
        self.priority_at = [q[0] for q in self.questions].index("priorities")
        self.count = 0
        self.picked = False

    def _next(self, rules, start: int) -> int | None:
        return next((j for j in range(start, len(self.questions))
                     if any(_answer(r, self.questions[j]) for r in rules)), None)

    def grow(self, parent: str, label: str, rules: list, start: int, all_any: bool) -> None:
        j = self._next(rules, start)
        if all_any and not self.picked and (j is None or j > self.priority_at):
            j = self.priority_at
        if j is None:
            for rule in rules:
                self._outcome(parent, label, rule)
            return
        self.count += 1
        node = add_node(self.graph, f"q{self.count:02d}", "decision", QUESTION_TEXT[self.questions[j][0]])
        add_edge(self.graph, parent, node, "branch", claims=[r.claim for r in rules], label=label)
        groups: dict[frozenset, list] = {}
        for rule in rules:
            groups.setdefault(_answer(rule, self.questions[j]), []).append(rule)
        for answer, members in sorted(groups.items(), key=lambda kv: (not kv[0], sorted(kv[0]))):
            for value in answer:
                add_iris(self.graph, self._resource(self.questions[j], value))
            text = wrap(_answer_label(self.index, self.questions[j], answer), 26) if answer else ANY
            self.grow(node, text, members, j + 1, all_any and not answer)
        if all_any and j == self.priority_at and not self.picked:
            self.picked = True
            self._picks(node, {next(iter(a)) for a in groups if len(a) == 1})

    def _resource(self, question, value: str) -> str:
        prefix = {"constraints": "con", "use_cases": "uc", "modalities": "mod"}.get(question[1], "prop")
        return f"{prefix}:{value}"

    def _outcome(self, parent: str, label: str, rule) -> None:
        family = self.index.families[rule.family].label
        text = ACTIONS.get(rule.action, "{} (" + rule.action + ")").format(family)
        quote = wrap(f"“{shorten(rule.claim.quote, 60)}”", 30)
        node = add_node(self.graph, f"outcome:{rule.id}", "outcome", f"{text}\n{quote}",
                        claims=[rule.claim], resource=f"rule:{rule.id}")
        add_iris(self.graph, f"fam:{rule.family}")
        add_edge(self.graph, parent, node, "branch", claims=[rule.claim], label=label)

    def _picks(self, decision: str, covered: set[str]) -> None:
        for prop, concept in self.index.properties.items():
            if prop in covered:
                continue
            best = best_families(self.index, prop)
            if not best:
                continue
            claims = [c for fid, _, _ in best for c in self.index.level_claims[fid][prop]]
            names = " or ".join(self.index.families[fid].label for fid, _, _ in best)
            _, rank, count = best[0]
            wanted = concept.label if concept.higher_is_better else f"low {concept.label}"
            node = add_node(self.graph, f"pick:{prop}", "pick",
                            f"Consider {names}\n{wrap(concept.label, 26)} rated\n{level_word(self.index, rank)} "
                            f"({count} source{'s' * (count > 1)})", claims=claims)
            add_iris(self.graph, f"prop:{prop}", *(f"fam:{fid}" for fid, _, _ in best))
            add_edge(self.graph, decision, node, "branch", claims=claims, label=wrap(wanted, 24))


def best_families(index, prop: str) -> list[tuple[str, float, int]]:
    """The families rated best on a property by consensus (ties kept), if at least high."""
    scored = []
    for fid in index.families:
        consensus = index.consensus(fid, prop)
        if consensus:
            rank, count = consensus
            good = rank if index.properties[prop].higher_is_better else 6 - rank
            scored.append((round(good, 6), count, fid, rank))
    if not scored:
        return []
    top = max((g, n) for g, n, _, _ in scored)
    if top[0] < PICK_MIN:
        return []
    return [(fid, rank, n) for g, n, fid, rank in sorted(scored, key=lambda s: s[2]) if (g, n) == top]


def flowchart_view(ctx, page=None):
    """The decision flowchart as a diagram model."""
    index = ctx.index
    rules = sorted(index.rules, key=lambda r: r.id)
    docs = sources([r.claim for r in rules])
    graph = new_diagram("whichmodel: which model family? A decision flowchart from the sources",
                        f"{len(rules)} decision rules from sources {', '.join(docs)}; dashed boxes pick by "
                        "property levels (consensus); branch labels end with source ids")
    add_node(graph, "start", "start", "Start:\nwhat do you need?")
    _Grower(ctx, graph).grow("start", "", rules, 0, True)
    return graph
