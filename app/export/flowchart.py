"""A decision flowchart grown from the sources' decision rules, in pages that fit a slide.

Questions are asked in a fixed order (pre-trained model, compute, data, latency, task, modality,
priority, what does not matter). At each question the rules still in play branch by the answer
their conditions give; rules that do not care go down an "other / not stated" branch. Only branches
that end in a source's rule are drawn (where no rule decides, the matrix view compares the families),
and every branch carries the ids of the sources behind it. A subtree with more than PAGE_LEAVES
outcomes is cut off onto a page of its own, with a "continued on page N" box where it was.
"""
from __future__ import annotations

from app.export.context import shorten, sources, wrap
from app.export.model import add_edge, add_iris, add_node, new_diagram
from kg.errors import ExportError

QUESTION_TEXT = {"pretrained": "Is a pre-trained\nmodel available?", "compute": "What compute\nbudget do you have?",
                 "data": "How much training\ndata do you have?", "latency": "Is latency critical?",
                 "use_cases": "What is the task?", "modalities": "What kind of data?",
                 "priorities": "What matters most?", "indifferent": "What does not matter?"}
ACTIONS = {"use": "Use {}", "train": "Train a {} model", "fine-tune": "Fine-tune a {} model"}
ANY = "other / not stated"
PAGE_LEAVES = 7        # outcomes on one page, at most (unless one question alone has more answers)


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
        self.count = 0

    def _next(self, rules, start: int) -> int | None:
        return next((j for j in range(start, len(self.questions))
                     if any(_answer(r, self.questions[j]) for r in rules)), None)

    def grow(self, parent: str, label: str, rules: list, start: int) -> None:
        j = self._next(rules, start)
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
            self._cites(node, *(self._resource(self.questions[j], value) for value in answer))
            text = wrap(_answer_label(self.index, self.questions[j], answer), 20) if answer else ANY
            self.grow(node, text, members, j + 1)

    def _cites(self, node: str, *resources: str) -> None:
        """Resources a node of the tree draws beyond its own (a question's answers, an outcome's family),
        kept by node so that each page's RDF export carries only what is drawn on it."""
        self.graph.graph.setdefault("iris_by_node", {}).setdefault(node, set()).update(resources)

    def _resource(self, question, value: str) -> str:
        prefix = {"constraints": "con", "use_cases": "uc", "modalities": "mod"}.get(question[1], "prop")
        return f"{prefix}:{value}"

    def _outcome(self, parent: str, label: str, rule) -> None:
        family = self.index.families[rule.family].label
        text = ACTIONS.get(rule.action, "{} (" + rule.action + ")").format(family)
        quote = wrap(f"“{shorten(rule.claim.quote.strip(' -•*'), 64)}”", 26)
        node = add_node(self.graph, f"outcome:{rule.id}", "outcome", f"{text}\n{quote}",
                        claims=[rule.claim], resource=f"rule:{rule.id}")
        self._cites(node, f"fam:{rule.family}")
        add_edge(self.graph, parent, node, "branch", claims=[rule.claim], label=label)


def full_tree(ctx):
    """The whole decision tree (every rule's outcome) as one diagram model."""
    rules = sorted(ctx.index.rules, key=lambda r: r.id)
    graph = new_diagram("", "")
    graph.graph["id_break"] = "yes"
    add_node(graph, "start", "start", "Start:\nwhat do you need?")
    _Grower(ctx, graph).grow("start", "", rules, 0)
    return graph


def page_roots(tree) -> list[str]:
    """The node each page starts from: "start", then every question cut off onto its own page (in
    reading order). Cut from the bottom up: while a question's subtree has more than PAGE_LEAVES
    outcomes (a cut subtree counting one), its largest child question is cut, unless cutting all of
    them would still leave too many: a question with many answers keeps them on its page, and only
    the answers that lead on to two or more further questions are cut."""
    cut: set[str] = set()

    def leaves(node: str) -> int:
        children = list(tree.successors(node))
        if not children:
            return 1
        return sum(1 if c in cut else leaves(c) for c in children)

    def height(node: str) -> int:
        return 1 + max((height(c) for c in tree.successors(node) if c not in cut), default=0)

    def visit(node: str) -> None:
        children = sorted(tree.successors(node))
        for child in children:
            visit(child)
        if len(children) > PAGE_LEAVES:        # many answers: keep the short ones, cut the deep ones
            cut.update(c for c in children if height(c) > 2)
            return
        while leaves(node) > PAGE_LEAVES:
            open_ = [c for c in children if c not in cut and tree.out_degree(c)]
            if not open_:
                break
            cut.add(max(open_, key=lambda c: (leaves(c), c)))
    visit("start")
    order = [n for n in _preorder(tree, "start") if n in cut]
    return ["start"] + order


