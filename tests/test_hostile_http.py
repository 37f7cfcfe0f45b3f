"""Hostile HTTP against the live `whichmodel serve`: path traversal on Gradio's file routes, URL fetching,
cross-origin and DNS-rebinding requests, oversized, chunked and partial bodies, huge headers and parameter
floods. Every request gets a 4xx (or is answered harmlessly), nothing outside the served files leaks, the
server never reaches out or reads outside its roots (its audit log), and it keeps answering throughout.
Raw sockets carry the paths, so `..` and odd encodings reach the server exactly as written.
"""
from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from test_endpoint import ROOT, endpoint, live_server  # noqa: F401 - session fixtures

from tests import audit, tally

pytestmark = pytest.mark.reliability

PASSWD = b"root:x:0:0"
CANARY = b"whichmodel-canary-3f1c9e: this file must never be served"
SECRETS = (PASSWD, CANARY, b"[tool.pytest.ini_options]", b"claims:", b"@prefix", b"home = ", b"PATH=")


def raw(base: str, request: bytes, timeout: float = 30) -> tuple[int, dict, bytes]:
    """Send bytes as they are; (status, lower-cased headers, body) of the reply, read to the close."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def get(base: str, path: str, **headers: str) -> tuple[int, dict, bytes]:
    host = headers.pop("Host", urlsplit(base).netloc)
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    tally.record("hostile", "HTTP")
    return raw(base, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n".encode())


@pytest.fixture(scope="module", autouse=True)
def server_log(build_dir, live_server):
    """The live server's audit log and its length before this module; the last test checks it gained nothing."""
    path = build_dir / "serve-audit.jsonl"
    return path, len(audit.read_log(path))


