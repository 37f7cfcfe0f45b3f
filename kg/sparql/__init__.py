"""Read-only, offline SPARQL over the built graph: the guard (vet), the engine (run), the result writers.

    vetted = vet(text)                      # QueryError / QueryRefused / QueryTooLarge before anything runs
    result = run_query(graph, vetted, limit=10_000)
    text = serialise(result, "json")        # any result format of kg.formats
"""
from kg.sparql.engine import DEFAULT_ROW_LIMIT, QueryResult, run_query, time_limit
from kg.sparql.guard import MAX_QUERY_BYTES, VettedQuery, vet
from kg.sparql.results import serialise

__all__ = ["vet", "VettedQuery", "run_query", "QueryResult", "time_limit", "serialise", "DEFAULT_ROW_LIMIT",
           "MAX_QUERY_BYTES"]
