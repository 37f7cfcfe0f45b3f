"""whichmodel's knowledge layer: corpus, claims, graph, need mapping and recommendation.

The public functions are imported lazily so that `import kg` stays cheap.
"""
from __future__ import annotations

__all__ = ["build_graph", "recommend", "WhichModelError"]


def __getattr__(name: str):
    if name == "build_graph":
        from kg.build import build_graph
        return build_graph
    if name == "recommend":
        from kg.recommend import recommend
        return recommend
    if name == "WhichModelError":
        from kg.errors import WhichModelError
        return WhichModelError
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
