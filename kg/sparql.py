"""Read-only, offline SPARQL over the built graph.

Before anything runs, a query is parsed and refused when it is an update (INSERT, DELETE, LOAD,
CLEAR, …) or names another dataset or endpoint (FROM, FROM NAMED, SERVICE) anywhere, however
deeply nested. Results are capped at a row limit, and the cap is reported, never silent.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.term import Node

from kg.errors import QueryError, QueryRefused, QueryTimeout

MAX_QUERY_BYTES = 100_000
DEFAULT_ROW_LIMIT = 10_000
_TOO_DEEP = "query nested too deeply (or too long a chain) for the parser"
_FORBIDDEN = {"ServiceGraphPattern": "SERVICE", "DatasetClause": "FROM / FROM NAMED"}


@dataclass
class QueryResult:
    kind: str                         # SELECT | ASK | CONSTRUCT | DESCRIBE
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False
    limit: int = DEFAULT_ROW_LIMIT


def _walk(node):
    """Every parse-tree node (CompValue) under node."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "__iter__") and not isinstance(item, (str, bytes)):
            stack.extend(list(item))


def _parse_error(exc) -> QueryError:
    line, col, loc = getattr(exc, "lineno", None), getattr(exc, "col", None), getattr(exc, "loc", None)
    where = f" at line {line}, column {col}" if line else ""
    msg = getattr(exc, "msg", None) or str(exc)
    return QueryError(f"SPARQL syntax error{where}: {msg}", position=loc)


def _check_text(text: str) -> None:
    """Refuse empty, oversized and non-Unicode query text (lone surrogates, raw or as \\u escapes)."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    if not text or not text.strip():
        raise QueryError("empty query")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise QueryError(f"query longer than {MAX_QUERY_BYTES} bytes", status=413)
    try:
        expandUnicodeEscapes(text).encode("utf-8")
    except ValueError as exc:           # an escape beyond U+10FFFF, or a surrogate code point
        bad = getattr(exc, "object", None)
        what = f"U+{ord(bad[exc.start]):04X} " if isinstance(bad, str) else ""
        raise QueryError(f"the query holds a code point {what}that is not Unicode text: "
                         f"{getattr(exc, 'reason', exc)}") from None


def _cheap_service_clauses() -> None:
    """Stop rdflib re-reading the whole query for every SERVICE clause it parses (idempotent).

    To forward a SERVICE clause's text, rdflib's parser searches the entire query for it each time it
    matches one: parsing time grows with (clauses x query length), 200 clauses took 50 s, and a clause
    inside another or after a PREFIX fails to parse at all. SERVICE is refused here, so its text is never
    needed: the clause parses like any other pattern (the one change to rdflib's process-wide state,
    with SPARQL_LOAD_GRAPHS = False)."""
    from types import SimpleNamespace

    from rdflib.plugins.sparql import parser

    clause = parser.ServiceGraphPattern
    if getattr(clause, "_whichmodel_cheap", False):
        return
    plain = SimpleNamespace(name="ServiceGraphPattern (text not kept)", evalfn=None)

    def post_parse(instring, loc, tokens):
        node = type(clause).postParse(plain, instring, loc, tokens)
        node.name = "ServiceGraphPattern"
        return node
    clause.postParse = post_parse
    clause._whichmodel_cheap = True


def parse_query(text: str):
    """Parse and vet a query. Raises QueryError (400), QueryRefused (403) or QueryError 413 (too long)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    _check_text(text)
    _cheap_service_clauses()
    try:
        parsed = parseQuery(text)
    except ParseException as exc:
        try:
            parseUpdate(text)
        except ParseException:
            raise _parse_error(exc) from None
        except RecursionError:
            raise QueryError(_TOO_DEEP) from None
        raise QueryRefused("updates (INSERT, DELETE, LOAD, CLEAR, …) are refused: the graph is read-only") from None
    except RecursionError:
        raise QueryError(_TOO_DEEP) from None
    except Exception as exc:  # rdflib raises plain errors for some bad terms (e.g. bad IRIs)
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    for node in _walk(parsed):
        if node.name in _FORBIDDEN:
            raise QueryRefused(f"{_FORBIDDEN[node.name]} is refused: queries may only read the built graph")
    return parsed