def _preorder(tree, node: str) -> list[str]:
    out = [node]
    for child in sorted(tree.successors(node)):
        out += _preorder(tree, child)
    return out


def _page_nodes(tree, root: str, roots: set[str]) -> list[str]:
    """The nodes of the page starting at root: its subtree, stopping at the next pages' roots."""
    out, todo = [], [root]
    while todo:
        node = todo.pop()
        out.append(node)
        todo += [c for c in tree.successors(node) if c not in roots]
    return sorted(out)


def _copy_edge(page, tree, source: str, target: str, new_target: str | None = None) -> None:
    for key, attrs in tree[source][target].items():
        page.add_edge(source, new_target or target, key=key, **attrs)


def _continued(page, tree, node: str, number: int) -> None:
    """A box where a subtree was cut off, naming the page it continues on."""
    parent = next(iter(tree.predecessors(node)))
    question = tree.nodes[node]["label"].replace("\n", " ")
    add_node(page, f"page:{number}", "continued", f"continued on page {number}:\n{wrap(question, 22)}")
    _copy_edge(page, tree, parent, node, f"page:{number}")


def flowchart_view(ctx, page=None):
    """One page of the decision flowchart as a diagram model (page 1 when page is None)."""
    tree = full_tree(ctx)
    roots = page_roots(tree)
    number = _page_number(page, len(roots))
    root = roots[number - 1]
    docs = sources([r.claim for r in ctx.index.rules])
    more = f"; pages 1–{len(roots)}: whichmodel export flowchart N" if len(roots) > 1 else ""
    graph = new_diagram("whichmodel: which model family? A decision flowchart from the sources"
                        + (f" (page {number} of {len(roots)})" if len(roots) > 1 else ""),
                        f"{len(ctx.index.rules)} decision rules from sources {', '.join(docs)}; branch labels end "
                        f"with source ids; where no rule decides, compare families in the matrix view{more}")
    nodes = _page_nodes(tree, root, set(roots))
    direction = _direction(tree, root, nodes, set(roots))
    graph.graph.update(rankdir=direction, ranksep="0.35" if direction == "TB" else "0.2",
                       nodesep="0.15" if direction == "TB" else "0.3")
    add_iris(graph, *sorted({r for n in nodes for r in tree.graph.get("iris_by_node", {}).get(n, ())}))
    for node in nodes:
        graph.add_node(node, **tree.nodes[node])
    for node in nodes:
        for child in tree.successors(node):
            if child in roots:
                _continued(graph, tree, child, roots.index(child) + 1)
            else:
                _copy_edge(graph, tree, node, child)
    if root != "start":
        _from_page(graph, tree, root, roots)
    return graph


def _direction(tree, root: str, nodes: list[str], roots: set[str]) -> str:
    """Top to bottom, or left to right when that draws the page larger on a 16:9 slide (many outcomes,
    few questions deep): outcome boxes are about 230 x 75 points, a question level 130 (TB) or 380 (LR)."""
    leaves = sum(1 for n in nodes if not tree.out_degree(n)) + sum(
        1 for n in nodes for c in tree.successors(n) if c in roots)
    depth, level = 1, [root]
    while level:
        level = [c for n in level for c in tree.successors(n) if c not in roots]
        depth += bool(level)
    depth += root != "start"              # the "from page" box
    top_down = min(1920 / (leaves * 230), 1080 / (depth * 130 + 150))
    across = min(1920 / (depth * 380), 1080 / (leaves * 75 + 150))
    return "TB" if top_down >= across else "LR"


def _from_page(graph, tree, root: str, roots: list[str]) -> None:
    """The box a continued page starts from: the page and question it comes from, and the answer given."""
    parent = next(iter(tree.predecessors(root)))
    home = next(r for r in roots if parent in _page_nodes(tree, r, set(roots)))
    question = tree.nodes[parent]["label"].replace("\n", " ")
    add_node(graph, "from", "start", f"from page {roots.index(home) + 1}:\n{wrap(question, 22)}")
    for key, attrs in tree[parent][root].items():
        graph.add_edge("from", root, key=key, **attrs)


def _page_number(page, count: int) -> int:
    text = str(page).strip() if page is not None else "1"
    if not text.isdigit() or not 1 <= int(text) <= count:
        raise ExportError(f"the flowchart has pages 1 to {count}; got {page!r}")
    return int(text)
