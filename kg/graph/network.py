"""The networkx view of the RDF graph that graph queries and the recommender walk.

Every IRI in the graph becomes a node named by its prefixed name ("fam:gan", "uc:inpainting",
"claim:d002-vae-blurry"); every triple between two IRIs becomes an edge keyed by its predicate;
literals become node attributes. Claims additionally carry their citation (doc, start, end).
"""
from __future__ import annotations

import json

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from kg.ontology.namespaces import OA, WM

_LIST_ATTRS = {"altLabel", "type", "mechanism", "introducedBy", "introducedIn", "comment"}


def short(graph: Graph, node: URIRef) -> str:
    prefix, _namespace, name = graph.namespace_manager.compute_qname(node, generate=False)
    return f"{prefix}:{name}"


def _local(pred: URIRef) -> str:
    text = str(pred)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _add_literal(attrs: dict, key: str, obj: Literal) -> None:
    value = obj.toPython()
    if not isinstance(value, (str, int, float, bool)):
        value = str(obj)
    if key in _LIST_ATTRS:
        attrs.setdefault(key, []).append(value)
    else:
        attrs[key] = value


def _is_ours(graph: Graph, node) -> bool:
    if not isinstance(node, URIRef):
        return False
    try:
        short(graph, node)
        return True
    except (ValueError, KeyError):
        return False


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """A MultiDiGraph view of the RDF graph (deterministic node and edge order)."""
    view = nx.MultiDiGraph()
    for s, p, o in sorted(graph):
        if not _is_ours(graph, s):
            continue
        sid = short(graph, s)
        view.add_node(sid)
        attrs = view.nodes[sid]
        if isinstance(o, Literal):
            _add_literal(attrs, _local(p), o)
        elif p == RDF.type:
            attrs.setdefault("type", []).append(short(graph, o) if _is_ours(graph, o) else str(o))
        elif _is_ours(graph, o):
            view.add_edge(sid, short(graph, o), key=_local(p))
    _denormalise_claims(graph, view)
    return view


def _denormalise_claims(graph: Graph, view: nx.MultiDiGraph) -> None:
    """Copy each claim's document and quote offsets onto the claim node."""
    for claim in graph.subjects(RDF.type, WM.Claim):
        attrs = view.nodes[short(graph, claim)]
        doc = graph.value(claim, PROV.wasDerivedFrom)
        attrs["doc"] = str(doc).rsplit("/", 1)[-1]
        for target in graph.objects(claim, OA.hasTarget):
            for selector in graph.objects(target, OA.hasSelector):
                start = graph.value(selector, OA.start)
                if start is not None:
                    attrs["start"] = int(start)
                    attrs["end"] = int(graph.value(selector, OA.end))


def dump_networkx(view: nx.MultiDiGraph) -> bytes:
    data = nx.node_link_data(view, edges="edges")
    return json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")


def load_networkx(data: bytes) -> nx.MultiDiGraph:
    return nx.node_link_graph(json.loads(data), directed=True, multigraph=True, edges="edges")


def kind_of(view: nx.MultiDiGraph, node: str) -> str:
    """family, model, usecase, modality, property, level, constraint, claim, doc, rule, conflict."""
    return node.split(":", 1)[0] if ":" in node else ""


def label_of(view: nx.MultiDiGraph, node: str) -> str:
    attrs = view.nodes[node] if node in view else {}
    return str(attrs.get("prefLabel") or attrs.get("label") or node.split(":", 1)[-1])

