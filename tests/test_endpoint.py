"""The SPARQL 1.1 endpoint of `whichmodel serve`, queried over HTTP on a real running server.

The `live_server` fixture (also used by test_chat.py and test_browser.py) starts `whichmodel serve` on a
free port against the session's build folder, waits until it answers, and stops it at the end.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests import audit

ROOT = Path(__file__).resolve().parent.parent
QUERY_TIMEOUT = 3.0          # seconds, passed to the server through WHICHMODEL_QUERY_TIMEOUT
_SERVER: dict = {}
PREFIXES = """PREFIX wm: <https://w3id.org/whichmodel#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(build_dir: Path) -> str:
    port = _free_port()
    exe = Path(sys.executable).with_name("whichmodel")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "app.cli"]
    # the audit hook (tests/audit.py) runs in the server and its workers and logs any escape
    env = audit.subprocess_env(audit.register_log(build_dir / "serve-audit.jsonl"),
                               WHICHMODEL_BUILD_DIR=str(build_dir), WHICHMODEL_QUERY_TIMEOUT=str(QUERY_TIMEOUT),
                               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    log = open(build_dir / "serve.log", "w", encoding="utf-8")
    proc = subprocess.Popen(command + ["serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    _SERVER.update(proc=proc, log=log, log_path=build_dir / "serve.log")
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"whichmodel serve exited ({proc.returncode}):\n{_log()}")
        try:
            if httpx.get(url + "sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200 and \
                    httpx.get(url, timeout=5).status_code == 200:
                return url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    _stop()
    raise RuntimeError(f"whichmodel serve did not answer within 180 s:\n{_log()}")


def _log() -> str:
    path = _SERVER.get("log_path")
    return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path and path.exists() else ""


def _stop() -> None:
    proc = _SERVER.get("proc")
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if _SERVER.get("log"):
        _SERVER["log"].close()


@pytest.fixture(scope="session")
def live_server(built, build_dir) -> str:
    """The base URL of one `whichmodel serve` shared by the whole session (started on first use)."""
    if "url" not in _SERVER:
        _SERVER["url"] = _start(build_dir)
    yield _SERVER["url"]
    _stop()


@pytest.fixture(scope="session")
def endpoint(live_server) -> str:
    return live_server + "sparql"


def _wrapper(endpoint: str, query: str, fmt: str, method: str = "GET", direct: bool = False):
    from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper

    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method == "POST":
        sparql.setMethod(POST)
        if direct:
            sparql.setRequestMethod(POSTDIRECTLY)
    return sparql


def _families_query() -> str:
    return PREFIXES + "SELECT ?f ?label WHERE { ?f a wm:ModelFamily ; skos:prefLabel ?label } ORDER BY ?label"


def _count(endpoint: str) -> int:
    r = httpx.get(endpoint, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, timeout=30)
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# ------------------------------------------------------------------ formats
def test_negotiation_rules():
    from app.endpoint import GRAPH_OFFERS, RESULT_OFFERS, negotiate

    assert negotiate(None, RESULT_OFFERS) == "json" and negotiate("", GRAPH_OFFERS) == "turtle"
    assert negotiate("text/*", RESULT_OFFERS) == "csv"
    assert negotiate("application/sparql-results+json;q=0, application/json;q=0, */*;q=0.1", RESULT_OFFERS) == "xml"
    assert negotiate("text/turtle;q=0.2, application/ld+json", GRAPH_OFFERS) == "json-ld"
    assert negotiate("image/png", RESULT_OFFERS) is None and negotiate("text/csv", GRAPH_OFFERS) is None
    assert negotiate("text/csv;q=bogus, text/tab-separated-values", RESULT_OFFERS) == "tsv"


@pytest.mark.parametrize("method,direct", [("GET", False), ("POST", False), ("POST", True)])
def test_select_in_every_format(endpoint, method, direct):
    from SPARQLWrapper import CSV, JSON, TSV, XML

    query = _families_query()
    data = _wrapper(endpoint, query, JSON, method, direct).queryAndConvert()
    labels = [b["label"]["value"] for b in data["results"]["bindings"]]
    assert {"GAN", "VAE", "Diffusion"} <= set(labels) and labels == sorted(labels)
    xml = _wrapper(endpoint, query, XML, method, direct).queryAndConvert()
    assert sorted(n.firstChild.data for n in xml.getElementsByTagName("literal")) == sorted(labels)
    csv_text = _wrapper(endpoint, query, CSV, method, direct).queryAndConvert().decode("utf-8")
    assert csv_text.splitlines()[0] == "f,label" and len(csv_text.splitlines()) == len(labels) + 1
    tsv_text = _wrapper(endpoint, query, TSV, method, direct).queryAndConvert().decode("utf-8")
    assert tsv_text.splitlines()[0] == "?f\t?label" and '"GAN"' in tsv_text


def test_ask_and_graph_results(endpoint):
    from SPARQLWrapper import JSON, JSONLD, TURTLE, XML

    ask = PREFIXES + "ASK { ?f a wm:ModelFamily ; skos:prefLabel ?l FILTER (str(?l) = \"GAN\") }"
    assert _wrapper(endpoint, ask, JSON).queryAndConvert()["boolean"] is True
    assert "true" in _wrapper(endpoint, ask, XML).queryAndConvert().toxml()
    construct = PREFIXES + "CONSTRUCT { ?f skos:prefLabel ?l } WHERE { ?f a wm:ModelFamily ; skos:prefLabel ?l }"
    from rdflib import Graph
    turtle = _wrapper(endpoint, construct, TURTLE).queryAndConvert()
    graph = Graph().parse(data=turtle, format="turtle")
    assert len(graph) >= 8
    jsonld = _wrapper(endpoint, construct, JSONLD).queryAndConvert()
    assert len(jsonld) == len(graph)
    describe = httpx.get(endpoint, params={"query": "DESCRIBE <https://w3id.org/whichmodel/family/gan>"},
                         headers={"Accept": "application/ld+json"}, timeout=30)
    assert describe.status_code == 200 and describe.headers["content-type"].startswith("application/ld+json")
    json.loads(describe.text)


def test_content_negotiation_and_media_types(endpoint):
    q = {"query": _families_query()}
    cases = {"application/sparql-results+json": "application/sparql-results+json",
             "application/sparql-results+xml": "application/sparql-results+xml", "text/csv": "text/csv",
             "text/tab-separated-values": "text/tab-separated-values", "*/*": "application/sparql-results+json",
             "text/csv;q=0.5, application/sparql-results+xml": "application/sparql-results+xml"}
    for accept, media in cases.items():
        r = httpx.get(endpoint, params=q, headers={"Accept": accept}, timeout=30)
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media, accept
    assert httpx.get(endpoint, params=q, headers={"Accept": "image/png"}, timeout=30).status_code == 406
    construct = {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"}
    assert httpx.get(endpoint, params=construct, headers={"Accept": "text/csv"}, timeout=30).status_code == 406
    r = httpx.get(endpoint, params=construct, timeout=30)
    assert r.headers["content-type"].startswith("text/turtle")


def test_competency_query_matches_local_run(endpoint, graph):
    from kg.sparql import run_query

    text = (ROOT / "ontology" / "queries" / "02-conflicts.rq").read_text(encoding="utf-8")
    r = httpx.post(endpoint, content=text.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert r.status_code == 200 and r.headers["x-whichmodel-truncated"] == "false"
    assert len(r.json()["results"]["bindings"]) == len(run_query(graph, text).rows) > 0


def test_row_cap_is_signalled(endpoint):
    r = httpx.get(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=60)
    assert r.status_code == 200 and r.headers["x-whichmodel-truncated"] == "true"
    body = r.json()
    limit = int(r.headers["x-whichmodel-row-limit"])
    assert body["whichmodel"] == {"truncated": True, "limit": limit}
    assert len(body["results"]["bindings"]) == limit


# ------------------------------------------------------------------ hostile input
@pytest.mark.reliability
@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://example.org/sparql> { ?s ?q ?v } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE SILENT <http://127.0.0.1:1/> { ?s ?p ?o } } } } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
])
def test_remote_and_dataset_access_is_refused(endpoint, query):
    for response in (httpx.get(endpoint, params={"query": query}, timeout=30),
                     httpx.post(endpoint, data={"query": query}, timeout=30)):
        assert response.status_code == 403, response.text
        assert "refused" in response.text


@pytest.mark.reliability
def test_dataset_parameters_are_refused(endpoint):
    r = httpx.get(endpoint, params={"query": "ASK {}", "default-graph-uri": "file:///etc/passwd"}, timeout=30)
    assert r.status_code == 403


@pytest.mark.reliability
def test_updates_are_refused_and_the_graph_is_unchanged(endpoint):
    from urllib.error import HTTPError

    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    before = _count(endpoint)
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    responses = [httpx.get(endpoint, params={"query": insert}, timeout=30),
                 httpx.post(endpoint, data={"query": insert}, timeout=30),
                 httpx.post(endpoint, data={"update": insert}, timeout=30),
                 httpx.post(endpoint, content=insert, headers={"Content-Type": "application/sparql-query"}, timeout=30),
                 httpx.post(endpoint, content="DROP ALL", headers={"Content-Type": "application/sparql-update"},
                            timeout=30),
                 httpx.get(endpoint, params={"query": "LOAD <http://example.org/data.ttl>"}, timeout=30)]
    assert [r.status_code for r in responses] == [403] * len(responses)
    sparql = SPARQLWrapper(endpoint, updateEndpoint=endpoint)
    sparql.setMethod(POST)
    sparql.setQuery("DELETE WHERE { ?s ?p ?o }")
    sparql.setReturnFormat(JSON)
    with pytest.raises((SPARQLWrapperException, HTTPError)):
        sparql.query()
    assert _count(endpoint) == before
    ask = httpx.get(endpoint, params={"query": "ASK { <urn:x:a> ?p ?o }"}, timeout=30).json()
    assert ask["boolean"] is False


@pytest.mark.reliability
def test_syntax_errors_get_400_with_the_parser_message(endpoint):
    from SPARQLWrapper import JSON
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    r = httpx.get(endpoint, params={"query": "SELECT ?x WHERE { ?x ?y }"}, timeout=30)
    assert r.status_code == 400 and "SPARQL syntax error" in r.text and "line" in r.text
    with pytest.raises(QueryBadFormed):
        _wrapper(endpoint, "SELEC * WHERE { ?s ?p ?o }", JSON).query()
    assert httpx.get(endpoint, timeout=30).status_code == 400          # no query at all
    assert httpx.get(endpoint, params=[("query", "ASK {}"), ("query", "ASK {}")], timeout=30).status_code == 400


@pytest.mark.reliability
def test_unsupported_content_type_is_415(endpoint):
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "multipart/form-data; boundary=x"}, {}):
        r = httpx.post(endpoint, content=b"ASK {}", headers=headers, timeout=30)
        assert r.status_code == 415, headers


@pytest.mark.reliability
def test_oversized_bodies_are_413(endpoint):
    big = b"#" * 10_000_000
    r = httpx.post(endpoint, content=big, headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 413

    def chunks():                       # no Content-Length: the server must stop reading at its cap
        for _ in range(100):
            yield b"#" * 100_000
    r = httpx.post(endpoint, content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"},
                   timeout=60)
    assert r.status_code == 413
    assert httpx.get(endpoint, params={"query": "ASK {}"}, timeout=30).status_code == 200


@pytest.mark.reliability
def test_a_runaway_query_is_stopped_while_others_are_answered(endpoint):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    result: dict = {}

    def slow():
        start = time.monotonic()
        result["response"] = httpx.get(endpoint, params={"query": runaway}, timeout=60)
        result["seconds"] = time.monotonic() - start
    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    start = time.monotonic()
    quick = httpx.get(endpoint, params={"query": _families_query()}, timeout=30)
    assert quick.status_code == 200 and time.monotonic() - start < QUERY_TIMEOUT
    thread.join(60)
    assert result["response"].status_code == 503 and "time limit" in result["response"].text
    assert QUERY_TIMEOUT <= result["seconds"] < QUERY_TIMEOUT + 10
    deadline = time.monotonic() + 60                                   # the killed worker is replaced
    while time.monotonic() < deadline:
        responses = [httpx.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, timeout=30) for _ in range(4)]
        if all(r.status_code == 200 for r in responses):
            break
        time.sleep(0.5)
    assert all(r.status_code == 200 and r.json()["boolean"] for r in responses)
