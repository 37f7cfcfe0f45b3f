"""The diagram model every view builds: a networkx MultiDiGraph, edges keyed by their kind.

Node attributes: kind, label (lines joined by newlines), sources ("000 002"), claims (claim ids),
iri (the graph resource it stands for, if one), cluster (a box to group it in), conflict (bool).
Edge attributes: kind, label, sources, claims, colour (overrides the kind's).
Graph attributes: title, subtitle, rankdir,
left_kinds (node kinds drawn left of / above what points at them), mirror (nodes Mermaid draws right of /
below what they point at, their edges written backwards), and iris (further resources,
such as rules and conflicts, that the RDF export should carry).
"""
from __future__ import annotations

from app.export.context import iri, source_label, sources


def new_diagram(title: str, subtitle: str, *, rankdir: str = "LR", left_kinds: tuple = ()):
    import networkx as nx

    graph = nx.MultiDiGraph()
    graph.graph.update(title=title, subtitle=subtitle, rankdir=rankdir,
                       left_kinds=" ".join(left_kinds), iris="")
    return graph


def add_node(graph, node: str, kind: str, label: str, *, claims=(), resource: str = "",
             cluster: str = "", conflict: bool = False, **extra) -> str:
    """Add (or extend) a node; claims' documents become its sources."""
    if node in graph:
        attrs = graph.nodes[node]
        merged = sorted(set(attrs["claims"].split()) | {c.id for c in claims})
        attrs["claims"] = " ".join(merged)
        attrs["sources"] = " ".join(sorted(set(attrs["sources"].split()) | set(sources(claims))))
        attrs["conflict"] = attrs["conflict"] or conflict
        return node
    graph.add_node(node, kind=kind, label=label, sources=" ".join(sources(claims)),
                   claims=" ".join(sorted({c.id for c in claims})),
                   iri=iri(resource) if resource else "", cluster=cluster, conflict=conflict,
                   **{k: v for k, v in extra.items() if v is not None})
    return node


def add_edge(graph, source: str, target: str, kind: str, *, claims=(), label: str | None = None,
             show_sources: bool = True, colour: str = "") -> None:
    """Add an edge whose label ends with the ids of the documents its claims come from (on a line of
    their own when the graph's "id_break" is set)."""
    ids = " ".join(sources(claims))
    text = label or ""
    if show_sources and claims:
        gap = "\n" if graph.graph.get("id_break") and text else " "
        text = f"{text}{gap}{source_label(claims)}".strip()
    graph.add_edge(source, target, key=kind, kind=kind, label=text, sources=ids,
                   claims=" ".join(sorted({c.id for c in claims})), colour=colour)


def add_iris(graph, *nodes: str) -> None:
    """Record further graph resources (prefixed names) that the RDF export should include."""
    known = set(graph.graph["iris"].split())
    graph.graph["iris"] = " ".join(sorted(known | {iri(n) for n in nodes if n}))


def canonical(graph):
    """The same diagram with nodes and edges inserted in sorted order (for byte-stable output)."""
    import networkx as nx

    out = nx.MultiDiGraph()
    out.graph.update(sorted(graph.graph.items()))
    for node in sorted(graph.nodes):
        out.add_node(node, **dict(sorted(graph.nodes[node].items())))
    for source, target, key in sorted(graph.edges(keys=True)):
        out.add_edge(source, target, key=key, **dict(sorted(graph.edges[source, target, key].items())))
    return out
