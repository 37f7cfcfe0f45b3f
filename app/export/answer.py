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
                        "and offsets; only the trade-offs and disagreements the answer states")
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


def shown_tradeoffs(rec: Recommendation) -> list:
    """The trade-offs the answer's explanation states: two when the first bears on the need, else one."""
    return rec.tradeoffs[:2 if rec.tradeoffs and rec.tradeoffs[0].relevant else 1]


def shown_conflicts(rec: Recommendation) -> list[Conflict]:
    """The disagreement the answer mentions: one that bears on the need or on a trade-off it states."""
    stated = {t.property for t in shown_tradeoffs(rec)}
    return [c for c in rec.conflicts if c.relevant or c.property in stated][:1]


def _evidence_node(graph, node: str, heading: str, claims: list[ClaimRef], cluster: str) -> str:
    """One node per reason or trade-off: what it says, its first quote and where that is, the other sources."""
    first = claims[0]
    others = sorted({doc_id(c.doc) for c in claims} - {doc_id(first.doc)})
    more = f" (+{len(claims) - 1} more: {' '.join(others) or doc_id(first.doc)})" if len(claims) > 1 else ""
    quote = "“" + shorten(first.quote.strip(" -•*"), 60) + "”"
    text = f"{wrap(heading, 40)}\n{wrap(quote, 40)}"
    add_node(graph, node, "claim", f"{text}\n{doc_id(first.doc)} @{first.start}–{first.end}{more}",
             claims=claims, cluster=cluster)
    return node


def _family(graph, kb, rec: Recommendation, rank: int) -> None:
    """The family, one node per reason and per trade-off the answer states, and the disagreement it mentions."""
    fam, cluster = f"fam:{rec.family}", f"evidence for {rank}. {rec.label}"
    add_node(graph, fam, "family", f"{rank}. {rec.label}", resource=fam, cluster=cluster)
    for number, reason in enumerate(rec.reasons):
        node = _evidence_node(graph, f"reason:{rec.family}:{number}", _reason_word(reason), reason.claims, cluster)
        add_edge(graph, node, fam, "supports", claims=reason.claims)
        for need in _needs_for(graph, reason):
            add_edge(graph, need, node, "matches")
    for trade in shown_tradeoffs(rec):
        node = _evidence_node(graph, f"tradeoff:{rec.family}:{trade.property}",
                              f"trade-off: {trade.label} {trade.level}", trade.claims, cluster)
        add_edge(graph, node, fam, "tradeoff", claims=trade.claims)
    for conflict in shown_conflicts(rec):
        _conflict_node(graph, kb, rec, conflict, cluster)


def _conflict_node(graph, kb, rec: Recommendation, conflict: Conflict, cluster: str) -> None:
    """One node per disagreement: what it is about, and each source with the level it gives."""
    node = f"conflict:{rec.family}-{conflict.property}"
    sides = list(dict.fromkeys(f"{c.doc[:3]} says {kb.index.levels[c.rank]}" for c in conflict.sides))
    what = f"{conflict.label} of {rec.label}"
    add_node(graph, node, "conflict", f"{CONFLICT_MARK} sources disagree on\n{wrap(what, 30)}:\n"
             f"{wrap('; '.join(sides), 30)}", claims=conflict.sides, resource=node, cluster=cluster, conflict=True)
    add_edge(graph, node, f"fam:{rec.family}", "disputes", claims=conflict.sides)


def _reason_word(reason) -> str:
    if isinstance(reason, RuleMatch):
        return "a source's decision rule"
    if isinstance(reason, UseCaseSupport):
        return f"suited for {reason.label}"
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
