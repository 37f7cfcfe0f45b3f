"""Read-only, offline SPARQL over the built graph.

Before anything runs, a query is parsed and refused when it is an update (INSERT, DELETE, LOAD,
CLEAR, …) or names another dataset or endpoint (FROM, FROM NAMED, SERVICE) anywhere, however
deeply nested. Results are capped at a row limit, and the cap is reported, never silent.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.term import Node

from kg.errors import QueryError, QueryRefused

MAX_QUERY_BYTES = 100_000
DEFAULT_ROW_LIMIT = 10_000
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


def parse_query(text: str):
    """Parse and vet a query. Raises QueryError (400) or QueryRefused (403)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if not text or not text.strip():
        raise QueryError("empty query")
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise QueryError(f"query longer than {MAX_QUERY_BYTES} bytes", status=413)
    try:
        parsed = parseQuery(text)
    except ParseException as exc:
        try:
            parseUpdate(text)
        except ParseException:
            raise _parse_error(exc) from None
        raise QueryRefused("updates (INSERT, DELETE, LOAD, CLEAR, …) are refused: the graph is read-only") from None
    except Exception as exc:  # rdflib raises plain errors for some bad terms (e.g. bad IRIs)
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    for node in _walk(parsed):
        if node.name in _FORBIDDEN:
            raise QueryRefused(f"{_FORBIDDEN[node.name]} is refused: queries may only read the built graph")
    return parsed


def run_query(graph: Graph, text: str, *, limit: int = DEFAULT_ROW_LIMIT) -> QueryResult:
    """Vet and run a query on graph, returning at most `limit` rows (truncation is flagged)."""
    import rdflib.plugins.sparql as sparql_plugin
    from rdflib.plugins.sparql.algebra import translateQuery

    parsed = parse_query(text)
    sparql_plugin.SPARQL_LOAD_GRAPHS = False     # never fetch a graph named in the query
    try:
        algebra = translateQuery(parsed)
        result = graph.query(algebra)
    except QueryError:
        raise
    except Exception as exc:  # evaluation errors from user queries (bad functions, types)
        raise QueryError(f"query failed: {type(exc).__name__}: {exc}") from None
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
