"""Diagram model -> Mermaid flowchart text (renders in GitHub markdown): title, clusters, classes, legend."""
from __future__ import annotations

import json

from app.export.context import key_entries, wrap
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
_BACK = {"solid": "<---", "dashed": "<-.-", "dotted": "<-.-"}   # arrowhead at the start: drawn right to left
# Layout for a slide: labels are wrapped by the views (not at Mermaid's 200 px; edge labels stay on the
# lines the views give them), straight edges (Mermaid keeps an edge's label where dagre put it only when
# the label lies on the drawn path; curved edges move labels onto each other), a title larger than a node.
MERMAID_FONT_PX = 24
_CSS = (".labelBkg{max-width:none !important;width:auto !important;white-space:nowrap !important} "
        ".flowchartTitleText{font-size:36px !important} .k_legend p{text-align:left !important} "
        ".label div, .labelBkg{line-height:1.25 !important} "
        # a box's title on its top border, as in a fieldset: Mermaid leaves it no room above the first node
        ".cluster-label foreignObject{overflow:visible} "
        ".cluster-label div{transform:translateY(-55%);background:#ffffde;padding:0 6px}")
CONFIG = ["config:", "  themeVariables:", f"    fontSize: {MERMAID_FONT_PX}px", f"  themeCSS: {json.dumps(_CSS)}",
          "  flowchart:", "    wrappingWidth: 900", "    padding: 8", "    nodeSpacing: 12", "    rankSpacing: 40",
          "    curve: linear",
          "    subGraphTitleMargin:", "      top: 6", "      bottom: 6"]
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


def _written(graph) -> list[tuple[str, str, bool]]:
    """Each edge as Mermaid lays it out: (tail, head, drawn backwards). An edge to a kind drawn on the left
    (graph attribute left_kinds) or from a node Mermaid draws on the right (graph attribute mirror: half
    the map's families, so that the map is wide rather than tall) is written from its target, its
    arrowhead at the start."""
    left, mirror = set(graph.graph.get("left_kinds", "").split()), set(graph.graph.get("mirror", "").split())
    out = []
    for source, target in graph.edges():
        back = graph.nodes[target].get("kind") in left or source in mirror
        out.append((target, source, True) if back else (source, target, False))
    return out


def _edges(graph, ids: dict[str, str]) -> tuple[list[str], list[str]]:
    lines, styles = [], []
    for number, ((_, _, attrs), (tail, head, back)) in enumerate(zip(graph.edges(data=True), _written(graph))):
        _, colour, style = edge_style(attrs.get("kind", ""))
        arrow = (_BACK if back else _ARROWS).get(style, "-->")
        label = f'|"{text(attrs["label"])}"|' if attrs.get("label") else ""
        lines.append(f"  {ids[tail]} {arrow}{label} {ids[head]}")
        styles.append(f"  linkStyle {number} stroke:{attrs.get('colour') or colour}")
    return lines, styles


def _rgb(colour: str) -> str:
    """A #rrggbb colour as rgb(...): Mermaid reads "#c6dbef;" in a label as an entity."""
    return "rgb(" + ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + ")"


def _legend_label(graph) -> str:
    """The legend as one node: a swatch per node kind, a coloured arrow per edge kind, several to a line
    (markup built here from the style table only; every text in it is escaped), and the view's subtitle."""
    node_kinds, edge_kinds = used_kinds(graph)
    swatch = "<span style='background:{};border:{}px solid {}'>\u2003\u2003</span> "
    entries = [(swatch.format(_rgb(node_style(k)[2]), 2, _rgb(node_style(k)[3])), node_style(k)[0])
               for k in node_kinds]
    if any(a.get("conflict") and a.get("kind") != "conflict" for _, a in graph.nodes(data=True)):
        entries.append((swatch.format("none", 3, _rgb(CONFLICT_COLOUR)), "sources disagree (red border)"))
    coloured = {a.get("kind") for _, _, a in graph.edges(data=True) if a.get("colour")}
    lines = _packed(entries)
    entries = []
    for kind in edge_kinds:
        words, colour, style = edge_style(kind)
        words, colour = (f"{words}; line colour: its family", "#555555") if kind in coloured else (words, colour)
        entries.append((f"<span style='color:{_rgb(colour)}'>{_LEGEND_ARROWS.get(style, '')}</span> ", words))
    notes = [text(line) for line in wrap(graph.graph.get("subtitle", ""), 64).split("\n")]   # one paragraph
    grey = f"<span style='color:{_rgb('#555555')}'>{{}}</span>"
    key = [f"<b>{text(doc)}</b> {text(title)}" for doc, title in key_entries(graph)]
    return "<br/>".join(["<b>Legend</b>"] + lines + _packed(entries) + [grey.format(n) for n in notes if n]
                        + (["<b>Sources</b>"] + key if key else []))


def _packed(entries: list[tuple[str, str]], width: int = 64) -> list[str]:
    """Legend entries (markup, words) several to a line, lines of at most width characters of words."""
    lines, line, used = [], [], 0
    for markup, words in entries:
        if line and used + len(words) + 6 > width:
            lines.append("\u2003".join(line))
            line, used = [], 0
        line.append(markup + text(words))
        used += len(words) + 6
    return lines + (["\u2003".join(line)] if line else [])


def _ranks(graph) -> dict[str, int]:
    """The rank (column, or row top to bottom) Mermaid's layout puts each node in, near enough: longest
    path from the first nodes, a node without incoming edges pulled up to just before its first target."""
    import networkx as nx

    written = nx.DiGraph()
    written.add_nodes_from(graph.nodes)
    written.add_edges_from((tail, head) for tail, head, _ in _written(graph))
    rank: dict[str, int] = {}
    for node in nx.topological_sort(written):
        rank[node] = max((rank[p] + 1 for p in written.predecessors(node)), default=0)
    for node in written:
        if not written.in_degree(node) and written.out_degree(node):
            rank[node] = min(rank[s] for s in written.successors(node)) - 1
    return rank


def _legend(graph, ids: dict[str, str]) -> list[str]:
    """The legend node, tied by an invisible link (of length 2: one rank, edge labels having ranks of their
    own) into the rank with the least text (columns left to right, or rows top to bottom), where it fills
    space the drawing leaves empty rather than adding a column."""
    lines = [f'  legend["{_legend_label(graph)}"]:::k_legend']
    ranks = _ranks(graph)
    across = graph.graph.get("rankdir", "LR") == "TB"
    load: dict[int, int] = {}
    for node, rank in ranks.items():
        label = graph.nodes[node].get("label", "").split("\n")
        load[rank] = load.get(rank, 0) + (max(map(len, label)) if across else len(label) + 1)
    if not load:
        return lines
    hubs = {ranks[n] for n in graph if graph.degree(n) > 7}     # edges fan out from a hub across its rank
    best = min(sorted(load), key=lambda r: (r in hubs, load[r], -r))
    if best > 0:                # (a node without links is laid out in the first rank)
        lines.append(f"  {ids[min(n for n, r in ranks.items() if r == best - 1)]} ~~~~ legend")
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
    lines += _body(graph, ids) + edges + _legend(graph, ids)
    lines += _class_defs(used_kinds(graph)[0] + ["legend"])
    if conflicts:
        lines.append(f"  class {','.join(conflicts)} conflict")
    lines += [f"  style {ids[n]} stroke:{a['colour']},stroke-width:3px" for n, a in graph.nodes(data=True)
              if a.get("colour")]
    lines += styles
    return "\n".join(lines) + "\n"
