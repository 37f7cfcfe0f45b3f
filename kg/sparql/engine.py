"""Running vetted queries on a store (kg.sparql.backends) or an rdflib graph: capped rows, errors as
QueryErrors, a time limit."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.term import Node

from kg.errors import QueryError, QueryResources, QueryTimeout
from kg.sparql.guard import TOO_DEEP, VettedQuery, vet

DEFAULT_ROW_LIMIT = 10_000


@dataclass
class QueryResult:
    kind: str                         # SELECT | ASK | CONSTRUCT | DESCRIBE
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False
    limit: int = DEFAULT_ROW_LIMIT


def run_query(store, query: str | VettedQuery, *, limit: int = DEFAULT_ROW_LIMIT) -> QueryResult:
    """Vet (unless already vetted) and run a query on a store (anything with `run(vetted, limit)`, see
    kg.sparql.backends) or an rdflib graph, returning at most `limit` rows (truncation
    is flagged). Every failure a query can cause, at parse time or while its rows are produced, is a
    QueryError (QueryResources when it ran out of memory)."""
    import rdflib.plugins.sparql as sparql_plugin

    vetted = query if isinstance(query, VettedQuery) else vet(query)
    sparql_plugin.SPARQL_LOAD_GRAPHS = False     # rdflib's documented switch: never fetch a graph a query names
    try:
        if hasattr(store, "run"):
            return store.run(vetted, limit)
        return evaluate_rdflib(store, vetted, limit)
    except QueryError:
        raise
    except MemoryError:
        raise QueryResources("query stopped: it needed more memory than it is allowed") from None
    except RecursionError:
        raise QueryError(TOO_DEEP) from None
    except Exception as exc:  # evaluation errors from user queries (bad functions, types, regexes)
        raise QueryError(f"query failed: {type(exc).__name__}: {exc}") from None


def evaluate_rdflib(graph: Graph, vetted: VettedQuery, limit: int) -> QueryResult:
    """Run a vetted query; rows are produced lazily, so the row loop is part of the run."""
    result = graph.query(vetted.algebra)
    kind = vetted.kind
    if kind == "ASK":
        return QueryResult(kind, boolean=bool(result.askAnswer), limit=limit)
    if kind in ("CONSTRUCT", "DESCRIBE"):
        return QueryResult(kind, graph=result.graph, limit=limit)
    variables = [str(v) for v in result.vars]
    rows, truncated = [], False
    for i, row in enumerate(result):
        if i >= limit:
            truncated = True
            break
        rows.append({v: row[v] for v in variables if row[v] is not None})
    return QueryResult(kind, variables, rows, truncated=truncated, limit=limit)


class _Expired(BaseException):
    """Raised by the alarm; a BaseException so that no library's `except Exception` swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Stop the code inside after `seconds` with QueryTimeout; None or 0 sets no limit.

    Uses SIGALRM, so it works in the main thread of a POSIX process (the CLI); the server bounds its
    queries by killing worker processes instead (app.workers)."""
    import signal
    import threading

    if not seconds:
        yield
        return
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        raise QueryError("a query time limit needs the main thread of a POSIX process")

    def expire(_signum, _frame):
        raise _Expired
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)    # fires again should anything swallow it
    try:
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Expired:
        raise QueryTimeout(f"query stopped: it ran past the {seconds:g} s time limit") from None
    finally:
        signal.signal(signal.SIGALRM, previous)


__all__ = ["QueryResult", "run_query", "evaluate_rdflib", "time_limit", "DEFAULT_ROW_LIMIT"]
