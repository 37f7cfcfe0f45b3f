"""The part of the built rdflib graph a view draws on, as Turtle or JSON-LD: every triple is one of the graph's.

A resource the view names contributes its types and literals (a document's full text excepted) and
its links to other named resources; a claim also brings its quote target and selectors, and the
document it cites.
"""
from __future__ import annotations

from app.export.context import iri
from app.export.spec import EXPORT_FORMATS

# rdflib and the namespaces are imported when an RDF export runs, not by every CLI start
# (benchmarks/coldstart.py).

# rdflib (and kg.ontology.namespaces, built on it) is imported inside the functions: the CLI registers the
# export command on every start, and `whichmodel ask` does not need rdflib.

SKIP_LITERALS = ("https://w3id.org/whichmodel#text",)   # a document's whole normalised text


def diagram_resources(model) -> set[str]:
    """IRIs of the resources behind a diagram model's nodes, edges and extra references."""
    out = set(model.graph.get("iris", "").split())
    for _, attrs in model.nodes(data=True):
        if attrs.get("iri"):
            out.add(attrs["iri"])
        out |= {iri(f"claim:{c}") for c in attrs.get("claims", "").split()}
    for _, _, attrs in model.edges(data=True):
        out |= {iri(f"claim:{c}") for c in attrs.get("claims", "").split()}
    return out


def _closure(graph, resources: set[str]):
    """The resources as rdflib terms, with each claim's target, selectors and cited document."""
    from rdflib import URIRef
    from rdflib.namespace import PROV

    from kg.ontology.namespaces import OA, WM


    nodes = {URIRef(r) for r in resources}
    for claim in [n for n in nodes if (n, None, WM.Claim) in graph]:
        nodes |= set(graph.objects(claim, PROV.wasDerivedFrom))
        for target in graph.objects(claim, OA.hasTarget):
            nodes.add(target)
            nodes |= set(graph.objects(target, OA.hasSelector))
    return nodes


def subgraph(graph, resources: set[str]):
    """A new rdflib Graph holding the triples of graph about the resources (see the module doc)."""
    from rdflib import Graph, Literal
    from rdflib.namespace import RDF

    from kg.ontology.namespaces import bind_prefixes


    nodes = _closure(graph, resources)
    out = Graph()
    bind_prefixes(out)
    for node in sorted(nodes):
        for _, pred, obj in graph.triples((node, None, None)):
            if isinstance(obj, Literal):
                if str(pred) not in SKIP_LITERALS:
                    out.add((node, pred, obj))
            elif pred == RDF.type or obj in nodes:
                out.add((node, pred, obj))
    return out


def serialise_subgraph(graph, fmt: str) -> bytes:
    """Turtle or JSON-LD, byte-stable (the build's own serialisers)."""
    return EXPORT_FORMATS.get(fmt).write(graph)
