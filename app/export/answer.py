"""The evidence behind one recommendation: question -> needs understood -> claims used -> families compared."""
from __future__ import annotations

from app.export.context import doc_id, shorten, wrap
from app.export.model import add_edge, add_iris, add_node, new_diagram
from app.export.style import CONFLICT_MARK
from kg.errors import ExportError
from kg.reasoning.answer import (
    Answer,
    Conflict,
    PropertyFit,
    Recommendation,
    RuleMatch,
    UseCaseSupport,
)
from kg.reasoning.index import ClaimRef
from kg.reasoning.scoring import CONSTRAINT_WEIGHTS

NEED_WORDS = {"use_case": ("use case", "uc"), "modality": ("modality", "mod"),
              "priority": ("priority", "prop"), "indifferent": ("not a concern", "prop"),
              "constraint": ("constraint", "con"), "avoid": ("avoid", "fam")}


def answer_view(kb, question):
    """The diagram model of an Answer (or of the answer whichmodel gives to a question)."""
    answer = question if isinstance(question, Answer) else kb.recommend(question, alternatives=False)
    if answer.declined or not answer.recommendations:
        raise ExportError(f"no answer to draw: the question was declined ({answer.decline_reason})")
    graph = new_diagram("whichmodel: the evidence behind an answer",
                        f"“{shorten(answer.question, 110)}” → {answer.top.label}; claims show their source id "
                        "and offsets")
    add_node(graph, "question", "question", wrap(answer.question, 36))
    for need in answer.understood:
        _need_node(graph, need)
    for rank, rec in enumerate(answer.recommendations, start=1):
        _family(graph, kb, rec, rank)
    return graph


def _need_node(graph, need: dict) -> str:
    word, prefix = NEED_WORDS.get(need["kind"], (need["kind"], ""))
    node = f"need:{need['kind']}:{need['id']}"
    resource = f"{prefix}:{need['id']}" if prefix else ""
    add_node(graph, node, "need", f"{word}:\n{wrap(need['label'], 26)}", resource=resource,
             cluster="needs understood")
    add_edge(graph, "question", node, "asks")
    return node


def _claim_node(graph, claim: ClaimRef, cluster: str) -> str:
    """One node per quoted passage (two claims quoting the same words share it)."""
    where = f"{doc_id(claim.doc)} @{claim.start}–{claim.end}"
    node = f"quote:{doc_id(claim.doc)}@{claim.start}-{claim.end}"
    text = f"“{shorten(claim.quote, 80)}”"
    add_node(graph, node, "claim", f"{wrap(text, 32)}\n{where}", claims=[claim], cluster=cluster)
    return node


def _family(graph, kb, rec: Recommendation, rank: int) -> None:
    """The family, the claims behind its reasons and trade-offs, and the disagreements about it."""
    fam, cluster = f"fam:{rec.family}", f"evidence for {rank}. {rec.label}"
    add_node(graph, fam, "family", f"{rank}. {rec.label}\nscore {rec.score:.3f}", resource=fam, cluster=cluster)
    for reason in rec.reasons:
        for claim in reason.claims:
            node = _claim_node(graph, claim, cluster)
            add_edge(graph, node, fam, "supports", claims=[claim], label=_reason_word(reason), show_sources=False)
            for need in _needs_for(graph, reason):
                add_edge(graph, need, node, "matches")
    for trade in rec.tradeoffs:
        for claim in trade.claims:
            node = _claim_node(graph, claim, cluster)
            add_edge(graph, node, fam, "tradeoff", claims=[claim], show_sources=False,
                     label=f"trade-off: {trade.label} {trade.level}")
    for conflict in rec.conflicts:
        _conflict_node(graph, kb, rec, conflict, cluster)


def _conflict_node(graph, kb, rec: Recommendation, conflict: Conflict, cluster: str) -> None:
    """One node per disagreement: what it is about, and each source with the level it gives."""
    node = f"conflict:{rec.family}-{conflict.property}" + ("" if conflict.kind == "levels" else f"-{conflict.kind}")
    sides = list(dict.fromkeys(f"{c.doc[:3]} says {kb.index.levels[c.rank]}" if c.rank else
                               f"{c.doc[:3]} says {c.value} than {c.obj or 'the other'}" for c in conflict.sides))
    what = f"{conflict.label} of {rec.label}"
    add_node(graph, node, "conflict", f"{CONFLICT_MARK} sources disagree on\n{wrap(what, 34)}:\n"
             f"{wrap('; '.join(sides), 34)}", claims=conflict.sides, resource=node, cluster=cluster, conflict=True)
    add_edge(graph, node, f"fam:{rec.family}", "disputes", claims=conflict.sides)


def _reason_word(reason) -> str:
    if isinstance(reason, RuleMatch):
        return "decision rule"
    if isinstance(reason, UseCaseSupport):
        return "suited for"
    return f"{reason.label} is rated {reason.levels.phrase()}"


def _needs_for(graph, reason) -> list[str]:
    """The need nodes a reason answers: its use case, its property (or the constraint implying it),
    or every need a decision rule's conditions name."""
    needs = [n for n in graph.nodes if n.startswith("need:")]
    ids = {n: n.split(":", 2)[2] for n in needs}
    if isinstance(reason, UseCaseSupport):
        wanted = {reason.use_case}
    elif isinstance(reason, PropertyFit):
        prop = reason.property
        wanted = {prop} | {c for c, pairs in CONSTRAINT_WEIGHTS.items() if prop in {p for p, _ in pairs}}
    else:
        wanted = set().union(*reason.conditions.values()) if reason.conditions else set()
        add_iris(graph, f"rule:{reason.rule}")
    return sorted(n for n in needs if ids[n] in wanted)
