"""The map of the whole graph and one family's neighbourhood, as diagram models (see model.py)."""
from __future__ import annotations

from collections import Counter

from app.export.context import clean, doc_id, level_word, resolve_family, slug, wrap
from app.export.model import add_edge, add_iris, add_node, new_diagram
from app.export.style import CONFLICT_MARK, FAMILY_COLOURS


def _subtitle(index, extra: str = "") -> str:
    docs = sorted({doc_id(c.doc) for c in index.claims.values()})
    text = f"from {len(index.claims)} cited claims in {len(docs)} sources ({', '.join(docs)})"
    return f"{extra}; {text}" if extra else text


def is_good(index, prop: str, rank: float) -> bool:
    """A consensus rank that counts in a family's favour (high, or low for lower-is-better)."""
    return rank >= 3.5 if index.properties[prop].higher_is_better else rank <= 2.5


def _primary_modality(index, use_case: str, counts: Counter) -> str:
    mods = index.use_cases[use_case].modalities
    if not mods:
        return "any modality"
    best = max(mods, key=lambda m: (counts[m], m))
    return index.modalities[best].label


def map_view(ctx):
    """Families in the middle, the properties they are rated high on to the left, use cases to the right."""
    index = ctx.index
    graph = new_diagram("whichmodel map: model families, use cases and properties",
                        _subtitle(index, "edges: suited for (right), rated high on by consensus (left)"),
                        left_kinds=("property",))
    counts = Counter(m for uc in index.use_cases.values() for m in uc.modalities)
    for number, (fid, fam) in enumerate(index.families.items()):
        colour = FAMILY_COLOURS[number % len(FAMILY_COLOURS)]
        add_node(graph, f"fam:{fid}", "family", fam.label, resource=f"fam:{fid}", colour=colour)
        _map_use_cases(graph, index, fid, counts, colour)
        _map_properties(graph, index, fid, colour)
    return graph


def _map_use_cases(graph, index, fid: str, counts: Counter, colour: str) -> None:
    for uc, claims in sorted(index.suited.get(fid, {}).items()):
        direct = [c for c in claims if not c.via_model]
        if not direct:
            continue
        cluster = "use cases: " + _primary_modality(index, uc, counts)
        add_node(graph, f"uc:{uc}", "use_case", wrap(index.use_cases[uc].label, 22),
                 resource=f"uc:{uc}", cluster=cluster)
        add_edge(graph, f"fam:{fid}", f"uc:{uc}", "suited_for", claims=direct, show_sources=False,
                 colour=colour)


def _map_properties(graph, index, fid: str, colour: str) -> None:
    for prop in sorted(index.level_claims.get(fid, {})):
        rank, _ = index.consensus(fid, prop)
        if not is_good(index, prop, rank):
            continue
        label = index.properties[prop].label
        if not index.properties[prop].higher_is_better:
            label = f"low {label}"
        add_node(graph, f"prop:{prop}", "property", wrap(label, 20), resource=f"prop:{prop}",
                 cluster="properties")
        add_edge(graph, f"fam:{fid}", f"prop:{prop}", "strong_on",
                 claims=index.level_claims[fid][prop], show_sources=False, colour=colour)


def family_view(ctx, name: str):
    """One family: property levels with the strengths and weaknesses behind them, use cases,
    named examples and hybrids, each edge labelled with its source ids."""
    index = ctx.index
    fid = resolve_family(index, name)
    label = index.families[fid].label
    graph = new_diagram(f"whichmodel: the {label} family and its neighbourhood",
                        _subtitle(index, "edge labels are source ids"),
                        left_kinds=("level", "strength", "weakness"))
    add_node(graph, f"fam:{fid}", "family", label, resource=f"fam:{fid}")
    _family_levels(graph, index, fid)
    _family_traits(graph, index, fid)
    _family_use_cases(graph, index, fid)
    hybrids = hybrids_of(ctx, fid)
    _family_examples(graph, ctx, fid, hybrids)
    _family_hybrids(graph, ctx, fid, hybrids)
    return graph


