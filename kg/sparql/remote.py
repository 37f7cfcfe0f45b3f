"""A remote SPARQL 1.1 server as a store, and publishing a build to one, over the standard protocols only.

    store = RemoteStore("http://127.0.0.1:7878/query")    # SPARQL 1.1 Protocol: queries (POST, form-encoded)
    publish(folder, "http://127.0.0.1:7878/store")       # SPARQL 1.1 Graph Store Protocol: PUT per named graph

The server must read its default graph as the union of its named graphs (Oxigraph: `serve
--union-default-graph`; Fuseki: `tdb2:unionDefaultGraph true`; Virtuoso and QLever do by default), because
the build keeps every triple in a named graph (kg.graph.quads). Credentials come from the URL
(http://user:password@host/…, sent as HTTP Basic) or from $WHICHMODEL_STORE_TOKEN (sent as a Bearer token);
they are never printed. Every failure to reach or use the server (a bad URL, the server down, refused
credentials, a timeout, an error reply) is one StoreUnavailable naming the server without credentials.

A publish replaces graph by graph: it first deletes the derived graph (kg.graph.quads.DERIVED_GRAPH), then
PUTs every document's graph and the vocabulary's, and the derived graph last. A RemoteStore refuses a server
without the derived graph, so a publish that stopped part way is never queried as if complete; running the
publish again replaces every graph and completes it.
"""
from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import QueryError, StoreUnavailable
from kg.graph.quads import DERIVED_GRAPH
from kg.graph.store import GRAPH_NQ, read_output
from kg.ontology.namespaces import bind_prefixes
from kg.paths import is_url
from kg.sparql.engine import QueryResult
from kg.sparql.guard import VettedQuery

TOKEN_ENV = "WHICHMODEL_STORE_TOKEN"
TIMEOUT_ENV = "WHICHMODEL_STORE_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


class Server:
    """One HTTP endpoint: the URL without credentials (shown in errors), and the headers that carry them."""

    def __init__(self, url: str, timeout: float | None = None):
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreUnavailable(f"not an http(s) URL of a SPARQL server: {_shown(url)}")
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        try:
            port = parts.port
        except ValueError:
            raise StoreUnavailable(f"bad port in the SPARQL server URL {_shown(url)}") from None
        netloc += f":{port}" if port else ""
        self.url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        self.headers: dict[str, str] = {}
        if parts.username is not None:
            pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif os.environ.get(TOKEN_ENV):
            self.headers["Authorization"] = f"Bearer {os.environ[TOKEN_ENV]}"
        self.timeout = timeout or float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)

    def request(self, method: str, *, params: dict | None = None, body: bytes | None = None,
                content_type: str | None = None, accept: str | None = None, missing_ok: bool = False) -> bytes:
        """The reply's body; StoreUnavailable for anything but a 2xx reply (or a 404 when missing_ok)."""
        url = self.url
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return reply.read()
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return b""
            raise StoreUnavailable(self._refused(exc.code, exc.read(2000))) from None
        except (TimeoutError, OSError, ValueError, urllib.error.URLError) as exc:
            raise StoreUnavailable(self._unreachable(exc)) from None

    def _refused(self, code: int, detail: bytes) -> str:
        if code in (401, 403):
            return f"the SPARQL server {self.url} refused the credentials (HTTP {code}); give them in the URL " \
                   f"(http://user:password@host/…) or in ${TOKEN_ENV}"
        text = " ".join(detail.decode("utf-8", "replace").split())[:300]
        return f"the SPARQL server {self.url} answered HTTP {code}" + (f": {text}" if text else "")

    def _unreachable(self, exc: Exception) -> str:
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return f"the SPARQL server {self.url} did not answer within {self.timeout:g} s"
        return f"cannot reach the SPARQL server {self.url}: {getattr(reason, 'strerror', None) or reason}"


