"""The map of the graph and one family's neighbourhood, as diagram models (see model.py).

Both are drawn to be read on a slide: the map is an overview of families x groups of use cases (by the
kind of data), with one page per family for the detail (`map GAN`); the family view merges claims that
say the same thing (one node per property a strength or weakness is about, every source kept)."""
from __future__ import annotations

from collections import Counter

from app.export.context import clean, doc_id, level_word, resolve_family, slug, sources, wrap
from app.export.model import add_edge, add_iris, add_node, new_diagram
from app.export.style import CONFLICT_MARK, FAMILY_COLOURS

OTHER = "other data"
GROUP_MIN = 3          # a kind of data with fewer use cases than this is grouped under OTHER


def _subtitle(index, extra: str = "") -> str:
    docs = sorted({doc_id(c.doc) for c in index.claims.values()})
    text = f"from {len(index.claims)} cited claims in {len(docs)} sources ({', '.join(docs)})"
    return f"{extra}\n{text}" if extra else text


def is_good(index, prop: str, rank: float) -> bool:
    """A consensus rank that counts in a family's favour (high, or low for lower-is-better)."""
    return rank >= 3.5 if index.properties[prop].higher_is_better else rank <= 2.5


def use_case_groups(index) -> dict[str, str]:
    """Each use case's group: the kind of data most use cases share among its modalities, or OTHER."""
    counts = Counter(m for uc in index.use_cases.values() for m in uc.modalities)
    out = {}
    for uc, concept in index.use_cases.items():
        best = max(concept.modalities, key=lambda m: (counts[m], m)) if concept.modalities else ""
        out[uc] = index.modalities[best].label if best and counts[best] >= GROUP_MIN else OTHER
    return out


def direct_use_cases(index, fid: str, table=None) -> dict[str, list]:
    """The use cases a source names for the family itself (not only through a named model), with the claims."""
    table = index.suited if table is None else table
    out = {}
    for uc, claims in sorted(table.get(fid, {}).items()):
        direct = [c for c in claims if not c.via_model]
        if direct:
            out[uc] = direct
    return out


def _strong_on(index, fid: str) -> list[str]:
    props = [p for p in sorted(index.level_claims.get(fid, {})) if is_good(index, p, index.consensus(fid, p)[0])]
    return [index.properties[p].label if index.properties[p].higher_is_better else f"low {index.properties[p].label}"
            for p in props]


