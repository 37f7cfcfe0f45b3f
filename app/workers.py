"""SPARQL queries run in long-lived worker processes that hold the store, each query under a time limit.

A query that runs past the limit gets its worker killed and replaced (in the background) while the
other workers keep answering. Each worker's address space is capped (RLIMIT_AS,
$WHICHMODEL_WORKER_MEMORY_MB, default 2048), so a query that builds huge values fails with 503 instead of
exhausting the machine's memory, and its worker is replaced (Oxigraph aborts the process when an allocation
fails: that is a 503 too). The processes are what makes the limit hold: an Oxigraph query cannot be stopped
inside a process (pyoxigraph has no cancellation, and an alarm's handler never runs while it computes), and
the server's threads could not take an alarm anyway (benchmarks/sparql.py measures both the cost and this).
Each worker vets and runs the query (kg.sparql's guard refuses updates, SERVICE, LOAD and FROM before any
engine sees it) and serialises the result, so every step is timed.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from pathlib import Path

import kg
from app.http import status_of
from kg.errors import QueryError, QueryResources, StoreUnavailable
from kg.knowledge import KnowledgeBase
from kg.sparql import DEFAULT_ROW_LIMIT, serialise, vet

log = logging.getLogger("whichmodel.workers")

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_START_TIMEOUT = 300.0   # seconds for a worker to load the store (a 2M-triple graph on a busy 2-core machine)
KINDS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
OUT_OF_MEMORY = "query stopped: it needed more memory than it is allowed"


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


def execute(kb: KnowledgeBase, text: str, formats: dict[str, list[str]], limit: int) -> dict:
    """Vet, run and serialise one query, parsing it once. formats maps a query kind to the formats wanted
    (the first is the main one); an empty list means the client accepts nothing for that kind (406)."""
    try:
        vetted = vet(text)
        wanted = formats.get(vetted.kind) or []
        if not wanted:
            return {"status": 406, "kind": vetted.kind,
                    "message": f"no acceptable result format for a {vetted.kind} query"}
        result = kb.query(vetted, limit=limit)
        bodies = {fmt: serialise(result, fmt) for fmt in wanted}
    except (QueryError, StoreUnavailable) as exc:      # StoreUnavailable: a remote server failed us (502)
        reply = {"status": status_of(exc), "message": str(exc)}
        return dict(reply, recycle=True) if isinstance(exc, QueryResources) else reply
    except MemoryError:
        return {"status": 503, "message": OUT_OF_MEMORY, "recycle": True}
    except RecursionError:
        return {"status": 400, "message": "query nested too deeply"}
    except Exception as exc:
        return {"status": 500, "message": f"query failed: {type(exc).__name__}: {exc}"}
    return {"status": 200, "kind": vetted.kind, "bodies": bodies, "truncated": result.truncated,
            "limit": result.limit, "rows": len(result.rows)}


def limit_memory(megabytes: int | None) -> None:
    """Cap this process's address space (no-op when 0/None or where RLIMIT_AS does not exist)."""
    try:
        import resource
    except ImportError:
        return
    if not megabytes or not hasattr(resource, "RLIMIT_AS"):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))