def run_query(graph: Graph, text: str, *, limit: int = DEFAULT_ROW_LIMIT) -> QueryResult:
    """Vet and run a query on graph, returning at most `limit` rows (truncation is flagged).

    Every failure a query can cause, at parse time or while its rows are produced, is a QueryError:
    503 when it ran out of memory, 400 otherwise."""
    import rdflib.plugins.sparql as sparql_plugin

    parsed = parse_query(text)
    sparql_plugin.SPARQL_LOAD_GRAPHS = False     # never fetch a graph named in the query
    try:
        return _evaluate(graph, parsed, limit)
    except QueryError:
        raise
    except MemoryError:
        raise QueryError("query stopped: it needed more memory than it is allowed", status=503) from None
    except RecursionError:
        raise QueryError(_TOO_DEEP) from None
    except Exception as exc:  # evaluation errors from user queries (bad functions, types, regexes)
        raise QueryError(f"query failed: {type(exc).__name__}: {exc}") from None


def _evaluate(graph: Graph, parsed, limit: int) -> QueryResult:
    """Run a vetted parse tree; rows are produced lazily, so the row loop is part of the run."""
    from rdflib.plugins.sparql.algebra import translateQuery

    result = graph.query(translateQuery(parsed))
    kind = {"SELECT": "SELECT", "ASK": "ASK", "CONSTRUCT": "CONSTRUCT", "DESCRIBE": "DESCRIBE"}[result.type]
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
    """Stop the code inside after `seconds` with QueryTimeout (503); None or 0 sets no limit.

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


def _term_json(term: Node) -> dict:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
    return out


def to_json(result: QueryResult) -> str:
    """W3C SPARQL 1.1 Query Results JSON (the row cap is noted in a `whichmodel` member)."""
    if result.kind == "ASK":
        return json.dumps({"head": {}, "boolean": result.boolean})
    doc = {"head": {"vars": result.variables},
           "results": {"bindings": [{k: _term_json(v) for k, v in row.items()} for row in result.rows]}}
    if result.truncated:
        doc["head"]["link"] = []
        doc["whichmodel"] = {"truncated": True, "limit": result.limit}
    return json.dumps(doc, ensure_ascii=False, indent=1)


def to_xml(result: QueryResult) -> str:
    from xml.sax.saxutils import escape, quoteattr

    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out.append("</head>")
    if result.kind == "ASK":
        out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for row in result.rows:
            out.append("<result>")
            for name, term in row.items():
                j = _term_json(term)
                tag = {"uri": "uri", "bnode": "bnode", "literal": "literal"}[j["type"]]
                attrs = (f" xml:lang={quoteattr(j['xml:lang'])}" if "xml:lang" in j else
                         f" datatype={quoteattr(j['datatype'])}" if "datatype" in j else "")
                out.append(f"<binding name={quoteattr(name)}><{tag}{attrs}>{escape(j['value'])}</{tag}></binding>")
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>")
    return "\n".join(out)


def to_delimited(result: QueryResult, delimiter: str) -> str:
    """CSV (plain values) or TSV (SPARQL TSV: terms in N-Triples form)."""
    buf = io.StringIO()
    if result.kind == "ASK":
        return f"boolean\n{'true' if result.boolean else 'false'}\n"
    if delimiter == ",":
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow([str(row[v]) if v in row else "" for v in result.variables])
        return buf.getvalue()
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(row[v].n3() if v in row else "" for v in result.variables))
    return "\n".join(lines) + "\n"


def to_table(result: QueryResult, graph: Graph | None = None, width: int = 60) -> str:
    """A plain-text table for people, with prefixed names."""
    if result.kind == "ASK":
        return "true" if result.boolean else "false"
    if result.graph is not None:
        return result.graph.serialize(format="turtle")

    def cell(term) -> str:
        if term is None:
            return ""
        text = term.n3(graph.namespace_manager) if graph is not None and not hasattr(term, "language") else str(term)
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"
    table = [result.variables] + [[cell(r.get(v)) for v in result.variables] for r in result.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(result.variables))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = f"\n(first {result.limit} rows shown; more were cut)" if result.truncated else ""
    return "\n".join(lines) + f"\n{len(result.rows)} rows" + note


def serialise(result: QueryResult, fmt: str, graph: Graph | None = None) -> str:
    """Serialise a result as table | json | xml | csv | tsv | turtle | json-ld."""
    if result.graph is not None:
        if fmt in ("json", "json-ld"):
            return result.graph.serialize(format="json-ld")
        return result.graph.serialize(format="turtle")
    writers = {"json": to_json, "xml": to_xml, "csv": lambda r: to_delimited(r, ","),
               "tsv": lambda r: to_delimited(r, "\t"), "table": lambda r: to_table(r, graph)}
    if fmt not in writers:
        raise QueryError(f"unknown format {fmt!r} for a {result.kind} result")
    return writers[fmt](result)
