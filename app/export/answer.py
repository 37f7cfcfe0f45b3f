"""The evidence behind one recommendation: question -> needs understood -> claims used -> families compared."""
from __future__ import annotations

from app.export.context import doc_id, shorten, wrap
from app.export.model import add_edge, add_iris, add_node, new_diagram
from app.export.style import CONFLICT_MARK
from explain.check import is_short
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
from kg.sources.corpus import short_id

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


def shown_tradeoffs(rec: Recommendation, top: bool = True) -> list:
    """The trade-offs the answer's explanation states for its first family: two when the first bears on
    the need, else one; for a runner-up, its first one."""
    return rec.tradeoffs[:2 if top and rec.tradeoffs and rec.tradeoffs[0].relevant else 1]


def shown_conflicts(rec: Recommendation, top: bool = True) -> list[Conflict]:
    """The disagreement the answer mentions (for its first family only, as the explanation does): one that
    bears on the need or on a trade-off it states."""
    if not top:
        return []
    stated = {t.property for t in shown_tradeoffs(rec, top)}
    return [c for c in rec.conflicts if c.relevant or c.property in stated][:1]


def _quoted(claim: ClaimRef, limit: int = 60) -> str:
    """A claim's quote (cut at a word's end) and where it is: source id @ offsets."""
    quote = "“" + shorten(claim.quote.strip(" -•*"), limit) + "”"
    if is_short(claim.quote) and claim.context:     # "Code" alone says little: the last
        quote = f"{shorten(claim.context.rsplit(' · ', 1)[-1], 24)}: {quote}"   # part of its heading, same line
    return f"{wrap(quote, 56)}\n{doc_id(claim.doc)} @{claim.start}–{claim.end}"


def _evidence_node(graph, node: str, heading: str, claims: list[ClaimRef], cluster: str) -> str:
    """A reason or trade-off: what it says, its first quote and where that is, the other sources."""
    add_node(graph, node, "claim", f"{wrap(heading, 56)}\n{_quoted(claims[0])}{_more(claims)}", claims=claims,
             cluster=cluster)
    return node


def _more(claims: list[ClaimRef]) -> str:
    """" (+2 more: 001 004)": the claims after the first one shown, by source id."""
    if len(claims) < 2:
        return ""
    others = sorted({doc_id(c.doc) for c in claims} - {doc_id(claims[0].doc)}) or [doc_id(claims[0].doc)]
    return f" (+{len(claims) - 1} more: {' '.join(others)})"


def _grouped(rec: Recommendation) -> list[tuple[str, list]]:
    """The reasons to draw, one node for each kind: decision rules, use cases, property levels."""
    kinds = (("rules", RuleMatch), ("uses", UseCaseSupport), ("properties", PropertyFit))
    return [(key, rec.reasons_of(kind)) for key, kind in kinds if rec.reasons_of(kind)]


def _reasons_node(graph, node: str, reasons: list, cluster: str) -> list[ClaimRef]:
    claims = [c for r in reasons for c in r.claims]
    if isinstance(reasons[0], RuleMatch) and len(reasons) > 1:
        text = f"{len(reasons)} sources' decision rules\n" + "\n".join(_quoted(r.claim, 44) for r in reasons)
        add_node(graph, node, "claim", text, claims=claims, cluster=cluster)
    elif isinstance(reasons[0], PropertyFit) and len(reasons) > 1:
        lines = [f"{wrap(_reason_word(r), 56)}: {_quoted(r.claims[0], 30)}" + _more(r.claims) for r in reasons]
        add_node(graph, node, "claim", "\n".join(lines), claims=claims, cluster=cluster)
    elif isinstance(reasons[0], UseCaseSupport):
        heading = "suited for " + ", ".join(r.label for r in reasons)
        _evidence_node(graph, node, heading, claims, cluster)
    else:
        _evidence_node(graph, node, _reason_word(reasons[0]), claims, cluster)
    return claims


def _family(graph, kb, rec: Recommendation, rank: int) -> None:
    """The family, its reasons (rules together, use cases together), the trade-offs the answer states,
    and the disagreement it mentions."""
    fam, cluster = f"fam:{rec.family}", f"evidence for {rank}. {rec.label}"
    add_node(graph, fam, "family", f"{rank}. {rec.label}", resource=fam, cluster=cluster)
    for key, reasons in _grouped(rec):
        node = f"reason:{rec.family}:{key}"
        claims = _reasons_node(graph, node, reasons, cluster)
        add_edge(graph, node, fam, "supports", claims=claims)
        for need in sorted({n for r in reasons for n in _needs_for(graph, r)}):
            add_edge(graph, need, node, "matches")
    for trade in shown_tradeoffs(rec, rank == 1):
        node = _evidence_node(graph, f"tradeoff:{rec.family}:{trade.property}",
                              f"trade-off: {trade.label} {trade.level}", trade.claims, cluster)
        add_edge(graph, node, fam, "tradeoff", claims=trade.claims)
    for conflict in shown_conflicts(rec, rank == 1):
        _conflict_node(graph, kb, rec, conflict, cluster)


def _conflict_node(graph, kb, rec: Recommendation, conflict: Conflict, cluster: str) -> None:
    """One node per disagreement: what it is about, and each source with the level it gives."""
    node = f"conflict:{rec.family}-{conflict.property}" + ("" if conflict.kind == "levels" else f"-{conflict.kind}")
    sides = list(dict.fromkeys(f"{short_id(c.doc)} says {kb.index.levels[c.rank]}" if c.rank else
                               f"{short_id(c.doc)} says {c.value} than {c.obj or 'the other'}" for c in conflict.sides))
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
