"""The built network view (network.json) read without networkx, for the recommender's index.

`whichmodel ask` only walks nodes, their attributes and their out-edges, in the order networkx gives
them; importing networkx (and loading a MultiDiGraph) costs a cold start more than the walk itself.
LightView answers `view.nodes(data=True)`, `view.nodes[node]`, `node in view` and
`view.out_edges(node, keys=True)` in exactly networkx's order (nodes as inserted; a node's out-edges
grouped by target in first-insertion order, then by key). Diagrams and exports use the real networkx view.
"""
from __future__ import annotations

import json
from collections.abc import Iterator


class _Nodes:
    def __init__(self, attrs: dict[str, dict]):
        self._attrs = attrs

    def __call__(self, data: bool = False):
        return iter(self._attrs.items()) if data else iter(self._attrs)

    def __getitem__(self, node: str) -> dict:
        return self._attrs[node]

    def __iter__(self) -> Iterator[str]:
        return iter(self._attrs)

    def __len__(self) -> int:
        return len(self._attrs)


class LightView:
    """A read-only multi-digraph over node_link JSON (as kg.graph.network.dump_networkx writes it)."""

    def __init__(self, data: dict):
        attrs: dict[str, dict] = {}
        for node in data["nodes"]:
            attrs.setdefault(node["id"], {}).update({k: v for k, v in node.items() if k != "id"})
        self._succ: dict[str, dict[str, dict[str, None]]] = {}
        for edge in data["edges"]:
            source, target = edge["source"], edge["target"]
            attrs.setdefault(source, {})
            attrs.setdefault(target, {})
            self._succ.setdefault(source, {}).setdefault(target, {})[edge["key"]] = None
        self.nodes = _Nodes(attrs)

    def __contains__(self, node: str) -> bool:
        return node in self.nodes._attrs

    def out_edges(self, node: str, keys: bool = False) -> Iterator[tuple]:
        for target, edge_keys in self._succ.get(node, {}).items():
            for key in edge_keys:
                yield (node, target, key) if keys else (node, target)


def load_light_view(data: bytes) -> LightView:
    return LightView(json.loads(data))


__all__ = ["LightView", "load_light_view"]
