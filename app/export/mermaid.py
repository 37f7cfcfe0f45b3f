"""Diagram model -> Mermaid flowchart text (renders in GitHub markdown): title, clusters, classes, legend."""
from __future__ import annotations

import json

from app.export.model import canonical
from app.export.style import (
    CONFLICT_COLOUR,
    edge_style,
    node_style,
    text_colour,
    used_kinds,
)

_SHAPES = {"rect": ('["', '"]'), "round": ('("', '")'), "stadium": ('(["', '"])'),
           "subroutine": ('[["', '"]]'), "hexagon": ('{{"', '"}}'), "diamond": ('{"', '"}'),
           "lean-r": ('[/"', '"/]')}
_ARROWS = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}
_LINES = {"solid": "---", "dashed": "-.-", "dotted": "-.-"}     # no arrowhead: edges drawn right to left
# Layout for a slide or a page: labels are wrapped by the views (not at Mermaid's 200 px), tight spacing.
MERMAID_FONT_PX = 24
CONFIG = ["config:", "  themeVariables:", f"    fontSize: {MERMAID_FONT_PX}px", "  flowchart:",
          "    wrappingWidth: 900", "    nodeSpacing: 20", "    rankSpacing: 40"]
_LEGEND_ARROWS = {"solid": "\u2500\u2500\u25b6", "dashed": "\u2574\u2574\u25b6", "dotted": "\u2574\u2574\u25b6"}


_ENTITIES = {"#": "#35;", "&": "#38;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "%": "#37;", "`": "#96;"}


def text(value: str) -> str:
    """Label text safe inside Mermaid's double quotes: no quote, tag, markdown string or `%%{...}%%`
    directive can start in it (Mermaid looks for directives anywhere in the text)."""
    out = "".join(_ENTITIES.get(ch, ch) for ch in str(value))
    return out.replace("\n", "<br/>")


def comment(value: str) -> str:
    """One line of text for a `%%` comment, with no `%` that could open a directive."""
    return " ".join(str(value).split()).replace("%", "#37;")


def _class_name(kind: str) -> str:
    return "k_" + "".join(ch if ch.isalnum() else "_" for ch in kind)


def _node(ident: str, attrs: dict) -> str:
    shape = node_style(attrs.get("kind", ""))[5]
    left, right = _SHAPES.get(shape, _SHAPES["rect"])
    return f"{ident}{left}{text(attrs.get('label', ident))}{right}:::{_class_name(attrs.get('kind', ''))}"


def _class_defs(kinds: list[str]) -> list[str]:
    lines = []
    for kind in kinds:
        _, _, fill, border, extra, _ = node_style(kind)
        dash = ",stroke-dasharray:5 3" if "dashed" in extra else ""
        lines.append(f"  classDef {_class_name(kind)} fill:{fill},stroke:{border},color:{text_colour(fill)}{dash}")
    lines.append(f"  classDef conflict stroke:{CONFLICT_COLOUR},stroke-width:3px")
    return lines


def _body(graph, ids: dict[str, str]) -> list[str]:
    lines, groups = [], {}
    for node, attrs in graph.nodes(data=True):
        groups.setdefault(attrs.get("cluster") or "", []).append(node)
    for number, (name, nodes) in enumerate(sorted(groups.items())):
        indent = "    " if name else "  "
        if name:
            lines.append(f'  subgraph c{number:02d}["{text(name)}"]')
        lines += [indent + _node(ids[n], graph.nodes[n]) for n in nodes]
        if name:
            lines.append("  end")
    return lines


def _edges(graph, ids: dict[str, str]) -> tuple[list[str], list[str]]:
    """Edges as Mermaid links; one to a kind drawn on the left (graph attribute left_kinds) is written
    from its target, without an arrowhead, so that Mermaid too lays it out to the left."""
    lines, styles = [], []
    left = set(graph.graph.get("left_kinds", "").split())
    for number, (source, target, attrs) in enumerate(graph.edges(data=True)):
        _, colour, style = edge_style(attrs.get("kind", ""))
        back = graph.nodes[target].get("kind") in left
        arrow = (_LINES if back else _ARROWS).get(style, "-->")
        label = f'|"{text(attrs["label"])}"|' if attrs.get("label") else ""
        tail, head = (target, source) if back else (source, target)
        lines.append(f"  {ids[tail]} {arrow}{label} {ids[head]}")
        styles.append(f"  linkStyle {number} stroke:{attrs.get('colour') or colour}")
    return lines, styles


def _legend(graph) -> list[str]:
    node_kinds, edge_kinds = used_kinds(graph)
    across = "LR" if graph.graph.get("rankdir", "LR") == "TB" else "TB"
    lines = ['  subgraph legend["Legend"]', f"    direction {across}"]
    for number, kind in enumerate(node_kinds):
        lines.append("    " + _node(f"legend{number:02d}", {"kind": kind, "label": node_style(kind)[0]}))
    if edge_kinds:
        notes = "<br/>".join(f"{_LEGEND_ARROWS.get(edge_style(k)[2], '')} {text(edge_style(k)[0])}"
                             for k in edge_kinds)
        lines.append(f'    legend_edges["{notes}"]')
        lines.append("  style legend_edges fill:#ffffff,stroke:#999999")
    lines.append("  end")
    return lines


def to_mermaid(graph) -> str:
    """A Mermaid `flowchart` of the diagram model, with node ids n001, n002... in sorted order."""
    graph = canonical(graph)
    ids = {node: f"n{number:03d}" for number, node in enumerate(graph.nodes, start=1)}
    direction = graph.graph.get("rankdir", "LR")
    title = json.dumps(graph.graph["title"], ensure_ascii=False)   # a JSON string is a YAML scalar
    edges, styles = _edges(graph, ids)
    conflicts = [ids[n] for n, a in graph.nodes(data=True) if a.get("conflict")]
    lines = ["---", f"title: {title}", *CONFIG, "---", f"flowchart {direction}",
             f"  %% {comment(graph.graph['subtitle'])}"]
    lines += _body(graph, ids) + edges + _legend(graph)
    lines += _class_defs(used_kinds(graph)[0])
    if conflicts:
        lines.append(f"  class {','.join(conflicts)} conflict")
    lines += styles
    return "\n".join(lines) + "\n"