def map_view(ctx, name: str | None = None):
    """The overview (families -> groups of use cases, edges labelled with the number of use cases and
    the source ids), or, given a family, that family's page of the map."""
    if name:
        return _map_page(ctx, resolve_family(ctx.index, name))
    index = ctx.index
    groups = use_case_groups(index)
    graph = new_diagram("whichmodel map: which family for which kind of data",
                        _subtitle(index, "edge: the number of use cases the sources name the family for, with "
                                  "their ids; strong on: rated in its favour by the sources' consensus;\n"
                                  "one family's page of the map (whichmodel export map GAN) lists its use cases"))
    # Mermaid draws the second half of the families right of the kinds of data (wide, not tall; model.py)
    graph.graph.update(ranksep="1.2", nodesep="0.06",
                       mirror=" ".join(f"fam:{f}" for f in list(index.families)[len(index.families) // 2:]))
    for number, (fid, fam) in enumerate(index.families.items()):
        colour = FAMILY_COLOURS[number % len(FAMILY_COLOURS)]
        strong = _strong_on(index, fid)
        text = fam.label + ("\nstrong on: " + wrap(", ".join(strong), 44) if strong else "")
        add_node(graph, f"fam:{fid}", "family", text, resource=f"fam:{fid}", colour=colour)
        by_group: dict[str, list] = {}
        for uc, claims in direct_use_cases(index, fid).items():
            by_group.setdefault(groups[uc], []).append((uc, claims))
        for group, items in sorted(by_group.items()):
            total = sum(1 for g in groups.values() if g == group)
            add_node(graph, f"group:{slug(group)}", "use_case_group",
                     f"{group}\n({total} use case{'s' * (total > 1)})")
            add_iris(graph, *(f"uc:{uc}" for uc, _ in items))
            add_edge(graph, f"fam:{fid}", f"group:{slug(group)}", "suited_for_group",
                     claims=[c for _, cs in items for c in cs], colour=colour,
                     label=f"{len(items)} use case{'s' * (len(items) > 1)}")
    return graph


def _map_page(ctx, fid: str):
    """One family's page of the map: its use cases by kind of data, and the properties rated in its favour."""
    index = ctx.index
    label = index.families[fid].label
    graph = new_diagram(f"whichmodel map: {label}, its use cases and its strong points",
                        _subtitle(index, "edge labels are source ids; each use case with the ids of the sources "
                                  "naming it"), left_kinds=("property",))
    graph.graph.update(ranksep="0.9")
    add_node(graph, f"fam:{fid}", "family", label, resource=f"fam:{fid}")
    _family_use_cases(graph, index, fid)
    for prop in sorted(index.level_claims.get(fid, {})):
        rank, _ = index.consensus(fid, prop)
        if is_good(index, prop, rank):
            add_node(graph, f"prop:{prop}", "property", f"{index.properties[prop].label}: {level_word(index, rank)}",
                     resource=f"prop:{prop}", cluster="rated in its favour (consensus)")
            add_edge(graph, f"fam:{fid}", f"prop:{prop}", "rated", claims=index.level_claims[fid][prop])
    return graph


def family_view(ctx, name: str):
    """One family: property levels with the strengths and weaknesses behind them (near-duplicates merged),
    use cases by kind of data, named examples and hybrids, each edge labelled with its source ids."""
    index = ctx.index
    fid = resolve_family(index, name)
    label = index.families[fid].label
    graph = new_diagram(f"whichmodel: the {label} family and its neighbourhood",
                        _subtitle(index, "edge labels are source ids; claims saying the same thing are merged"),
                        left_kinds=("level", "strength", "weakness"))
    graph.graph.update(ranksep="0.45", nodesep="0.15")
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
    counted = f"{count} source{'s' * (count > 1)}" + (" disagree" if conflict else "")
    mark = CONFLICT_MARK + " " if conflict else ""
    text = f"{mark}{index.properties[prop].label}: {level_word(index, rank)} ({counted})"
    node = add_node(graph, f"level:{fid}/{prop}", "level", text, claims=claims,
                    resource="", conflict=conflict, cluster="property levels (consensus)")
    if conflict:
        add_iris(graph, f"conflict:{fid}-{prop}")
    add_edge(graph, f"fam:{fid}", node, "rated", claims=claims)
    return node


def _family_levels(graph, index, fid: str) -> None:
    for prop in sorted(index.level_claims.get(fid, {})):
        _level_node(graph, index, fid, prop)


def merged_traits(index, fid: str) -> dict[tuple[str, str], list]:
    """The family's strengths and weaknesses, merged: one group per (kind, property) when the claim is
    about a property ("hard to train", "difficult training" and "challenging to train" are one), and
    one group per kind for the rest (listed in it one wording a line). Every claim, and so every
    source, is kept in its group."""
    groups: dict[tuple[str, str], list] = {}
    for claim in index.claims.values():
        if claim.family == fid and not claim.via_model and claim.predicate in ("strength", "weakness"):
            groups.setdefault((claim.predicate, claim.prop or ""), []).append(claim)
    return dict(sorted(groups.items()))


def trait_label(claims) -> str:
    """The wording most claims use (the shortest among equals), and how many other wordings were merged."""
    wordings = Counter(clean(c.value) for c in claims)
    best = min(wordings, key=lambda w: (-wordings[w], len(w), w))
    others = len(wordings) - 1
    return wrap(best, 26) + (f"\n(+{others} similar claim{'s' * (others > 1)})" if others else "")


def listed_label(kind: str, claims) -> str:
    """Traits about no rated property, one distinct wording a line with its source ids."""
    by_text: dict[str, list] = {}
    for claim in claims:
        by_text.setdefault(clean(claim.value).lower(), []).append(claim)
    lines = [f"{wrap(cs[0].value, 34)} [{' '.join(sources(cs))}]" for _, cs in sorted(by_text.items())]
    plural = kind + ("es" if kind.endswith("s") else "s")          # weakness → weaknesses
    return "\n".join([f"other {plural}:"] + lines)


def _family_traits(graph, index, fid: str) -> None:
    """One node per merged strength or weakness; those about a rated property hang off its level node."""
    for (kind, prop), claims in merged_traits(index, fid).items():
        parent = f"level:{fid}/{prop}" if f"level:{fid}/{prop}" in graph else f"fam:{fid}"
        text = trait_label(claims) if prop else listed_label(kind, claims)
        node = add_node(graph, f"{kind}:{fid}/{slug(prop or 'other')}", kind, text, claims=claims)
        add_edge(graph, parent, node, kind, claims=claims)


def _family_use_cases(graph, index, fid: str) -> None:
    """One node per kind of data, listing its use cases with their source ids."""
    groups = use_case_groups(index)
    for table, kind in ((index.suited, "suited_for"), (index.unsuited, "not_suited_for")):
        by_group: dict[str, list] = {}
        for uc, claims in direct_use_cases(index, fid, table).items():
            by_group.setdefault(groups[uc], []).append((uc, claims))
        for group, items in sorted(by_group.items()):
            lines = [f"{index.use_cases[uc].label} [{' '.join(sources(cs))}]" for uc, cs in items]
            node = add_node(graph, f"{kind}:{slug(group)}", "use_case_group", "\n".join([f"{group}:"] + lines),
                            cluster="use cases by kind of data")
            add_iris(graph, *(f"uc:{uc}" for uc, _ in items))
            add_edge(graph, f"fam:{fid}", node, kind, claims=[c for _, cs in items for c in cs],
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
    """One node listing the named examples (hybrids are drawn with the hybrids), each with its source ids."""
    by_model: dict[str, list] = {}
    for claim in ctx.index.claims.values():
        if claim.family == fid and claim.predicate == "example" and not claim.via_model:
            by_model.setdefault(claim.obj, []).append(claim)
    models = {m: cs for m, cs in sorted(by_model.items()) if m.split(":", 1)[1] not in hybrids}
    if not models:
        return
    items = [f"{ctx.index.model_labels.get(m.split(':', 1)[1], m.split(':', 1)[1])} [{' '.join(sources(cs))}]"
             for m, cs in models.items()]
    lines = _columns(items, 3 if len(items) > 16 else 2 if len(items) > 6 else 1)
    add_node(graph, f"examples:{fid}", "model", "\n".join(["named examples:"] + lines))
    add_iris(graph, *models)
    add_edge(graph, f"fam:{fid}", f"examples:{fid}", "example", claims=[c for cs in models.values() for c in cs])


def _columns(items: list[str], count: int) -> list[str]:
    """Items in count columns, read down each column; lines joined with wide gaps."""
    rows = -(-len(items) // count)
    cols = [items[i * rows:(i + 1) * rows] for i in range(count)]
    return ["    ".join(col[r] for col in cols if r < len(col)) for r in range(rows)]


def _family_hybrids(graph, ctx, fid: str, hybrids: dict) -> None:
    """One node per hybrid model, naming the other families it combines this one with."""
    index = ctx.index
    for model, (families, claims) in hybrids.items():
        claims = _unique(claims)
        others = " and ".join(index.families[f].label for f in families if f != fid)
        add_node(graph, f"model:{model}", "hybrid", wrap(index.model_labels[model], 22)
                 + (f"\nwith {others}" if others else ""), resource=f"model:{model}", cluster="hybrids")
        add_iris(graph, *(f"fam:{f}" for f in families))
        add_edge(graph, f"fam:{fid}", f"model:{model}", "combines", claims=claims, label="part of")


def _unique(claims) -> list:
    return list({c.id: c for c in claims}.values())
