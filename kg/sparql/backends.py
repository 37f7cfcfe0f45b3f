"""Where vetted SPARQL runs: one small interface over two engines, chosen by name.

    store = open_store("oxigraph", folder)       # the default: pyoxigraph, loaded from the build's N-Triples
    store = open_store("rdflib", folder)         # the reference engine (and the graph SHACL validates)
    store.run(vetted, limit) -> QueryResult      len(store) -> triples

Both take only queries that passed kg.sparql.guard.vet (the guard runs before any engine sees the text:
pyoxigraph would send SERVICE requests itself) and both return rows of rdflib terms, so the writers of
kg.sparql.results and every caller are the same whichever engine ran the query.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import BuildMissing, QueryError
from kg.graph.store import GRAPH_NT, REBUILD, load_built_graph, read_output
from kg.ontology.namespaces import bind_prefixes
from kg.sparql.engine import QueryResult, evaluate_rdflib
from kg.sparql.guard import VettedQuery

DEFAULT_STORE = "oxigraph"
STORE_ENV = "WHICHMODEL_STORE"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class Store(Protocol):
    name: str

    def run(self, vetted: VettedQuery, limit: int) -> QueryResult: ...

    def __len__(self) -> int: ...


class RdflibStore:
    """An rdflib Graph: the reference engine."""
    name = "rdflib"

    def __init__(self, graph):
        self.graph = graph

    def run(self, vetted: VettedQuery, limit: int) -> QueryResult:
        return evaluate_rdflib(self.graph, vetted, limit)

    def __len__(self) -> int:
        return len(self.graph)


class OxigraphStore:
    """An in-memory pyoxigraph Store holding the build's triples (its default graph)."""
    name = "oxigraph"

    def __init__(self, store):
        self.store = store

    @classmethod
    def from_ntriples(cls, data: bytes) -> OxigraphStore:
        store = ox.Store()
        store.bulk_load(data, ox.RdfFormat.N_TRIPLES)
        return cls(store)

    def run(self, vetted: VettedQuery, limit: int) -> QueryResult:
        answer = self.store.query(vetted.text)
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(answer), limit=limit)
        if isinstance(answer, ox.QueryTriples):
            return QueryResult(vetted.kind, graph=_to_graph(answer), limit=limit)
        variables = [v.value for v in answer.variables]
        rows, truncated = [], False
        for i, solution in enumerate(answer):
            if i >= limit:
                truncated = True
                break
            rows.append({name: to_rdflib(term) for name, term in zip(variables, solution) if term is not None})
        return QueryResult("SELECT", variables, rows, truncated=truncated, limit=limit)

    def __len__(self) -> int:
        return len(self.store)


@lru_cache(maxsize=1 << 16)
def to_rdflib(term):
    """The rdflib term for a pyoxigraph term (a plain literal stays plain, as rdflib reads it); the store's terms
    recur from query to query, so conversions are kept."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    raise QueryError(f"query failed: a result holds an RDF-star triple term, which whichmodel does not write: {term}")


def _to_graph(triples) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    for triple in triples:
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


def store_name(name: str | None = None) -> str:
    """The engine's name: the one given, else $WHICHMODEL_STORE, else oxigraph; QueryError for an unknown one."""
    chosen = (name or os.environ.get(STORE_ENV) or DEFAULT_STORE).strip().lower()
    if chosen not in STORES:
        raise QueryError(f"unknown store {chosen!r}; choose one of {', '.join(STORES)}")
    return chosen


def open_store(name: str | None, folder: Path, *, graph=None) -> Store:
    """The named engine over the build in folder (an rdflib graph already loaded may be passed)."""
    chosen = store_name(name)
    if chosen == "rdflib":
        return RdflibStore(graph if graph is not None else load_built_graph(folder))
    data = read_output(GRAPH_NT, folder)
    try:
        return OxigraphStore.from_ntriples(data)
    except (SyntaxError, ValueError, OSError) as exc:
        raise BuildMissing(f"the built graph is corrupt ({type(exc).__name__}); {REBUILD}",
                           file=str(Path(folder) / GRAPH_NT)) from None


STORES = ("oxigraph", "rdflib")

__all__ = ["Store", "RdflibStore", "OxigraphStore", "open_store", "store_name", "to_rdflib", "STORES",
           "DEFAULT_STORE", "STORE_ENV"]