@pytest.fixture(scope="module")
def canary(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("outside") / "canary.txt"
    path.write_bytes(CANARY)
    return path


def _alive(base: str) -> None:
    r = httpx.get(base + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert r.status_code == 200 and r.json()["boolean"] is True


# ------------------------------------------------------------------ files
def _traversals(canary: Path, build_dir: Path) -> list[str]:
    up = "../" * 12
    relative = Path("../" * 8 + str(canary).lstrip("/"))
    targets = ["/etc/passwd", str(canary), str(relative), "/proc/self/environ", str(ROOT / "pyproject.toml"),
               "pyproject.toml", "ontology/claims/000.yaml", str(ROOT / "ontology/claims/000.yaml"),
               str(build_dir / "graph.ttl"), str(ROOT / ".venv/pyvenv.cfg"), f"{up}etc/passwd"]
    paths = []
    for target in targets:
        paths += [f"/gradio_api/file={target}", f"/gradio_api/file={quote(target, safe='')}",
                  f"/gradio_api/file={quote(quote(target, safe=''), safe='')}", f"/gradio_api/file/{target}",
                  f"/file={target}"]
    paths += [f"/static/{up}etc/passwd", "/static/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
              "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml", f"/assets/{up}etc/passwd",
              "/assets/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd", "/assets/%2e%2e%2f%2e%2e%2fpyproject.toml",
              f"/sparql/{up}etc/passwd", "/sparql/..%2f..%2f..%2fetc%2fpasswd", f"/{up}etc/passwd",
              "/..%2f..%2f..%2f..%2fetc%2fpasswd", "//etc/passwd", "/gradio_api/file=..\\..\\..\\etc\\passwd",
              "/gradio_api/file=file:///etc/passwd", "/gradio_api/file=/etc/passwd%00.png",
              "/gradio_api/upload_progress?upload_id=../../etc/passwd", "/gradio_api/file=~/.bashrc"]
    return paths


def test_path_traversal_serves_nothing_outside(live_server, build_dir, canary):
    for path in _traversals(canary, build_dir):
        status, _headers, body = get(live_server, path)
        assert 400 <= status < 500 or (status == 200 and path.startswith("/gradio_api/upload_progress")), \
            (path, status, body[:200])
        assert not any(secret in body for secret in SECRETS), (path, body[:200])
    _alive(live_server)


def test_gradio_fetches_no_urls(live_server, server_log):
    """Gradio 6 streams http(s) URLs given to its file route (resolving the host first); the guard refuses
    any URL in a path, so nothing is resolved or fetched (the audit log would show it)."""
    for path in ("/gradio_api/file=http://example.com/x", "/gradio_api/file=https://example.org/a.png",
                 "/gradio_api/file=http://169.254.169.254/latest/meta-data/", "/gradio_api/file/http://example.com/",
                 "/gradio_api/file=%68ttp%3a%2f%2fexample.com%2fx", "/gradio_api/proxy=http://example.com/x",
                 "/gradio_api/file=HTTP://EXAMPLE.COM/x"):
        status, _headers, body = get(live_server, path)
        assert 400 <= status < 500, (path, status, body[:200])
    log, before = server_log
    assert [e["target"] for e in audit.read_log(log)[before:]] == []       # not even a DNS lookup


def test_run_history_is_off(live_server):
    """Gradio's run history can create a Hugging Face bucket with the host's saved token: switched off."""
    assert get(live_server, "/gradio_api/runs")[0] == 404
    r = httpx.post(live_server + "gradio_api/run-history/connect", json={"bucket_id": "someone/bucket"}, timeout=30)
    assert r.status_code in (404, 405)
    assert httpx.get(live_server + "config", timeout=30).json()["run_history"] is False
    tally.record("hostile", "HTTP", 2)


# ------------------------------------------------------------------ origins and hosts
def _state_changing(base: str, origin: str, **extra):
    headers = {"Origin": origin, **extra}
    join = {"data": ["Real-time image generation"], "fn_index": 0, "session_hash": "hostile0"}
    return [httpx.post(base + "sparql", data={"query": "ASK {}"}, headers=headers, timeout=30),
            httpx.post(base + "sparql", content=b"ASK {}", timeout=30,
                       headers={**headers, "Content-Type": "application/sparql-query"}),
            httpx.get(base + "sparql", params={"query": "ASK {}"}, headers=headers, timeout=30),
            httpx.post(base + "gradio_api/queue/join", json=join, headers=headers, timeout=30),
            httpx.post(base + "gradio_api/call/ask", json={"data": ["GAN or VAE?"]}, headers=headers, timeout=30),
            httpx.options(base + "gradio_api/queue/join", timeout=30,
                          headers={**headers, "Access-Control-Request-Method": "POST"})]


@pytest.mark.parametrize("origin", ["null", "http://evil.example", "http://127.0.0.1:1", "http://localhost:{port}",
                                    "https://127.0.0.1:{port}", "http://127.0.0.1:{port}.evil.example"])
def test_foreign_origins_are_refused(live_server, origin):
    origin = origin.format(port=urlsplit(live_server).port)
    for r in _state_changing(live_server, origin):
        tally.record("hostile", "HTTP")
        assert r.status_code == 403 and "cross-origin" in r.text, (r.request.url, r.status_code, r.text[:200])
        assert "access-control-allow-origin" not in r.headers


def test_same_origin_is_answered(live_server):
    origin = live_server.rstrip("/")
    sparql, direct, sparql_get, join, call, preflight = _state_changing(live_server, origin)
    assert [r.status_code for r in (sparql, direct, sparql_get, join, call, preflight)] == [200] * 6
    assert join.headers["access-control-allow-origin"] == origin


def test_foreign_host_header_is_refused(live_server):
    """DNS rebinding: a name resolving to 127.0.0.1 makes a page's requests same-origin for the browser, with
    that name in Host; only loopback names are answered."""
    port = urlsplit(live_server).port
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", f"[::2]:{port}"):
        status, _headers, body = get(live_server, "/sparql?query=ASK%7B%7D", Host=host)
        assert status == 403 and b"does not name this machine" in body, (host, status, body)
        status, _headers, _body = get(live_server, "/", Host=host, Origin=f"http://{host}")
        assert status == 403
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert get(live_server, "/sparql?query=ASK%7B%7D", Host=host)[0] == 200


# ------------------------------------------------------------------ bodies, headers, parameters
def test_oversized_bodies_are_413(live_server):
    big = b"a" * 20_000_000
    cases = [("sparql", big, "application/sparql-query"), ("sparql", b"ASK {} #" + b"x" * 500_000,
                                                            "application/sparql-query"),
             ("gradio_api/queue/join", big, "application/json"),
             ("gradio_api/upload", b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n"
              + big + b"\r\n--b--\r\n", "multipart/form-data; boundary=b")]
    for path, body, ctype in cases:
        r = httpx.post(live_server + path, content=body, headers={"Content-Type": ctype}, timeout=120)
        tally.record("hostile", "HTTP")
        assert r.status_code == 413, (path, len(body), r.status_code, r.text[:200])

    def chunks():                         # no Content-Length: the cap counts the bytes as they come
        for _ in range(200):
            yield b"a" * 100_000
    for path in ("gradio_api/queue/join", "sparql"):
        r = httpx.post(live_server + path, content=chunks(), headers={"Content-Type": "application/json"}, timeout=120)
        tally.record("hostile", "HTTP")
        assert r.status_code in (413, 415) and r.status_code == (415 if path == "sparql" else 413), (path, r.text)
    _alive(live_server)


def test_uploads_are_refused(live_server):
    r = httpx.post(live_server + "gradio_api/upload", files={"files": ("a.txt", b"hello")}, timeout=30)
    tally.record("hostile", "HTTP")
    assert r.status_code == 403 and "uploads are refused" in r.text


def test_partial_and_abandoned_requests(live_server):
    """Headers with half a body, headers cut short, and a body left hanging: each connection is dropped or
    left waiting, and other requests are answered meanwhile."""
    parts = urlsplit(live_server)
    head = (f"POST /sparql HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/sparql-query\r\n"
            "Content-Length: 5000\r\n\r\n").encode()
    for sent in (head + b"ASK { ?s ?p", head[:40], b"GET /sparql?query=ASK HTTP/1.1\r\nHost: " + b"x" * 300,
                 b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)), b"\r\n" * 1000):
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(sent)
        tally.record("hostile", "HTTP")
        _alive(live_server)
    hanging = [socket.create_connection((parts.hostname, parts.port), timeout=10) for _ in range(20)]
    try:
        for sock in hanging:
            sock.sendall(head + b"ASK")
        start = time.monotonic()
        _alive(live_server)
        assert httpx.get(live_server, timeout=30).status_code == 200
        assert time.monotonic() - start < 10
    finally:
        for sock in hanging:
            sock.close()
    tally.record("hostile", "HTTP", len(hanging))