def _level_node(graph, index, fid: str, prop: str) -> str:
    claims = index.level_claims[fid][prop]
    rank, count = index.consensus(fid, prop)
    conflict = (fid, prop) in index.conflicts
    mark = f"{CONFLICT_MARK} sources disagree\n" if conflict else ""
    text = f"{wrap(index.properties[prop].label, 24)}\n{level_word(index, rank)} ({count} source{'s' * (count > 1)})"
    node = add_node(graph, f"level:{fid}/{prop}", "level", mark + text, claims=claims,
                    resource="", conflict=conflict, cluster="property levels (consensus)")
    if conflict:
        add_iris(graph, f"conflict:{fid}-{prop}")
    add_edge(graph, f"fam:{fid}", node, "rated", claims=claims)
    return node


def _family_levels(graph, index, fid: str) -> None:
    for prop in sorted(index.level_claims.get(fid, {})):
        _level_node(graph, index, fid, prop)


def _family_traits(graph, index, fid: str) -> None:
    """Strengths and weaknesses, one node per distinct text; those about a rated property hang off
    its level node, the rest off the family."""
    groups: dict[tuple, list] = {}
    for claim in index.claims.values():
        if claim.family == fid and not claim.via_model and claim.predicate in ("strength", "weakness"):
            groups.setdefault((claim.predicate, claim.prop, clean(claim.value).lower()), []).append(claim)
    for (kind, prop, text), claims in sorted(groups.items()):
        parent = f"level:{fid}/{prop}" if prop and f"level:{fid}/{prop}" in graph else f"fam:{fid}"
        node = add_node(graph, f"{kind}:{fid}/{slug(text)}", kind, wrap(claims[0].value, 30),
                        claims=claims)
        add_edge(graph, parent, node, kind, claims=claims)


def _family_use_cases(graph, index, fid: str) -> None:
    for table, kind in ((index.suited, "suited_for"), (index.unsuited, "not_suited_for")):
        for uc, claims in sorted(table.get(fid, {}).items()):
            direct = [c for c in claims if not c.via_model]
            if direct:
                add_node(graph, f"uc:{uc}", "use_case", wrap(index.use_cases[uc].label, 24),
                         resource=f"uc:{uc}", cluster="use cases")
                add_edge(graph, f"fam:{fid}", f"uc:{uc}", kind, claims=direct,
                         label="not suited" if kind == "not_suited_for" else None)


def hybrids_of(ctx, fid: str) -> dict[str, tuple[list[str], list]]:
    """Named models a source calls a hybrid of this family and others: model -> (families, claims)."""
    out: dict[str, tuple[list[str], list]] = {}
    for claim in ctx.index.claims.values():
        if claim.predicate != "hybrid_of":
            continue
        node = f"claim:{claim.id}"
        families = sorted(t.split(":", 1)[1] for _, t, k in ctx.view.out_edges(node, keys=True) if k == "object")
        if fid in families:
            model = claim.subject.split(":", 1)[1]
            known, claims = out.get(model, ([], []))
            out[model] = (sorted(set(known) | set(families)), claims + [claim])
    return dict(sorted(out.items()))


def _family_examples(graph, ctx, fid: str, hybrids: dict) -> None:
    by_model: dict[str, list] = {}
    for claim in ctx.index.claims.values():
        if claim.family == fid and claim.predicate == "example" and not claim.via_model:
            by_model.setdefault(claim.obj, []).append(claim)
    for model, claims in sorted(by_model.items()):
        local = model.split(":", 1)[1]
        if local in hybrids:
            continue     # drawn with the hybrids
        add_node(graph, model, "model", wrap(ctx.index.model_labels.get(local, local), 22),
                 resource=model, cluster="named examples")
        add_edge(graph, f"fam:{fid}", model, "example", claims=claims)


def _family_hybrids(graph, ctx, fid: str, hybrids: dict) -> None:
    index = ctx.index
    for model, (families, claims) in hybrids.items():
        claims = _unique(claims)
        add_node(graph, f"model:{model}", "hybrid", wrap(index.model_labels[model], 22),
                 resource=f"model:{model}", cluster="hybrids")
        add_edge(graph, f"fam:{fid}", f"model:{model}", "combines", claims=claims, label="part of")
        for other in families:
            if other != fid:
                add_node(graph, f"fam:{other}", "family", index.families[other].label,
                         resource=f"fam:{other}", cluster="hybrids")
                add_edge(graph, f"model:{model}", f"fam:{other}", "combines", claims=claims,
                         label="with")


def _unique(claims) -> list:
    return list({c.id: c for c in claims}.values())
