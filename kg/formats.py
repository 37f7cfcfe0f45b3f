"""The one table of output formats: name, media type, file extension, what it can write, and its writer.

The CLI (`sparql --format`, `export --format`), the SPARQL endpoint (content negotiation) and the
diagram export all look formats up here, by name, alias, media type or file extension. Writers are
named by "module:function" and imported on first use, so reading the table costs nothing (results
writers take a kg.sparql QueryResult and return text; graph writers take an rdflib Graph and return
bytes, deterministically). Export adds its diagram formats with `FORMATS.extended(...)`, which returns
a new registry.

Kinds: "results" (SELECT/ASK results), "graph" (RDF: CONSTRUCT/DESCRIBE results and graph exports),
"table" (plain text for people), "diagram" (drawn by app.export).
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    kind: str
    writer: str = ""                          # "module:function"
    aliases: tuple[str, ...] = ()
    also_media: tuple[str, ...] = ()          # further media types a client may ask for it by
    also_extensions: tuple[str, ...] = ()     # further file extensions that imply it

    def write(self, *args, **kwargs):
        module, _, function = self.writer.partition(":")
        return getattr(import_module(module), function)(*args, **kwargs)


class FormatRegistry:
    """Formats by name, in the order given (which is the server's order of preference)."""

    def __init__(self, formats: list[Format]):
        self._formats = {f.name: f for f in formats}
        self._aliases = {a: f.name for f in formats for a in f.aliases}

    def extended(self, formats: list[Format]) -> FormatRegistry:
        return FormatRegistry([*self._formats.values(), *formats])

    def names(self, *kinds: str) -> list[str]:
        return [f.name for f in self._formats.values() if not kinds or f.kind in kinds]

    def canonical(self, name: str | None) -> str:
        """The format's name for a name or alias ('ttl' -> 'turtle'); unknown names come back cleaned."""
        text = str(name or "").strip().lower()
        return self._aliases.get(text, text)

    def get(self, name: str) -> Format | None:
        return self._formats.get(self.canonical(name))

    def for_extension(self, path: str) -> Format | None:
        lower = str(path).lower()
        return next((f for f in self._formats.values()
                     if any(lower.endswith(e) for e in (f.extension, *f.also_extensions))), None)

    def offers(self, *kinds: str) -> list[tuple[str, str]]:
        """(media type, format name) pairs for content negotiation: main types first, then the others."""
        chosen = [f for f in self._formats.values() if f.kind in kinds]
        return [(f.media_type, f.name) for f in chosen] + [(m, f.name) for f in chosen for m in f.also_media]


_RESULTS = "kg.sparql.results"
FORMATS = FormatRegistry([
    Format("json", "application/sparql-results+json", ".srj", "results", f"{_RESULTS}:write_json",
           also_media=("application/json",)),
    Format("xml", "application/sparql-results+xml", ".srx", "results", f"{_RESULTS}:write_xml",
           also_media=("application/xml", "text/xml")),
    Format("csv", "text/csv", ".csv", "results", f"{_RESULTS}:write_csv"),
    Format("tsv", "text/tab-separated-values", ".tsv", "results", f"{_RESULTS}:write_tsv"),
    Format("table", "text/plain", ".txt", "table", f"{_RESULTS}:write_table"),
    Format("turtle", "text/turtle", ".ttl", "graph", "kg.graph.store:serialise_turtle", aliases=("ttl",),
           also_media=("application/turtle", "application/x-turtle")),
    Format("json-ld", "application/ld+json", ".jsonld", "graph", "kg.graph.store:serialise_jsonld",
           aliases=("jsonld",), also_media=("application/x-json+ld", "application/json"), also_extensions=(".json",)),
])

__all__ = ["Format", "FormatRegistry", "FORMATS"]
