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
def test_hostile_queries_refused_before_running(graph, query, what):
    before = len(graph)
    with pytest.raises(QueryRefused, match=what) as err:
        run_query(graph, query)
    assert status_of(err.value) == 403
    assert len(graph) == before


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


def test_select_json_is_w3c_results(graph):
    doc = json.loads(serialise(run_query(graph, FAMILIES), "json"))
    assert doc["head"]["vars"] == ["f", "label"]
    labels = [b["label"]["value"] for b in doc["results"]["bindings"]]
    assert labels == sorted(labels) and "GAN" in labels and len(labels) == 8
    assert doc["results"]["bindings"][0]["f"]["type"] == "uri"
    assert doc["results"]["bindings"][0]["label"]["xml:lang"] == "en"


def test_csv_tsv_xml(graph):
    result = run_query(graph, FAMILIES)
    rows = list(csv.reader(io.StringIO(serialise(result, "csv"))))
    assert rows[0] == ["f", "label"] and len(rows) == 9
    tsv = serialise(result, "tsv").splitlines()
    assert tsv[0] == "?f\t?label" and tsv[1].startswith("<https://w3id.org/whichmodel/family/")
    assert "<sparql xmlns=" in serialise(result, "xml")


def test_row_cap_is_signalled(graph):
    result = run_query(graph, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", limit=5)
    assert len(result.rows) == 5 and result.truncated
    assert json.loads(serialise(result, "json"))["whichmodel"] == {"truncated": True, "limit": 5}


def test_ask_and_construct(graph):
    assert run_query(graph, WM + "ASK { ?f a wm:ModelFamily }").boolean is True
    result = run_query(graph, WM + "CONSTRUCT { ?f a wm:ModelFamily } WHERE { ?f a wm:ModelFamily }")
    assert len(result.graph) == 8
    assert "@id" in serialise(result, "json-ld")
