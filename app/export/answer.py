"""The evidence behind one recommendation: question -> needs understood -> claims used -> families compared."""
from __future__ import annotations

from types import SimpleNamespace

from app.export.context import doc_id, shorten, wrap
from app.export.model import add_edge, add_iris, add_node, new_diagram
from app.export.spec import ExportError
from app.export.style import CONFLICT_MARK

NEED_WORDS = {"use_case": ("use case", "uc"), "modality": ("modality", "mod"),
              "priority": ("priority", "prop"), "indifferent": ("not a concern", "prop"),
              "constraint": ("constraint", "con"), "avoid": ("avoid", "fam")}


def answer_view(ctx, question: str):
    """The diagram model of the answer whichmodel gives to the question."""
    from kg.recommend import default_engine, recommend

    engine = ctx.engine or default_engine()
    answer = recommend(question, engine=engine, alternatives=False)
    if answer["declined"] or not answer["recommendations"]:
        raise ExportError(f"no answer to draw: the question was declined ({answer['decline_reason']})")
    top = answer["recommendations"][0]["family"]
    graph = new_diagram("whichmodel: the evidence behind an answer",
                        f"“{shorten(answer['question'], 110)}” → {top}; claims show their source id and offsets")
    add_node(graph, "question", "question", wrap(answer["question"], 36))
    for need in answer["needs"]:
        _need_node(graph, need)
    for rank, rec in enumerate(answer["recommendations"], start=1):
        _family(graph, ctx, rec, rank)
    return graph


def _need_node(graph, need: dict) -> str:
    word, prefix = NEED_WORDS.get(need["kind"], (need["kind"], ""))
    node = f"need:{need['kind']}:{need['id']}"
    resource = f"{prefix}:{need['id']}" if prefix else ""
    add_node(graph, node, "need", f"{word}:\n{wrap(need['label'], 26)}", resource=resource,
             cluster="needs understood")
    add_edge(graph, "question", node, "asks")
    return node


def _claim_node(graph, ctx, citation: dict, cluster: str) -> tuple[str, object]:
    """One node per quoted passage (two claims quoting the same words share it)."""
    ref = ctx.index.claims.get(citation["claim"]) or SimpleNamespace(id=citation["claim"], doc=citation["doc"])
    where = f"{doc_id(citation['doc'])} @{citation['start']}–{citation['end']}"
    node = f"quote:{doc_id(citation['doc'])}@{citation['start']}-{citation['end']}"
    text = f"“{shorten(citation['quote'], 80)}”"
    add_node(graph, node, "claim", f"{wrap(text, 32)}\n{where}", claims=[ref], cluster=cluster)
    return node, ref


def _family(graph, ctx, rec: dict, rank: int) -> None:
    """The family, the claims behind its reasons and trade-offs, and the disagreements about it."""
    fam, cluster = f"fam:{rec['id']}", f"evidence for {rank}. {rec['family']}"
    add_node(graph, fam, "family", f"{rank}. {rec['family']}\nscore {rec['score']:.3f}", resource=fam,
             cluster=cluster)
    for reason in rec["reasons"]:
        for citation in reason["citations"]:
            node, ref = _claim_node(graph, ctx, citation, cluster)
            add_edge(graph, node, fam, "supports", claims=[ref], label=_reason_word(reason),
                     show_sources=False)
            for need in _needs_for(graph, ctx, reason, citation):
                add_edge(graph, need, node, "matches")
    for trade in rec["tradeoffs"]:
        for citation in trade["citations"]:
            node, ref = _claim_node(graph, ctx, citation, cluster)
            add_edge(graph, node, fam, "tradeoff", claims=[ref], show_sources=False,
                     label=f"trade-off: {trade['property']} {trade['level']}")
    for conflict in rec["conflicts"]:
        _conflict_node(graph, ctx, rec["id"], conflict, cluster)


def _conflict_node(graph, ctx, fid: str, conflict: dict, cluster: str) -> None:
    """One node per disagreement: the summary names each source and the level it gives."""
    node = f"conflict:{fid}-{conflict['property_id']}"
    refs = [ctx.index.claims[c["claim"]] for c in conflict["citations"] if c["claim"] in ctx.index.claims]
    what, _, sides = conflict["summary"].replace("Sources disagree on the ", "").partition(": ")
    add_node(graph, node, "conflict", f"{CONFLICT_MARK} sources disagree on\n{wrap(what, 34)}:\n{wrap(sides, 34)}",
             claims=refs, resource=node, cluster=cluster, conflict=True)
    add_edge(graph, node, f"fam:{fid}", "disputes", claims=refs)


def _reason_word(reason: dict) -> str:
    if reason["kind"] == "rule":
        return "decision rule"
    if reason["kind"] == "use_case":
        return "suited for"
    return reason["text"].replace("Its ", "", 1).split(" (")[0]


def _needs_for(graph, ctx, reason: dict, citation: dict) -> list[str]:
    """The need nodes a reason answers: its use case, its property (or the constraint implying it),
    or every need a decision rule's conditions name."""
    from kg.scoring import CONSTRAINT_WEIGHTS

    needs = [n for n in graph.nodes if n.startswith("need:")]
    ids = {n: n.split(":", 2)[2] for n in needs}
    if reason["kind"] == "use_case":
        wanted = {reason["use_case"]}
    elif reason["kind"] == "property":
        prop = reason["property"]
        wanted = {prop} | {c for c, pairs in CONSTRAINT_WEIGHTS.items() if prop in {p for p, _ in pairs}}
    else:
        rule = next((r for r in ctx.index.rules if r.claim.id == citation["claim"]), None)
        wanted = set().union(*rule.conditions.values()) if rule else set()
        if rule:
            add_iris(graph, f"rule:{rule.id}")
    return sorted(n for n in needs if ids[n] in wanted)