def test_huge_header_and_parameter_floods(live_server):
    query = "ASK%7B%7D"
    status, _h, body = get(live_server, f"/sparql?query={query}", X_Padding="p" * 100_000)
    assert status in (200, 400, 413, 431) and (status == 200 or body)
    flood = "&".join(f"p{i}={i}" for i in range(10_000))
    assert get(live_server, f"/sparql?query={query}&{flood}")[0] in (200, 400, 414, 431)
    assert get(live_server, f"/sparql?{flood}&query={query}&query={query}")[0] == 400      # two queries
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = httpx.post(live_server + "sparql", content=f"query={query}&{flood}".encode(), headers=form, timeout=60)
    assert r.status_code == 413                                  # 10 000 fields: over the 100 KB cap
    half = "&".join(f"p{i}={i}" for i in range(5_000))
    r = httpx.post(live_server + "sparql", content=f"query={query}&{half}".encode(), headers=form, timeout=60)
    assert r.status_code == 200
    r = httpx.post(live_server + "sparql", content=("&".join(["query=ASK%7B%7D"] * 5_000)).encode(), headers=form,
                   timeout=60)
    assert r.status_code == 400 and "exactly one" in r.text
    for path in (f"/?{flood}", f"/gradio_api/info?{flood}", f"/x{'y' * 70_000}"):  # Gradio: 500 over 64 KB
        assert get(live_server, path)[0] == 414
    many_headers = "".join(f"X-H{i}: {i}\r\n" for i in range(2_000)).encode()
    host = urlsplit(live_server).netloc.encode()
    status, _h, _b = raw(live_server, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: " + host + b"\r\n"
                         + many_headers + b"Connection: close\r\n\r\n")
    assert status in (200, 400, 413, 431)
    tally.record("hostile", "HTTP", 4)
    _alive(live_server)


# ------------------------------------------------------------------ afterwards
def test_server_is_up_and_reached_nothing(live_server, endpoint, server_log):
    """Runs last: the server answers a real query and serves the chat, and its audit log gained nothing."""
    r = httpx.get(endpoint, params={"query": "PREFIX wm: <https://w3id.org/whichmodel#> "
                                             "SELECT ?f WHERE { ?f a wm:ModelFamily }"}, timeout=60)
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 8
    page = httpx.get(live_server, timeout=60)
    assert page.status_code == 200 and "<html" in page.text.lower()
    path, before = server_log
    assert audit.read_log(path)[before:] == [], "the server reached out or read outside its roots"
