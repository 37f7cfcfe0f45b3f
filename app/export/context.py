"""The small text helpers every view shares (views draw from a kg.KnowledgeBase: its graph, view, index)."""
from __future__ import annotations

import re
import textwrap

from kg.errors import ExportError
from kg.sources.corpus import short_id

# Namespaces import rdflib: imported by an export when it runs, not by every CLI start
# (benchmarks/coldstart.py).


def iri(node: str) -> str:
    """The full IRI of a prefixed node name of the networkx view ("fam:gan")."""
    from kg.ontology.namespaces import PREFIXES  # rdflib: imported by an export, not by every CLI start

    prefix, _, local = node.partition(":")
    return str(PREFIXES[prefix]) + local


def doc_id(doc: str) -> str:
    """The short source id a diagram shows for a document: its name without the content hash."""
    return short_id(doc)


def sources(claims) -> list[str]:
    return sorted({doc_id(c.doc) for c in claims})


def source_label(claims) -> str:
    """"[000 002]" for the documents the claims come from."""
    return "[" + " ".join(sources(claims)) + "]"


_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Display text: one line, stars the diagram fonts lack shown as ★, no control characters."""
    text = _SPACES.sub(" ", str(text)).strip()
    return text.replace("\u2b50", "\u2605").replace("\ufe0f", "")


def wrap(text: str, width: int = 28) -> str:
    """Text wrapped at width characters between words (a word longer than a line keeps its own line),
    lines joined by newlines."""
    return "\n".join(textwrap.wrap(clean(text), width, break_long_words=False)) or clean(text)


def shorten(text: str, limit: int = 90) -> str:
    """Text of at most limit characters, cut at a word boundary (never mid-word) and ended with "…"."""
    text = clean(text)
    if len(text) <= limit:
        return text
    if text[limit].isspace():
        head = text[:limit]
    elif " " in text[:limit]:
        head = text[:text.rfind(" ", 0, limit)]
    else:                                   # one long word: keep it whole
        head = text.split(" ", 1)[0]
    return head.rstrip(" ,;:-–—(") + ("…" if len(head) < len(text) else "")


def source_titles(ctx) -> dict[str, str]:
    """Each source id a diagram shows ("000") with its document's title (from the graph)."""
    out = {}
    for node, attrs in ctx.view.nodes(data=True):
        if str(node).startswith("doc:"):
            title = attrs.get("title") or attrs.get("identifier") or str(node)
            out[doc_id(str(node).split(":", 1)[1])] = clean(title if isinstance(title, str) else title[0])
    return dict(sorted(out.items()))


def shown_sources(graph) -> list[str]:
    """The source ids a diagram model's nodes and edges cite, in order."""
    ids = {i for _, a in graph.nodes(data=True) for i in a.get("sources", "").split()}
    ids |= {i for _, _, a in graph.edges(data=True) for i in a.get("sources", "").split()}
    return sorted(ids)


def sources_key(ctx, graph) -> str:
    """The key of the source ids a diagram model shows to their documents' titles, one "id<TAB>title" a
    line (the graph attribute `sources_key` the renderers draw under the legend)."""
    titles = source_titles(ctx)
    return "\n".join(f"{doc}\t{titles.get(doc, doc)}" for doc in shown_sources(graph))


def key_entries(graph) -> list[tuple[str, str]]:
    """(source id, title) pairs of a diagram model's key (its `sources_key` attribute, see sources_key)."""
    lines = graph.graph.get("sources_key", "").split("\n")
    return [(doc, title) for doc, title in (line.split("\t", 1) for line in lines if "\t" in line)]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or "x"


def level_word(index, rank: float) -> str:
    """The level name nearest a (possibly fractional) consensus rank."""
    return index.levels.get(int(rank + 0.5), "moderate")


def resolve_family(index, name: str) -> str:
    """A family id from its id, label or synonym, case-insensitive; ExportError when unknown."""
    key = clean(name).lower()
    for fid, concept in index.families.items():
        names = {fid.lower(), concept.label.lower()} | {t.lower() for t in concept.texts}
        names |= {n[:-1] for n in names if n.endswith("s") and len(n) > 3}
        if key in names or key.rstrip("s") in names:
            return fid
    known = ", ".join(c.label for c in index.families.values())
    raise ExportError(f"unknown family {name!r}; choose one of {known}")
