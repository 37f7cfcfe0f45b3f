"""whichmodel's knowledge layer. One object owns a build: `kg.open()` returns the KnowledgeBase.

    kg/sources     the documents and the curated claims (corpus, markup, encoding, yamlsafe, claims, coverage)
    kg/ontology    the vocabulary and its namespaces
    kg/graph       one RDF graph from them (assemble, conflicts, validation, network) and its build (build, store)
    kg/sparql      read-only SPARQL (guard, engine, results)
    kg/reasoning   from a person's words to a typed Answer (index, embedding, matcher, needs, scoring, recommend)
    kg/knowledge   the KnowledgeBase;  kg/formats  output formats;  kg/errors  every error;  kg/paths  folders

The names below are imported on first use, so `import kg` (and `import kg.errors`) stays cheap.
"""
from __future__ import annotations

__all__ = ["open", "current", "KnowledgeBase", "build_graph", "WhichModelError"]

_LAZY = {"open": "kg.knowledge", "current": "kg.knowledge", "KnowledgeBase": "kg.knowledge",
         "build_graph": "kg.graph.build", "WhichModelError": "kg.errors"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
