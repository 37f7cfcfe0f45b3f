"""Read-only, offline SPARQL: refusals before execution, formats, row cap."""
from __future__ import annotations

import csv
import io
import json

import pytest

from app.http import status_of
from kg.errors import QueryError, QueryRefused
from kg.sparql import run_query, serialise, vet

WM = "PREFIX wm: <https://w3id.org/whichmodel#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
FAMILIES = WM + "SELECT ?f ?label WHERE { ?f a wm:ModelFamily ; skos:prefLabel ?label } ORDER BY ?label"


@pytest.mark.parametrize("query, what", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE SILENT <http://127.0.0.1:1/> { ?s ?p ?o } } }", "SERVICE"),
    ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o MINUS { SERVICE <http://x/> { ?s ?p ?o } } } } }", "SERVICE"),
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    ("ASK FROM <http://example.org/> { ?s ?p ?o }", "FROM"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
    ("DELETE WHERE { ?s ?p ?o }", "updates"),
    ("LOAD <http://example.org/data.ttl>", "updates"),
    ("CLEAR ALL", "updates"),
])
def test_hostile_queries_refused_before_running(store, query, what):
    before = len(store)
    with pytest.raises(QueryRefused, match=what) as err:
        run_query(store, query)
    assert status_of(err.value) == 403
    assert len(store) == before


def test_syntax_error_names_the_position():
    with pytest.raises(QueryError) as err:
        vet("SELECT ?s WHERE { ?s ?p }\n")
    assert "line 1" in str(err.value) and status_of(err.value) == 400


def test_empty_and_huge_queries():
    with pytest.raises(QueryError, match="empty"):
        vet("   ")
    with pytest.raises(QueryError, match="longer than") as err:
        vet("SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000)
    assert status_of(err.value) == 413


def test_select_json_is_w3c_results(store):
    doc = json.loads(serialise(run_query(store, FAMILIES), "json"))
    assert doc["head"]["vars"] == ["f", "label"]
    labels = [b["label"]["value"] for b in doc["results"]["bindings"]]
    assert labels == sorted(labels) and "GAN" in labels and len(labels) == 8
    assert doc["results"]["bindings"][0]["f"]["type"] == "uri"
    assert doc["results"]["bindings"][0]["label"]["xml:lang"] == "en"


def test_csv_tsv_xml(store):
    result = run_query(store, FAMILIES)
    rows = list(csv.reader(io.StringIO(serialise(result, "csv"))))
    assert rows[0] == ["f", "label"] and len(rows) == 9
    tsv = serialise(result, "tsv").splitlines()
    assert tsv[0] == "?f\t?label" and tsv[1].startswith("<https://w3id.org/whichmodel/family/")
    assert "<sparql xmlns=" in serialise(result, "xml")


def test_row_cap_is_signalled(store):
    result = run_query(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", limit=5)
    assert len(result.rows) == 5 and result.truncated
    assert json.loads(serialise(result, "json"))["whichmodel"] == {"truncated": True, "limit": 5}


def test_ask_and_construct(store):
    assert run_query(store, WM + "ASK { ?f a wm:ModelFamily }").boolean is True
    result = run_query(store, WM + "CONSTRUCT { ?f a wm:ModelFamily } WHERE { ?f a wm:ModelFamily }")
    assert len(result.graph) == 8
    assert "@id" in serialise(result, "json-ld")


def test_describe_on_every_store(stores):
    """DESCRIBE gives the same triples (the resource's own statements) on both engines."""
    query = "DESCRIBE <https://w3id.org/whichmodel/family/gan>"
    oxigraph, rdflib = (run_query(stores[name], query) for name in ("oxigraph", "rdflib"))
    assert oxigraph.kind == rdflib.kind == "DESCRIBE" and len(oxigraph.graph) > 10
    assert set(oxigraph.graph) == set(rdflib.graph)


def test_store_is_chosen_by_name(built, build_dir, monkeypatch):
    import kg
    from kg.sparql.backends import OxigraphStore, RdflibStore

    assert isinstance(kg.open(build_dir).store, OxigraphStore)
    assert isinstance(kg.open(build_dir, store="rdflib").store, RdflibStore)
    monkeypatch.setenv("WHICHMODEL_STORE", "rdflib")
    assert isinstance(kg.open(build_dir).store, RdflibStore)
    with pytest.raises(QueryError, match="unknown store 'sqlite'"):
        kg.open(build_dir, store="sqlite")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVIC\\U00000045 <http://example.org/s> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/s> { ?s ?p ?o } }",
    "SELECT * WHERE { OPTIONAL { service <http://example.org/s> { ?s ?p ?o } } }"])
def test_service_is_refused_however_it_is_spelled(query):
    from kg.errors import QueryRefused
    from kg.sparql.guard import vet

    with pytest.raises(QueryRefused, match="SERVICE is refused"):
        vet(query)


@pytest.mark.parametrize("query", ["SELECT ?service WHERE { ?service ?p 'SERVICE' } LIMIT 1",
                                   "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:x ?o }"])
def test_the_word_service_elsewhere_is_not_refused(query):
    from kg.sparql.guard import vet

    assert vet(query).kind == "SELECT"


def test_graph_names_the_documents_on_every_store(stores, docs):
    """One named graph per source document (plus the vocabulary's and the derived one); a query without GRAPH
    reads their union, so the counts add up, on both engines alike."""
    per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    claims = ("PREFIX wm: <https://w3id.org/whichmodel#> SELECT ?g (COUNT(?c) AS ?n) "
              "WHERE { GRAPH ?g { ?c a wm:Claim ; prov:wasDerivedFrom ?g } } GROUP BY ?g ORDER BY ?g")
    claims = "PREFIX prov: <http://www.w3.org/ns/prov#> " + claims
    seen = {}
    for name, store in stores.items():
        counts = {str(r["g"]): int(r["n"]) for r in run_query(store, per_graph).rows}
        total = int(run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])
        assert sum(counts.values()) == total == len(store) > 10_000
        by_doc = {str(r["g"]).rsplit("/", 1)[1]: int(r["n"]) for r in run_query(store, claims).rows}
        assert set(by_doc) == set(docs) and min(by_doc.values()) >= 50
        seen[name] = (counts, by_doc)
    assert seen["oxigraph"] == seen["rdflib"]
    assert any(g.endswith("/graph/vocabulary") for g in seen["oxigraph"][0])