def _shown(url: str) -> str:
    """A URL with any password replaced, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is not None:
            return url.replace(f":{parts.password}@", ":***@", 1)
    except ValueError:
        pass
    return url


def term(binding: dict):
    """The rdflib term of one SPARQL JSON results binding."""
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang, datatype = binding.get("xml:lang"), binding.get("datatype")
        if lang:
            return Literal(value, lang=lang)
        return Literal(value, datatype=URIRef(datatype)) if datatype and datatype != _XSD_STRING else Literal(value)
    raise QueryError(f"query failed: the server returned a term whichmodel does not read ({kind})")


class RemoteStore:
    """A SPARQL 1.1 query endpoint holding a published build."""
    name = "remote"

    def __init__(self, url: str, *, timeout: float | None = None, check: bool = True):
        self.server = Server(url, timeout)
        self.url = self.server.url
        if check and not self._complete():
            raise StoreUnavailable(f"the SPARQL server {self.url} holds no complete whichmodel build (no "
                                   f"<{DERIVED_GRAPH}> graph: a publish stopped part way, or none ran); "
                                   "run `whichmodel publish --to GRAPH_STORE_URL` again")

    def _complete(self) -> bool:
        return bool(self._post(f"ASK {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }}", RESULTS_JSON).get("boolean"))

    def _post(self, text: str, accept: str):
        body = urllib.parse.urlencode({"query": text}).encode()
        data = self.server.request("POST", body=body, accept=accept,
                                   content_type="application/x-www-form-urlencoded")
        if accept == NTRIPLES:
            return data
        try:
            return json.loads(data)
        except ValueError:
            raise StoreUnavailable(f"the SPARQL server {self.url} did not reply with SPARQL JSON results") from None

    def run(self, vetted: VettedQuery, limit: int) -> QueryResult:
        if vetted.kind in ("CONSTRUCT", "DESCRIBE"):
            graph = Graph()
            bind_prefixes(graph)
            graph.parse(data=self._post(vetted.text, NTRIPLES), format="nt")
            return QueryResult(vetted.kind, graph=graph, limit=limit)
        doc = self._post(vetted.text, RESULTS_JSON)
        if "boolean" in doc:
            return QueryResult("ASK", boolean=bool(doc["boolean"]), limit=limit)
        variables = list(doc.get("head", {}).get("vars", []))
        bindings = doc.get("results", {}).get("bindings", [])
        rows = [{name: term(value) for name, value in row.items()} for row in bindings[:limit]]
        return QueryResult("SELECT", variables, rows, truncated=len(bindings) > limit, limit=limit)

    def graph(self) -> Graph:
        """Every triple the server holds for the build (the union of its graphs)."""
        graph = Graph()
        bind_prefixes(graph)
        graph.parse(data=self._post("CONSTRUCT WHERE { ?s ?p ?o }", NTRIPLES), format="nt")
        return graph

    def __len__(self) -> int:
        doc = self._post("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", RESULTS_JSON)
        return int(doc["results"]["bindings"][0]["n"]["value"])


def graphs_of(nquads: bytes) -> dict[str, bytes]:
    """N-Triples bytes per graph IRI of sorted N-Quads (the graph is the last term of each line)."""
    out: dict[str, list[bytes]] = {}
    for line in nquads.splitlines():
        head, _, name = line.rstrip().removesuffix(b" .").rpartition(b" ")
        if head:
            out.setdefault(name.strip(b"<>").decode(), []).append(head + b" .\n")
    return {name: b"".join(lines) for name, lines in out.items()}


def publish(folder: Path, url: str, *, timeout: float | None = None, tell=None) -> dict[str, int]:
    """Upload the build in folder to a Graph Store Protocol endpoint, one named graph per document, each PUT
    replacing the graph there; the derived graph is deleted first and put last (see the module's docstring).
    Returns the triples per graph. Raises StoreUnavailable (what is on the server then: see above)."""
    server = Server(url, timeout)
    graphs = graphs_of(read_output(GRAPH_NQ, folder))
    derived = str(DERIVED_GRAPH)
    counts = {name: data.count(b"\n") for name, data in graphs.items()}
    server.request("DELETE", params={"graph": derived}, missing_ok=True)     # 404: a first publish
    for name in sorted(graphs, key=lambda g: g == derived):
        if tell:
            tell(f"PUT <{name}> ({counts[name]} triples)")
        server.request("PUT", params={"graph": name}, body=graphs[name], content_type=NTRIPLES)
    return counts


__all__ = ["RemoteStore", "Server", "publish", "graphs_of", "is_url", "term", "TOKEN_ENV", "TIMEOUT_ENV"]
