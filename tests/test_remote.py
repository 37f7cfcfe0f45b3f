"""A remote SPARQL 1.1 server: `whichmodel publish` and `--store URL`, end to end against a real Oxigraph server
(the `oxigraph` PyPI package's binary, started here), and the one error for every way the server can fail."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from kg import paths
from kg.errors import StoreUnavailable
from kg.graph.quads import DERIVED_GRAPH
from kg.sparql import run_query
from kg.sparql.remote import RemoteStore, publish
from tests.test_queries import _canonical


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _oxigraph() -> str:
    exe = Path(sys.executable).with_name("oxigraph")
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    assert found, "the `oxigraph` server binary is missing: pip install -e '.[test]' installs it"
    return found


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """The base URL of a real Oxigraph server (on disk, default graph = union of the named graphs)."""
    port, folder = _free_port(), tmp_path_factory.mktemp("oxigraph")
    log = open(folder / "server.log", "wb")
    proc = subprocess.Popen([_oxigraph(), "serve", "--location", str(folder / "data"), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError((folder / "server.log").read_text())
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def published(oxigraph_server, built, build_dir) -> str:
    """The query URL of the Oxigraph server holding the session's build."""
    publish(build_dir, f"{oxigraph_server}/store")
    return f"{oxigraph_server}/query"


def test_competency_queries_read_the_same_on_the_server(published, stores):
    remote = RemoteStore(published)
    assert len(remote) == len(stores["oxigraph"])
    for path in sorted(paths.queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        assert _canonical(run_query(remote, text)) == _canonical(run_query(stores["oxigraph"], text)), path.name


def test_named_graphs_on_the_server(published, docs):
    rows = run_query(RemoteStore(published), "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    names = {str(r["g"]) for r in rows}
    assert {f"https://w3id.org/whichmodel/doc/{d}" for d in docs} <= names and str(DERIVED_GRAPH) in names


def test_publish_again_replaces(published, oxigraph_server, build_dir, stores):
    counts = publish(build_dir, f"{oxigraph_server}/store")
    assert sum(counts.values()) == len(RemoteStore(published)) == len(stores["oxigraph"])


def test_a_half_publish_is_refused_until_published_again(published, oxigraph_server, build_dir):
    """A publish that stopped part way (the derived graph, put last, missing) is refused; a re-run fixes it."""
    httpx.delete(f"{oxigraph_server}/store", params={"graph": str(DERIVED_GRAPH)}).raise_for_status()
    with pytest.raises(StoreUnavailable, match="no complete whichmodel build.*publish --to"):
        RemoteStore(published)
    publish(build_dir, f"{oxigraph_server}/store")
    assert RemoteStore(published).run  # opens again


def test_cli_publish_sparql_and_ask_on_the_server(cli, published, oxigraph_server):
    code, out, err = cli("publish", "--to", f"{oxigraph_server}/store")
    assert code == 0 and "named graphs" in out, err
    code, out, err = cli("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--store", published,
                         "--format", "csv")
    assert code == 0 and int(out.split()[1]) > 10_000, err
    code, out, err = cli("sparql", "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", "--store", published)
    assert code == 1 and "SERVICE is refused" in err       # the guard still vets first


def test_ask_reads_the_graph_from_the_server(published, knowledge, build_dir):
    import kg

    remote = kg.open(build_dir, store=published)
    question = "Real-time image generation for a mobile game, latency is critical"
    assert len(remote.graph) == len(knowledge.graph)
    local, there = knowledge.recommend(question), remote.recommend(question)
    assert [r.family for r in there.recommendations] == [r.family for r in local.recommendations]


def test_endpoint_workers_query_the_server(published, build_dir):
    from app.workers import WorkerPool

    pool = WorkerPool(1, build_dir=build_dir, store=published, timeout=20).start()
    try:
        reply = pool.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"SELECT": ["csv"]})
    finally:
        pool.close()
    assert reply["status"] == 200 and int(reply["bodies"]["csv"].split()[1]) > 10_000


def test_endpoint_answers_502_when_the_server_fails(build_dir, refusing_server):
    import kg
    from app.workers import execute

    kb = kg.open(build_dir, store=f"{refusing_server}/query")
    reply = execute(kb, "ASK {}", {"ASK": ["json"]}, 10)
    assert reply["status"] == 502 and "refused the credentials" in reply["message"]


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="x"')
        self.end_headers()

    do_PUT = do_DELETE = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.mark.parametrize("case", ["bad-url", "down", "401", "timeout", "not-sparql"])
def test_every_failure_is_one_clear_error(case, cli, build_dir, refusing_server, silent_server, monkeypatch):
    urls = {"bad-url": "http://", "down": f"http://127.0.0.1:{_free_port()}/query",
            "401": f"http://me:secret@{refusing_server[7:]}/query", "timeout": f"{silent_server}/query",
            "not-sparql": "http://127.0.0.1:1:2/query"}
    expected = {"bad-url": "not an http(s) URL", "down": "cannot reach", "401": "refused the credentials",
                "timeout": "did not answer within 1 s", "not-sparql": "bad port"}
    monkeypatch.setenv("WHICHMODEL_STORE_TIMEOUT", "1")
    for argv in (("sparql", "ASK {}", "--store", urls[case]), ("publish", "--to", urls[case])):
        code, out, err = cli(*argv)
        lines = err.strip().splitlines()
        assert code == 1 and expected[case] in lines[-1] and lines[-1].startswith("whichmodel: error:"), err
        assert "secret" not in err and "Traceback" not in err
