"""`whichmodel serve`: one server with the Gradio chat at / and the SPARQL 1.1 endpoint at /sparql.

Safe defaults: it binds 127.0.0.1, sends no analytics, makes no share link, queues chat events with a
concurrency limit and a maximum size, and runs SPARQL in time-limited worker processes. Every request
passes a guard (RequestGuard): bodies over MAX_REQUEST_BYTES get 413; cross-origin requests (an Origin
header naming another origin, or "null"), a non-loopback Host header on a loopback server (DNS
rebinding), file uploads (the app takes none) and Gradio's fetch-a-URL file route get 403; URLs over
MAX_URL_BYTES get 414 (Gradio's page answers 500 to URLs over 64 KB), except /sparql's. Gradio's run
history, which can connect to the Hugging Face Hub with the host's saved token, is switched off.
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import kg
from app.chat import build_ui
from app.endpoint import make_router
from app.graphtab import graph_tab
from app.querypage import page_router
from app.reviewtab import review_tab
from app.sparqltab import CSS as SPARQL_CSS
from app.sparqltab import sparql_tab
from app.workers import WorkerPool
from kg.errors import WhichModelError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
QUEUE_CONCURRENCY, QUEUE_MAX_SIZE = 2, 32
MAX_REQUEST_BYTES = 1_000_000          # any request body; /sparql has its own, smaller cap
UPLOAD_PATHS = ("/gradio_api/upload",)
MAX_URL_BYTES = 16_384                 # path and query string, except /sparql (GET queries, 413 over 100 KB)
CSS = """
#wm-chat { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0; }
.wm-log { display: flex; flex-direction: column; gap: 10px; padding: 8px; overflow-y: auto;
          overscroll-behavior: contain; min-height: 280px; max-height: min(640px, calc(100vh - 300px)); }
