"""How each kind of node and edge looks, shared by the Graphviz and Mermaid renderers and the legends."""
from __future__ import annotations

FONT = "DejaVu Sans"
# Point sizes, chosen so that a view fitted onto a 1920x1080 slide shows its text at 14 px or more.
NODE_FONT, EDGE_FONT, CLUSTER_FONT, LEGEND_FONT, TITLE_FONT, SUBTITLE_FONT = 16, 14, 15, 14, 26, 15

# kind: (legend text, dot shape, fill colour, border colour, extra dot style, mermaid shape)
NODE_STYLES = {
    "question": ("question asked", "box", "#ffffff", "#333333", "bold", "rect"),
    "start": ("start, or where this page continues from", "box", "#333333", "#333333", "rounded", "stadium"),
    "family": ("model family", "box", "#c6dbef", "#2b5d8c", "rounded,bold", "round"),
    "use_case": ("use case", "ellipse", "#d9f0d3", "#3b7a3b", "", "stadium"),
    "use_case_group": ("use cases of one kind of data", "box", "#d9f0d3", "#3b7a3b", "rounded", "round"),
    "property": ("property rated in its favour", "box", "#fde9c9", "#b36b00", "", "rect"),
    "level": ("property level (consensus)", "box", "#fde9c9", "#b36b00", "", "rect"),
    "model": ("named model (example)", "box", "#eeeeee", "#666666", "", "rect"),
    "hybrid": ("hybrid model", "box3d", "#e6d7f2", "#6a3d9a", "", "subroutine"),
    "strength": ("strength", "box", "#e5f5e0", "#31a354", "rounded", "round"),
    "weakness": ("weakness", "box", "#fde0dd", "#de2d26", "rounded", "round"),
    "need": ("need understood", "box", "#e0f3f8", "#2c7fb8", "", "lean-r"),
    "claim": ("evidence: a quote, its source @ offsets", "note", "#fffbe6", "#8c6d1f", "", "rect"),
    "conflict": ("sources disagree (levels by source id)", "note", "#fff0f0", "#d62728", "", "rect"),
    "decision": ("question to answer", "diamond", "#fff2cc", "#b38f00", "", "hexagon"),
    "outcome": ("a source's recommendation", "box", "#c6dbef", "#2b5d8c", "rounded,bold", "round"),
    "continued": ("continued on another page", "box", "#ffffff", "#666666", "rounded,dashed", "round"),
}

# kind: (legend text, colour, dot style)
EDGE_STYLES = {
    "suited_for": ("suited for (source ids)", "#3b7a3b", "solid"),
    "suited_for_group": ("suited for: how many use cases (source ids)", "#3b7a3b", "solid"),
    "not_suited_for": ("not suited for", "#de2d26", "dashed"),
    "strong_on": ("rated high on (consensus of sources)", "#b36b00", "dashed"),
    "rated": ("rated (consensus, source ids)", "#b36b00", "solid"),
    "example": ("named examples (source ids)", "#666666", "solid"),
    "combines": ("hybrid combines (source ids)", "#6a3d9a", "dotted"),
    "strength": ("strength (source ids)", "#31a354", "solid"),
    "weakness": ("weakness (source ids)", "#de2d26", "solid"),
    "asks": ("question implies need", "#2c7fb8", "solid"),
    "matches": ("claim matches need", "#2c7fb8", "dashed"),
    "supports": ("evidence for the family (source ids)", "#2b5d8c", "solid"),
    "tradeoff": ("trade-off against the family (source ids)", "#de2d26", "dashed"),
    "disputes": ("sources disagree (source ids)", "#de2d26", "dotted"),
    "branch": ("answer (source ids)", "#333333", "solid"),
}

CONFLICT_COLOUR = "#d62728"
# One colour per family for the map's edges, so each family's lines can be followed.
FAMILY_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#b8860b", "#a6761d", "#1f78b4")
CONFLICT_MARK = "\u26a0"   # ⚠, drawn by DejaVu Sans


def node_style(kind: str) -> tuple:
    return NODE_STYLES.get(kind, (kind, "box", "#ffffff", "#333333", "", "rect"))


def edge_style(kind: str) -> tuple:
    return EDGE_STYLES.get(kind, (kind, "#555555", "solid"))


def used_kinds(graph) -> tuple[list[str], list[str]]:
    """The node kinds and edge kinds a graph uses, in legend order."""
    nodes = {a.get("kind") for _, a in graph.nodes(data=True)}
    edges = {a.get("kind") for _, _, a in graph.edges(data=True)}
    return ([k for k in NODE_STYLES if k in nodes] + sorted(k for k in nodes - set(NODE_STYLES) if k),
            [k for k in EDGE_STYLES if k in edges] + sorted(k for k in edges - set(EDGE_STYLES) if k))


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on the fill colour."""
    red, green, blue = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return "#ffffff" if 0.299 * red + 0.587 * green + 0.114 * blue < 140 else "#000000"
