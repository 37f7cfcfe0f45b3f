"""The query guard: every SPARQL text is vetted here, once, before any engine sees it.

A query is refused when it is empty, too long or not Unicode text, when it is an update (INSERT,
DELETE, LOAD, CLEAR, …), or when it names another dataset or endpoint (FROM, FROM NAMED, SERVICE)
anywhere, however deeply nested. SERVICE is found by a scan of the query's tokens (outside strings,
IRIs and comments) before parsing, so rdflib never handles a SERVICE clause (its parser re-reads the
whole query for each one). The algebra of an accepted query is kept (by text) so that running it does
not parse it again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg.errors import QueryError, QueryRefused, QueryTooLarge

MAX_QUERY_BYTES = 100_000
TOO_DEEP = "query nested too deeply (or too long a chain) for the parser"
SERVICE_REFUSED = "SERVICE is refused: queries may only read the built graph"
UPDATE_REFUSED = "updates (INSERT, DELETE, LOAD, CLEAR, …) are refused: the graph is read-only"
_FORBIDDEN = {"ServiceGraphPattern": "SERVICE", "DatasetClause": "FROM / FROM NAMED"}
_KINDS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
# What is not a keyword: long and short strings, IRIs, comments (matched first, in this order).
_NOT_KEYWORDS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|'
                           r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', re.S)
_SERVICE = re.compile(r"(?<![\w:?$\-.])SERVICE(?![\w:\-])", re.I)


@dataclass(frozen=True)
class VettedQuery:
    """A query that passed the guard: its text, its kind and its algebra (rdflib's, ready to run)."""
    text: str
    kind: str                         # SELECT | ASK | CONSTRUCT | DESCRIBE
    algebra: object


def _parse_error(exc) -> QueryError:
    line, col, loc = getattr(exc, "lineno", None), getattr(exc, "col", None), getattr(exc, "loc", None)
    where = f" at line {line}, column {col}" if line else ""
    msg = getattr(exc, "msg", None) or str(exc)
    return QueryError(f"SPARQL syntax error{where}: {msg}", position=loc)


def check_text(text: str) -> None:
    """Refuse empty, oversized and non-Unicode query text (lone surrogates, raw or as \\u escapes)."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    if not text or not text.strip():
        raise QueryError("empty query")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise QueryTooLarge(f"query longer than {MAX_QUERY_BYTES} bytes")
    try:
        expandUnicodeEscapes(text).encode("utf-8")
    except ValueError as exc:           # an escape beyond U+10FFFF, or a surrogate code point
        bad = getattr(exc, "object", None)
        what = f"U+{ord(bad[exc.start]):04X} " if isinstance(bad, str) else ""
        raise QueryError(f"the query holds a code point {what}that is not Unicode text: "
                         f"{getattr(exc, 'reason', exc)}") from None


def mentions_service(text: str) -> bool:
    """Whether the query uses the SERVICE keyword (not inside a string, an IRI, a comment or a name),
    with unicode escapes expanded first, as a SPARQL parser expands them ("SERVIC" + backslash-U00000045)."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    return bool(_SERVICE.search(_NOT_KEYWORDS.sub(" ", expandUnicodeEscapes(text))))


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


def _parse(text: str):
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        return parseQuery(text)
    except ParseException as exc:
        try:
            parseUpdate(text)
        except ParseException:
            raise _parse_error(exc) from None
        except RecursionError:
            raise QueryError(TOO_DEEP) from None
        raise QueryRefused(UPDATE_REFUSED) from None
    except RecursionError:
        raise QueryError(TOO_DEEP) from None
    except Exception as exc:  # rdflib raises plain errors for some bad terms (e.g. bad IRIs)
        raise QueryError(f"SPARQL syntax error: {exc}") from None


@lru_cache(maxsize=256)
def vet(text: str) -> VettedQuery:
    """The vetted query, or QueryError / QueryRefused / QueryTooLarge naming what is wrong.
    Accepted queries are cached by text (the same query is parsed once per process)."""
    check_text(text)
    if mentions_service(text):
        raise QueryRefused(SERVICE_REFUSED)
    parsed = _parse(text)
    for node in _walk(parsed):
        if node.name in _FORBIDDEN:
            raise QueryRefused(f"{_FORBIDDEN[node.name]} is refused: queries may only read the built graph")
    return VettedQuery(text, _KINDS.get(parsed[1].name, "SELECT"), _translate(parsed))


def _translate(parsed):
    from rdflib.plugins.sparql.algebra import translateQuery

    try:
        return translateQuery(parsed)
    except RecursionError:
        raise QueryError(TOO_DEEP) from None
    except Exception as exc:  # e.g. a projected variable that is not grouped
        raise QueryError(f"query failed: {type(exc).__name__}: {exc}") from None


__all__ = ["VettedQuery", "vet", "check_text", "mentions_service", "MAX_QUERY_BYTES"]
