"""The SPARQL 1.1 Protocol endpoint at /sparql: read-only, offline, time-limited, capped.

GET ?query=… and POST (application/x-www-form-urlencoded or application/sparql-query). Results are
negotiated from Accept: SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle or
JSON-LD. Updates get 403 (and never reach the graph); SERVICE, LOAD and FROM are refused before
anything runs; a query past the time limit gets 503; a cut result says so in the
X-Whichmodel-Truncated header (and, in JSON, a `whichmodel` member). A browser (text/html in Accept) opening
/sparql without a query gets the query page (app.querypage) instead of the 400.
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request  # module level: FastAPI resolves the routes' `request: Request`

from app import querypage
from kg.errors import ProtocolError
from kg.formats import FORMATS

MAX_BODY_BYTES = 100_000
# Offers in the server's order of preference: (media type, format), from the one format table.
RESULT_OFFERS = FORMATS.offers("results")
GRAPH_OFFERS = FORMATS.offers("graph")
QUERY_TYPES = ("application/x-www-form-urlencoded", "application/sparql-query")
UPDATE_REFUSED = "updates are refused: this endpoint is read-only and the graph was not changed"
DATASET_REFUSED = ("default-graph-uri / named-graph-uri are refused: queries may only read the built graph")
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")   # the update protocol's parameters


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """(media range, q) pairs from an Accept header; an absent header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        out.append((media, q))
    return out


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range matching media (0 when none does)."""
    major = media.split("/")[0]
    best, specificity = 0.0, -1
    for rng, q in ranges:
        level = 2 if rng == media else 1 if rng == f"{major}/*" else 0 if rng == "*/*" else -1
        if level > specificity:
            best, specificity = q, level
    return best if specificity >= 0 else 0.0


def negotiate(header: str | None, offers: list[tuple[str, str]]) -> str | None:
    """The format of the best acceptable offer (server order breaks ties), or None."""
    ranges = parse_accept(header)
    best, best_q = None, 0.0
    for media, fmt in offers:
        q = _quality(media, ranges)
        if q > best_q:
            best, best_q = fmt, q
    return best


def formats_for(accept: str | None) -> dict[str, list[str]]:
    result, graph = negotiate(accept, RESULT_OFFERS), negotiate(accept, GRAPH_OFFERS)
    return {"SELECT": [result] if result else [], "ASK": [result] if result else [],
            "CONSTRUCT": [graph] if graph else [], "DESCRIBE": [graph] if graph else []}


def _supported() -> str:
    return ", ".join(sorted({m for m, _ in RESULT_OFFERS + GRAPH_OFFERS}))


async def read_capped(request, cap: int = MAX_BODY_BYTES) -> bytes:
    """The request body, reading no more than cap bytes (413 beyond it)."""
    length = request.headers.get("content-length")
    if length and length.strip().isdigit() and int(length) > cap:
        raise ProtocolError(413, f"request body larger than {cap} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise ProtocolError(413, f"request body larger than {cap} bytes")
    return bytes(body)


def _single(values: list[str] | None, name: str) -> str | None:
    if not values:
        return None
    if len(values) > 1:
        raise ProtocolError(400, f"give exactly one `{name}` parameter")
    return values[0]


def _refuse_parameters(params: dict[str, list[str]]) -> None:
    if any(name in params for name in UPDATE_PARAMS):
        raise ProtocolError(403, UPDATE_REFUSED)
    if any(name in params for name in DATASET_PARAMS):
        raise ProtocolError(403, DATASET_REFUSED)


def query_from(method: str, params: dict[str, list[str]], content_type: str, body: bytes | None) -> str:
    """The query text of a request, or ProtocolError (400/403/415). Dataset and update parameters are
    refused wherever they appear (URL or form body), even when empty."""
    _refuse_parameters(params)
    if method == "GET":
        query = _single(params.get("query"), "query")
        if query is None:
            raise ProtocolError(400, "missing `query` parameter (e.g. /sparql?query=ASK%7B%7D)")
        return query
    if content_type == "application/sparql-query":
        try:
            return (body or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "the query is not valid UTF-8") from None
    try:
        form = parse_qs((body or b"").decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ProtocolError(400, "the form body is not valid UTF-8") from None
    _refuse_parameters(form)
    query = _single(form.get("query"), "query")
    if query is None:
        raise ProtocolError(400, "missing `query` field in the form body")
    return query


def make_router(get_pool: Callable, *, max_body: int = MAX_BODY_BYTES):
    """The /sparql routes; get_pool() returns the running app.workers.WorkerPool."""
    from fastapi import APIRouter
    from fastapi.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.concurrency import run_in_threadpool

    router = APIRouter()

    def error(status: int, message: str, **headers: str) -> Response:
        return PlainTextResponse(message + "\n", status_code=status, headers=headers or None)

    async def answer(request: Request, query: str) -> Response:
        formats = formats_for(request.headers.get("accept"))
        if not any(formats.values()):
            return error(406, f"none of the Accept types is supported; use one of: {_supported()}")
        reply = await run_in_threadpool(get_pool().run, query, formats)
        if reply["status"] != 200:
            return error(reply["status"], reply.get("message", "query failed"))
        fmt, body = next(iter(reply["bodies"].items()))
        headers = {"Vary": "Accept", "X-Whichmodel-Query-Type": reply["kind"]}
        if reply["kind"] == "SELECT":
            headers["X-Whichmodel-Truncated"] = "true" if reply["truncated"] else "false"
            headers["X-Whichmodel-Row-Limit"] = str(reply["limit"])
        return Response(body, media_type=f"{FORMATS.get(fmt).media_type}; charset=utf-8", headers=headers)

    @router.get("/sparql")
    async def sparql_get(request: Request):
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        if not params and querypage.wants_html(request.headers.get("accept")):     # a browser: the query page
            return HTMLResponse(querypage.page())
        try:
            query = query_from("GET", params, "", None)
        except ProtocolError as exc:
            return error(exc.status, exc.message)
        return await answer(request, query)

    @router.post("/sparql")
    async def sparql_post(request: Request):
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if content_type == "application/sparql-update":
                raise ProtocolError(403, UPDATE_REFUSED)
            if content_type not in QUERY_TYPES:
                raise ProtocolError(415, f"unsupported Content-Type {content_type or '(none)'!r}; "
                                         f"use {' or '.join(QUERY_TYPES)}")
            body = await read_capped(request, max_body)
            query = query_from("POST", params, content_type, body)
        except ProtocolError as exc:
            extra = {"Connection": "close"} if exc.status == 413 else {}
            return error(exc.status, exc.message, **extra)
        return await answer(request, query)

    return router