#wm-count { font-size: 0.85em; opacity: 0.8; text-align: right; margin: -8px 4px -8px 0; }
.wm-count.wm-over { color: #b91c1c; opacity: 1; font-weight: 600; }
.wm-sources li { margin: 6px 0; }
.wm-title { font-weight: 600; }
.wm-context { font-weight: 600; color: #7c5a00; }
.wm-close { display: none; }
.main.app { padding-left: var(--wm-side) !important; padding-right: var(--wm-side) !important;
            --wm-side: clamp(8px, calc(8px + (100vw - 390px) / 10), 32px); }  /* top level: Gradio keeps it unscoped */
.wm-graph-bar { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin-bottom: 4px; }
.wm-graph-bar button { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 2px 10px;
                       background: var(--background-fill-secondary); cursor: pointer; min-width: 2.2em; }
.wm-graph-hint { font-size: 0.85em; opacity: 0.7; }
.wm-graph-caption { margin: 4px 0; }
.wm-graph-legend { display: none; margin: 2px 0 6px; font-size: 0.85em; opacity: 0.8; }
@media (max-width: 640px) { .wm-graph-legend { display: block; } }
.wm-stage { position: relative; overflow: hidden; height: min(72vh, 760px); touch-action: none; cursor: grab;
            border: 1px solid var(--border-color-primary); border-radius: 8px; background: #fff; }
.wm-stage.wm-dragging { cursor: grabbing; }
.wm-stage img { position: absolute; left: 0; top: 0; max-width: none; max-height: none; transform-origin: 0 0;
                user-select: none; -webkit-user-drag: none; }
/* phones; ids make these win over the general rules below */
@media (max-width: 768px) {
  #wm-chat .html-container { padding: 0; }
  #wm-chat .wm-log { min-height: 200px; max-height: calc(100dvh - 300px); padding: 6px; }
  #wm-chat .wm-bubble { max-width: 100%; }
  #wm-chat .wm-bot .wm-bubble { flex: 1; }
  #wm-chat .wm-table { display: block; overflow-x: auto; font-size: 0.86em; }
  #wm-chat .wm-table th, #wm-chat .wm-table td { overflow-wrap: normal; padding: 3px 5px; }
  #wm-ask-row { flex-wrap: nowrap; }
  #wm-ask-row > * { min-width: 0 !important; }
  #wm-source .wm-source:not(.wm-empty):not(.wm-closed) { position: fixed; left: 0; right: 0; bottom: 0; z-index: 1000;
      max-height: 50dvh; overflow-y: auto; margin: 0; border-radius: 14px 14px 0 0;
      background: var(--background-fill-primary); box-shadow: 0 -4px 18px rgba(0, 0, 0, 0.3); }
  #wm-source .wm-passage { max-height: none; }
  #wm-source .wm-closed { display: none; }
  #wm-source .wm-close { display: block; float: right; font-size: 1.6em; line-height: 1; border: none; background: none;
              cursor: pointer; padding: 0 4px 4px 12px; }
}
.wm-msg { display: flex; }
.wm-user { justify-content: flex-end; }
.wm-bubble { max-width: 92%; padding: 8px 12px; border-radius: 10px; line-height: 1.5; overflow-wrap: anywhere; }
.wm-user .wm-bubble { background: var(--color-accent-soft); }
.wm-bot .wm-bubble { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.wm-bubble p { margin: 4px 0; }
.wm-h { font-weight: 600; font-size: 1.05em; margin-bottom: 4px; }
.wm-small { font-size: 0.85em; opacity: 0.8; margin-top: 4px; }
.wm-cite { border: none; background: none; padding: 0 1px; margin: 0; cursor: pointer; font: inherit;
           font-size: 0.8em; vertical-align: super; line-height: 1; color: var(--link-text-color, #2563eb); }
.wm-cite:hover, .wm-cite:focus { text-decoration: underline; }
.wm-cite.wm-active { background: #fde68a; color: #111; border-radius: 3px; }   /* as its quote's <mark> */
.wm-table { border-collapse: collapse; margin: 6px 0; font-size: 0.92em; }
.wm-table th, .wm-table td { border: 1px solid var(--border-color-primary); padding: 3px 8px; text-align: left; }
.wm-sources summary { cursor: pointer; font-size: 0.85em; opacity: 0.85; }
.wm-sources ol { font-size: 0.85em; padding-left: 1.2em; margin: 4px 0; list-style: none; }
.wm-doc { opacity: 0.75; }
.wm-care { color: #b45309; font-weight: 700; }     /* the ★ marker: what the question cares about, not a rating */
.wm-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px; min-height: 80px; }
.wm-empty { opacity: 0.7; }
.wm-source-title { font-weight: 600; }
.wm-source-meta { font-size: 0.85em; opacity: 0.8; margin: 2px 0 8px; overflow-wrap: anywhere; }
.wm-passage { white-space: pre-wrap; font-size: 0.92em; max-height: 420px; overflow-y: auto; line-height: 1.45; }
.wm-passage mark { background: #fde68a; color: #111; padding: 0 1px; border-radius: 2px; }
.wm-error { color: #b91c1c; white-space: pre-wrap; font-family: var(--font-mono); }
.wm-ok { opacity: 0.85; }
"""


def _loopback_name(host: str) -> bool:
    """Whether a host name (no port) can only mean this machine."""
    import ipaddress

    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(netloc: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(f"//{netloc}").hostname or ""
    except ValueError:
        return ""


def refusal(method: str, path: str, headers, *, local_only: bool, scheme: str = "http",
            url_bytes: int = 0) -> tuple[int, str] | None:
    """(status, why) when the guard refuses a request, or None to let it through. headers: a case-insensitive
    mapping; scheme: the request's own (an Origin must match it, the Host header and the port)."""
    if url_bytes > MAX_URL_BYTES and path.rstrip("/") != "/sparql":
        return 414, f"URL longer than {MAX_URL_BYTES} bytes"
    reason = _forbidden(method, path, headers, local_only=local_only, scheme=scheme)
    return (403, reason) if reason else None


def _forbidden(method: str, path: str, headers, *, local_only: bool, scheme: str) -> str | None:
    host = headers.get("host") or ""
    if local_only and host and not _loopback_name(_host_name(host)):
        return (f"Host {host!r} does not name this machine: this server only answers requests addressed to "
                "127.0.0.1 or localhost")
    origin = headers.get("origin")
    if origin is not None:
        origin_scheme, _, netloc = origin.strip().lower().partition("://")
        if origin_scheme != scheme or netloc.rstrip("/") != host.lower():
            return (f"cross-origin request refused: Origin {origin!r} is not this server ({host}); "
                    "pages from other origins may not use it")
    if "://" in path:
        return "this server fetches nothing from other servers: URLs in the path are refused"
    if method == "POST" and path.rstrip("/") in UPLOAD_PATHS:
        return "file uploads are refused: this app takes no files"
    return None


class RequestGuard:
    """ASGI middleware applying refusal() to every HTTP and WebSocket request."""
    def __init__(self, app, *, local_only: bool = True):
        self.app = app
        self.local_only = local_only

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        from starlette.datastructures import Headers

        scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme", "http"))
        url_bytes = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        refused = refusal(scope.get("method", "GET"), scope.get("path", ""), Headers(scope=scope),
                          local_only=self.local_only, scheme=scheme, url_bytes=url_bytes)
        if refused is None:
            return await self.app(scope, receive, send)
        status, reason = refused
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
        from starlette.responses import PlainTextResponse

        await PlainTextResponse(reason + "\n", status_code=status)(scope, receive, send)


def create_app(*, build_dir=None, workers: int = 2, timeout: float | None = None, row_limit: int | None = None,
               ui: bool = True, get_kb=None, url: str | None = None, local_only: bool = True,
               max_body: int = MAX_REQUEST_BYTES, pool: WorkerPool | None = None, store: str | None = None):
    """The FastAPI app: /sparql (the protocol router) first, then the Gradio Blocks mounted at /, all behind
    RequestGuard and a request-body cap. local_only: the server binds a loopback address. `pool`: the
    SPARQL workers, when the caller made (and perhaps launched) them already."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"       # before gradio is imported anywhere
    import asyncio
    import tempfile
    from contextlib import asynccontextmanager
    from functools import partial

    from fastapi import FastAPI


    pool = pool or WorkerPool(workers, timeout=timeout, row_limit=row_limit, build_dir=build_dir, store=store)

    @asynccontextmanager
    async def lifespan(_app):
        await asyncio.to_thread(pool.start)
        if url:
            print(f"whichmodel: chat at {url}  SPARQL endpoint at {url}sparql  (Ctrl-C stops)", flush=True)
        try:
            yield
        finally:
            await asyncio.to_thread(pool.close)

    app = FastAPI(title="whichmodel", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
                  max_body_size=max_body)
    app.add_middleware(RequestGuard, local_only=local_only)
    app.state.pool = pool
    app.include_router(make_router(lambda: pool))
    app.include_router(page_router())
    if ui:
        import gradio as gr

        get_kb = get_kb or kg.current
        out_dir = tempfile.mkdtemp(prefix="whichmodel-ui-")
        tabs = [("SPARQL", partial(sparql_tab, pool=pool, out_dir=out_dir)),
                ("Graph", partial(graph_tab, get_kb=get_kb, out_dir=out_dir)), ("Review", review_tab)]
        blocks = build_ui(get_kb, tabs)
        blocks.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
        gr.mount_gradio_app(app, blocks, path="/", css=CSS + SPARQL_CSS, ssr_mode=False,
                            footer_links=["api", "settings"], run_history=False)
    return app


def _check_port(host: str, port: int) -> None:
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        raise WhichModelError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _load_app(kb, url: str, *, timeout: float | None, local_only: bool, store: str | None = None):
    """The app, with three things loading at once (benchmarks/coldstart.py): the SPARQL workers in their
    processes, the recommender (its encoder, on onnxruntime) in a thread, and the web stack (gradio) here."""
    pool = WorkerPool(2, timeout=timeout, build_dir=kb.folder, store=store).launch()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="whichmodel-warm") as warm:
            warming = warm.submit(kb.recommend, "image generation with little data")
            app = create_app(build_dir=kb.folder, timeout=timeout, get_kb=(lambda: kb) if store else kg.current,
                             url=url, local_only=local_only, pool=pool, store=store)
            warming.result()            # an unusable model is one clear error, as before
    except BaseException:
        pool.close()
        raise
    return app


def run_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, timeout: float | None = None,
               store: str | None = None) -> int:
    """Build the graph if stale, warm the recommender, then serve until interrupted. store: the SPARQL engine,
    or a remote server's query URL (then the chat's graph is read from it too)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    _check_port(host, port)
    kb = kg.open(store=store) if store else kg.current()     # built first when missing or stale
    print("whichmodel: loading the recommender…", file=sys.stderr, flush=True)
    if host in ("0.0.0.0", "::"):
        print(f"whichmodel: warning: listening on all interfaces ({host}); anyone on the network can use it",
              file=sys.stderr)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"
    app = _load_app(kb, url, timeout=timeout, local_only=_loopback_name(host), store=store)
    import logging

    import uvicorn
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", limit_concurrency=100,
                            timeout_graceful_shutdown=3, server_header=False)
    logging.getLogger("uvicorn.error").addFilter(_quiet_cancelled)
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    print("whichmodel: stopped", file=sys.stderr)
    return 0


def _quiet_cancelled(record) -> bool:
    """Open streams (the chat's event stream) cancelled at shutdown are expected, not errors."""
    import asyncio
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, asyncio.CancelledError) and "graceful shutdown exceeded" not in record.getMessage()


def register_serve(sub) -> None:
    p = sub.add_parser("serve", help="serve the chat (at /) and the SPARQL endpoint (at /sparql)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"interface to bind (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--query-timeout", type=float, default=None, metavar="SECONDS",
                   help="SPARQL time limit per query (default: $WHICHMODEL_QUERY_TIMEOUT or 10)")
    p.add_argument("--store", default=None, metavar="ENGINE_OR_URL",
                   help="oxigraph, rdflib, or the query URL of a SPARQL 1.1 server holding a published build")
    p.set_defaults(run=lambda args: run_server(args.host, args.port, timeout=args.query_timeout, store=args.store))
