"""Where vetted SPARQL runs: one small interface over two engines, chosen by name.

    store = open_store("oxigraph", folder)       # the default: pyoxigraph, loaded from the build's N-Quads
    store = open_store("rdflib", folder)         # the reference engine: an rdflib Dataset of the same N-Quads
    store = open_store("http://host/query", folder)  # a remote SPARQL 1.1 server (kg.sparql.remote)
    store.run(vetted, limit) -> QueryResult      len(store) -> triples

Both take only queries that passed kg.sparql.guard.vet (the guard runs before any engine sees the text:
pyoxigraph would send SERVICE requests itself) and both return rows of rdflib terms, so the writers of
kg.sparql.results and every caller are the same whichever engine ran the query.

Both hold one named graph per source document (kg.graph.quads) and read the default graph as the union of
all graphs, so a query without GRAPH sees the whole graph, and `GRAPH ?g { … }` names the documents.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from kg.errors import BuildMissing, QueryError
from kg.graph.store import GRAPH_NQ, REBUILD, read_output, verified_path
from kg.ontology.namespaces import bind_prefixes
from kg.paths import STORE_ENV, chosen_store, is_url
from kg.sparql.engine import QueryResult, evaluate_rdflib
from kg.sparql.guard import VettedQuery
from kg.sparql.remote import RemoteStore

DEFAULT_STORE = "oxigraph"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class Store(Protocol):
    name: str

    def run(self, vetted: VettedQuery, limit: int) -> QueryResult: ...

    def __len__(self) -> int: ...


class RdflibStore:
    """An rdflib Graph or Dataset (its default graph the union of the named ones): the reference engine."""
    name = "rdflib"

    def __init__(self, graph):
        self.graph = graph

    def run(self, vetted: VettedQuery, limit: int) -> QueryResult:
        return evaluate_rdflib(self.graph, vetted, limit)

    def __len__(self) -> int:
        return len(self.graph)


class OxigraphStore:
    """An in-memory pyoxigraph Store holding the build's quads, queried with the default graph as the union."""
    name = "oxigraph"

    def __init__(self, store):
        self.store = store

    @classmethod
    def from_ntriples(cls, data: bytes) -> OxigraphStore:
        store = ox.Store()
        store.bulk_load(data, ox.RdfFormat.N_TRIPLES)
        return cls(store)

    @classmethod
    def from_nquads(cls, path: Path) -> OxigraphStore:
        """Loaded from the file (not its bytes in memory: at 2M quads that halves the peak)."""
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        return cls(store)

    def run(self, vetted: VettedQuery, limit: int) -> QueryResult:
        answer = self.store.query(vetted.text, use_default_graph_as_union=True)
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
    """The engine's name (or a remote server's query URL): the one given, else $WHICHMODEL_STORE, else
    oxigraph; QueryError for an unknown one."""
    chosen = chosen_store(name) or DEFAULT_STORE
    if is_url(chosen):
        return chosen
    if chosen.lower() not in STORES:
        raise QueryError(f"unknown store {chosen!r}; choose one of {', '.join(STORES)} or a SPARQL endpoint's "
                         "http(s) URL")
    return chosen.lower()


def open_store(name: str | None, folder: Path) -> Store:
    """The named engine over the build in folder (both load its N-Quads)."""
    chosen = store_name(name)
    if is_url(chosen):
        return RemoteStore(chosen)
    try:
        if chosen == "rdflib":
            return RdflibStore(rdflib_dataset(read_output(GRAPH_NQ, folder)))
        return OxigraphStore.from_nquads(verified_path(GRAPH_NQ, folder))
    except BuildMissing:
        raise
    except Exception as exc:  # SyntaxError, ValueError from pyoxigraph; several parser errors from rdflib
        raise BuildMissing(f"the built graph is corrupt ({type(exc).__name__}); {REBUILD}",
                           file=str(Path(folder) / GRAPH_NQ)) from None


def rdflib_dataset(nquads: bytes) -> Dataset:
    """An rdflib Dataset of N-Quads whose default graph is the union of its graphs."""
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    dataset.parse(data=nquads, format="nquads")
    return dataset


STORES = ("oxigraph", "rdflib")

__all__ = ["Store", "RdflibStore", "OxigraphStore", "RemoteStore", "open_store", "is_url", "store_name", "to_rdflib",
           "STORES", "DEFAULT_STORE", "STORE_ENV"]
