"""The graph as a dataset: every triple in exactly one named graph, one graph per source document.

    <doc/ID>            what document ID says: the document itself (text, title, …), each of its claims with
                        the quote's Web Annotation target and selectors, and its decision rules
    <graph/vocabulary>  the vocabulary (ontology/vocabulary.ttl): families, properties, use cases, …
    <graph/derived>     what the build derives across documents: family-level shortcuts (wm:suitedFor,
                        wm:hasStrength, …), named models, conflicts between sources

The default graph is left empty: the stores read it as the union of all graphs (Oxigraph's
use_default_graph_as_union, rdflib's Dataset(default_union=True); on a remote server, its union-default-graph
setting), so a query without GRAPH sees exactly the triples of graph.ttl. A triple is put in one graph only
because Oxigraph's union does not remove duplicates across graphs (rdflib's does): with each triple once,
both engines return the same rows.
"""
from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.ontology.namespaces import BASE, CLAIM, DOC, RULE

VOCABULARY_GRAPH = URIRef(BASE + "graph/vocabulary")
DERIVED_GRAPH = URIRef(BASE + "graph/derived")


def graph_of(subject: Node, source_of: dict[str, str]) -> URIRef | None:
    """The document graph a subject belongs in (source_of: claim id -> document id), or None."""
    text = str(subject)
    for namespace in (DOC, CLAIM, RULE):
        if text.startswith(namespace):
            ident = text[len(namespace):].split("/", 1)[0]
            doc = ident if namespace is DOC else source_of.get(ident)
            return DOC[doc] if doc else None
    return None


def partition(graph: Graph, vocabulary: Graph, source_of: dict[str, str]) -> dict[URIRef, list[tuple]]:
    """The triples of graph by named graph (each triple in one graph only)."""
    parts: dict[URIRef, list[tuple]] = {}
    for triple in graph:
        if triple in vocabulary:
            name = VOCABULARY_GRAPH
        else:
            name = graph_of(triple[0], source_of) or DERIVED_GRAPH
        parts.setdefault(name, []).append(triple)
    return parts


def serialise_nquads(parts: dict[URIRef, list[tuple]]) -> bytes:
    """N-Quads, one quad a line, sorted so that builds are byte-identical."""
    from rdflib import Dataset

    dataset = Dataset()
    for name, triples in parts.items():
        named = dataset.graph(name)
        for triple in triples:
            named.add(triple)
    lines = dataset.serialize(format="nquads", encoding="utf-8").splitlines(keepends=True)
    return b"".join(sorted(line for line in lines if line.strip()))


def parse_nquads(data: bytes) -> dict[URIRef, Graph]:
    """The named graphs of N-Quads bytes (what `whichmodel publish` uploads, one graph at a time)."""
    from rdflib import Dataset

    dataset = Dataset()
    dataset.parse(data=data, format="nquads")
    return {g.identifier: g for g in dataset.graphs() if len(g) and isinstance(g.identifier, URIRef)
            and g.identifier != dataset.default_graph.identifier}


__all__ = ["VOCABULARY_GRAPH", "DERIVED_GRAPH", "graph_of", "partition", "serialise_nquads", "parse_nquads"]
