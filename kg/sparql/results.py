"""Writers of query results, by format (see kg.formats): rdflib's own serialisers where it has one.

rdflib writes SPARQL JSON, XML and CSV; SPARQL TSV, which rdflib only reads, is written here and
registered with rdflib's plugin registry (`register_tsv`) so it is used like the others.
"""
from __future__ import annotations

import json
from functools import lru_cache

from rdflib import Graph, Variable
from rdflib.query import Result, ResultSerializer

from kg.errors import QueryError
from kg.formats import FORMATS
from kg.ontology.namespaces import bind_prefixes
from kg.sparql.engine import QueryResult


class TSVResultSerializer(ResultSerializer):
    """SPARQL 1.1 TSV: a header of ?variables, then terms in their N-Triples form."""

    def serialize(self, stream, encoding: str = "utf-8", **kwargs) -> None:
        names = [str(v) for v in self.result.vars]
        lines = ["\t".join(f"?{v}" for v in names)]
        for row in self.result.bindings:
            lines.append("\t".join(row[Variable(v)].n3() if Variable(v) in row else "" for v in names))
        stream.write(("\n".join(lines) + "\n").encode(encoding))


def register_tsv() -> None:
    """Make "tsv" a result format of rdflib's registry (idempotent)."""
    from rdflib import plugin

    plugin.register("tsv", ResultSerializer, __name__, "TSVResultSerializer")


def as_rdflib(result: QueryResult) -> Result:
    """The capped rows (or the ASK answer) as an rdflib Result, for rdflib's serialisers."""
    out = Result(result.kind)
    if result.kind == "ASK":
        out.askAnswer = bool(result.boolean)
        return out
    out.vars = [Variable(v) for v in result.variables]
    out.bindings = [{Variable(k): v for k, v in row.items()} for row in result.rows]
    return out


def _rdflib(result: QueryResult, fmt: str) -> str:
    if fmt == "tsv":
        register_tsv()
    return as_rdflib(result).serialize(format=fmt).decode("utf-8")


def _need_rows(result: QueryResult, fmt: str) -> None:
    if result.graph is not None:
        raise QueryError(f"a {result.kind} result is a graph; write it as turtle or json-ld, not {fmt}")


def write_json(result: QueryResult, graph: Graph | None = None) -> str:
    """W3C SPARQL 1.1 Query Results JSON; a cut result says so in a `whichmodel` member."""
    _need_rows(result, "json")
    text = _rdflib(result, "json")
    if not result.truncated:
        return text
    doc = json.loads(text)
    doc["whichmodel"] = {"truncated": True, "limit": result.limit}
    return json.dumps(doc, ensure_ascii=False)


def write_xml(result: QueryResult, graph: Graph | None = None) -> str:
    _need_rows(result, "xml")
    return _rdflib(result, "xml")


def write_csv(result: QueryResult, graph: Graph | None = None) -> str:
    _need_rows(result, "csv")
    if result.kind == "ASK":          # rdflib's CSV writer takes SELECT results only
        return f"boolean\r\n{'true' if result.boolean else 'false'}\r\n"
    return _rdflib(result, "csv")


def write_tsv(result: QueryResult, graph: Graph | None = None) -> str:
    _need_rows(result, "tsv")
    if result.kind == "ASK":
        return f"boolean\n{'true' if result.boolean else 'false'}\n"
    return _rdflib(result, "tsv")


@lru_cache(maxsize=1)
def prefixed() -> Graph:
    """An empty graph bound to whichmodel's prefixes: what the table writer shortens names with."""
    graph = Graph()
    bind_prefixes(graph)
    return graph


def write_table(result: QueryResult, graph: Graph | None = None, width: int = 60) -> str:
    """A plain-text table for people, with prefixed names (whichmodel's prefixes unless graph has its own)."""
    if result.kind == "ASK":
        return "true" if result.boolean else "false"
    graph = graph if graph is not None else prefixed()
    def cell(term) -> str:
        if term is None:
            return ""
        text = term.n3(graph.namespace_manager) if not hasattr(term, "language") else str(term)
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"
    table = [result.variables] + [[cell(r.get(v)) for v in result.variables] for r in result.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(result.variables))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = f"\n(first {result.limit} rows shown; more were cut)" if result.truncated else ""
    return "\n".join(lines) + f"\n{len(result.rows)} rows" + note


def serialise(result: QueryResult, fmt: str, graph: Graph | None = None) -> str:
    """The result written in a format of kg.formats (by name or alias); QueryError for an unknown one."""
    found = FORMATS.get(fmt)
    if found is None or found.kind not in ("results", "graph", "table"):
        raise QueryError(f"unknown format {fmt!r} for a {result.kind} result")
    if result.graph is None:
        if found.kind == "graph":
            raise QueryError(f"unknown format {fmt!r} for a {result.kind} result")
        return found.write(result, graph)
    if found.kind != "graph":                  # a graph asked for as rows: JSON-LD for json, else Turtle
        found = FORMATS.get("json-ld" if found.name == "json" else "turtle")
    return found.write(result.graph).decode("utf-8")


__all__ = ["serialise", "write_json", "write_xml", "write_csv", "write_tsv", "write_table", "as_rdflib",
           "register_tsv", "TSVResultSerializer"]
