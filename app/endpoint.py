"""The SPARQL 1.1 Protocol endpoint at /sparql: read-only, offline, time-limited, capped.

GET ?query=… and POST (application/x-www-form-urlencoded or application/sparql-query). Results are
negotiated from Accept: SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle or
JSON-LD. Updates get 403 (and never reach the graph); SERVICE, LOAD and FROM are refused before
anything runs; a query past the time limit gets 503; a cut result says so in the
X-Whichmodel-Truncated header (and, in JSON, a `whichmodel` member).
"""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request  # module level: FastAPI resolves the routes' `request: Request`

from kg import paths
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
    from fastapi.responses import PlainTextResponse, Response
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


UI_FORMATS = {"SELECT": ["json", "csv"], "ASK": ["json", "csv"], "CONSTRUCT": ["turtle", "json-ld"],
              "DESCRIBE": ["turtle", "json-ld"]}


def run_for_ui(pool, text: str, out_dir, *, shown: int = 500) -> dict:
    """Run a query for the SPARQL tab: {headers, rows, status, csv, json} or {error}. The table shows at
    most `shown` rows; the CSV and JSON downloads hold every row the endpoint returned."""
    import csv
    import io
    import json
    import uuid
    from pathlib import Path

    reply = pool.run(text, UI_FORMATS)
    if reply["status"] != 200:
        return {"error": f"{reply['status']}: {reply.get('message', 'query failed')}"}
    kind, bodies = reply["kind"], reply["bodies"]
    if kind in ("SELECT", "ASK"):
        doc = json.loads(bodies["json"])
        if kind == "ASK":
            headers, rows = ["boolean"], [["true" if doc["boolean"] else "false"]]
        else:
            headers = doc["head"]["vars"]
            rows = [[b.get(v, {}).get("value", "") for v in headers] for b in doc["results"]["bindings"]]
        csv_text, json_text = bodies["csv"], bodies["json"]
    else:
        from rdflib import Graph

        graph = Graph().parse(data=bodies["turtle"], format="turtle")
        headers = ["subject", "predicate", "object"]
        rows = sorted([str(s), str(p), str(o)] for s, p, o in graph)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        csv_text, json_text = buf.getvalue(), bodies["json-ld"]
    stem = Path(out_dir) / f"results-{uuid.uuid4().hex[:8]}"
    stem.with_suffix(".csv").write_text(csv_text, encoding="utf-8")
    stem.with_suffix(".json").write_text(json_text, encoding="utf-8")
    status = f"{kind}: {len(rows)} row{'s' if len(rows) != 1 else ''}"
    if reply.get("truncated"):
        status += f" (cut at the {reply['limit']}-row cap)"
    if len(rows) > shown:
        status += f"; the table shows the first {shown}, the downloads hold all"
    return {"headers": headers, "rows": rows[:shown], "status": status,
            "csv": str(stem.with_suffix(".csv")), "json": str(stem.with_suffix(".json"))}


def competency_queries() -> list[tuple[str, str, str]]:
    """(name, first comment line, text) of each ontology/queries/*.rq."""
    out = []
    for path in sorted(paths.queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), "")
        out.append((path.stem, first, text))
    return out


def sparql_tab(gr, tab, state, *, pool, out_dir) -> None:
    """The SPARQL tab: an editor preloaded with the competency queries, run, results, errors, downloads."""
    import html

    queries = competency_queries()
    texts = {name: text for name, _, text in queries}
    first = queries[0][0] if queries else None
    with gr.Row():
        choose = gr.Dropdown([(f"{name}: {about}" if about else name, name) for name, about, _ in queries],
                             value=first, label="Competency queries", scale=4)
        run = gr.Button("Run", variant="primary", scale=1, elem_id="wm-sparql-run")
    editor = gr.Code(texts.get(first, "SELECT * WHERE { ?s ?p ?o } LIMIT 10"), language="sql", lines=12,
                     label="Query (SPARQL 1.1, read-only)", interactive=True, elem_id="wm-sparql-editor")
    status = gr.HTML(elem_id="wm-sparql-status")
    table = gr.Dataframe(label="Results", interactive=False, wrap=True, max_height=480)
    with gr.Row():
        csv_file = gr.File(label="Download CSV", interactive=False)
        json_file = gr.File(label="Download JSON", interactive=False)

    def on_run(text):
        import pandas as pd

        out = run_for_ui(pool, text or "", out_dir)
        if "error" in out:
            return f'<div class="wm-error">{html.escape(out["error"])}</div>', pd.DataFrame(), None, None
        return (f'<div class="wm-ok">{html.escape(out["status"])}</div>',
                pd.DataFrame(out["rows"], columns=out["headers"]), out["csv"], out["json"])

    choose.change(lambda name: texts.get(name, ""), choose, editor, api_visibility="private")
    run.click(on_run, editor, [status, table, csv_file, json_file], api_name="sparql")