def _worker_main(conn, build_dir: str | None, memory_mb: int | None = None, store: str | None = None) -> None:
    """A worker: cap its memory, load the store once, then answer jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is for the server, which stops us
    try:
        limit_memory(memory_mb)
        kb = kg.open(Path(build_dir), store=store) if build_dir else kg.open(store=store)
        triples = len(kb.store)
    except Exception as exc:
        conn.send({"ready": False, "message": str(exc)})
        return
    conn.send({"ready": True, "triples": triples})
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(execute(kb, job["query"], job["formats"], job["limit"]))


class _Worker:
    def __init__(self, ctx, build_dir: str | None, memory_mb: int | None = None, store: str | None = None):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, build_dir, memory_mb, store), daemon=True,
                                   name="whichmodel-sparql-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise RuntimeError(f"a SPARQL worker did not start within {timeout:g} s")
        try:
            hello = self.conn.recv()
        except (EOFError, OSError):
            hello = {"ready": False, "message": "it exited before it was ready"}
        if not hello.get("ready"):
            self.kill()
            raise RuntimeError(f"a SPARQL worker could not load the graph: {hello.get('message')}")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """A fixed number of worker processes; run() is blocking and thread-safe."""

    def __init__(self, size: int = 2, *, timeout: float | None = None, row_limit: int | None = None,
                 build_dir: Path | str | None = None, wait: float | None = None, start_timeout: float | None = None,
                 memory_mb: int | None = None, store: str | None = None):
        self.size = max(1, size)
        self.store = store
        self.timeout = timeout if timeout is not None else env_float("WHICHMODEL_QUERY_TIMEOUT", DEFAULT_TIMEOUT)
        self.row_limit = row_limit or int(env_float("WHICHMODEL_ROW_LIMIT", DEFAULT_ROW_LIMIT))
        self.memory_mb = memory_mb if memory_mb is not None else \
            int(env_float("WHICHMODEL_WORKER_MEMORY_MB", DEFAULT_MEMORY_MB))
        self.wait = wait if wait is not None else self.timeout + 5
        self.build_dir = str(build_dir) if build_dir else None
        self.start_timeout = start_timeout or env_float("WHICHMODEL_WORKER_START_TIMEOUT", DEFAULT_START_TIMEOUT)
        self._ctx = mp.get_context("spawn")     # never fork a process that runs threads
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._launched: list[_Worker] = []
        self.respawns = 0

    def launch(self) -> WorkerPool:
        """Start the worker processes without waiting for them to load (start() waits), so that they load
        while the caller does other work (the server imports its web stack meanwhile)."""
        if not self._launched:
            self._launched = [self._spawn() for _ in range(self.size)]
        return self

    def start(self) -> WorkerPool:
        workers, self._launched = self.launch()._launched, []
        for worker in workers:
            worker.wait_ready(self.start_timeout)
            self._idle.put(worker)
        return self

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.build_dir, self.memory_mb, self.store)
        with self._lock:
            self._all.add(worker)
        return worker

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker now; start its replacement in the background."""
        self._forget(worker)
        self.respawns += 1

        def respawn() -> None:
            delay = 0.5
            while not self._closed:
                try:
                    fresh = self._spawn()
                    fresh.wait_ready(self.start_timeout)
                except Exception as exc:
                    log.error("respawning a SPARQL worker failed: %s", exc)
                    time.sleep(delay)
                    delay = min(delay * 2, 30)
                    continue
                if self._closed:
                    self._forget(fresh)
                else:
                    self._idle.put(fresh)
                return
        threading.Thread(target=respawn, name="whichmodel-respawn", daemon=True).start()

    def run(self, text: str, formats: dict[str, list[str]], *, limit: int | None = None) -> dict:
        """The worker's reply: {status, kind, bodies, truncated, limit, rows} or {status, message}."""
        if self._closed:
            return {"status": 503, "message": "the query service is shutting down"}
        try:
            worker = self._idle.get(timeout=self.wait)
        except queue.Empty:
            return {"status": 503, "message": "all query workers are busy; try again shortly"}
        try:
            worker.conn.send({"query": text, "formats": formats, "limit": limit or self.row_limit})
            if worker.conn.poll(self.timeout):
                reply = worker.conn.recv()
                if reply.pop("recycle", False):      # it ran out of memory: start afresh
                    self._replace(worker)
                else:
                    self._idle.put(worker)
                return reply
        except (EOFError, OSError) as exc:
            self._replace(worker)
            if worker.process.exitcode == -signal.SIGABRT:   # Oxigraph (Rust) aborts when an allocation fails
                return {"status": 503, "message": OUT_OF_MEMORY}
            return {"status": 500, "message": f"the query worker failed ({type(exc).__name__}); try again"}
        self._replace(worker)
        return {"status": 503, "message": f"query stopped: it ran past the {self.timeout:g} s time limit"}

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
            worker.process.join(1)
            worker.kill()
