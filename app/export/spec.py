"""What can be exported: the views, the formats each supports, and the error a bad request raises."""
from __future__ import annotations

from kg.errors import ExportError
from kg.formats import FORMATS, Format

DIAGRAM_FORMATS = [
    Format("svg", "image/svg+xml", ".svg", "diagram"),
    Format("png", "image/png", ".png", "diagram"),
    Format("dot", "text/vnd.graphviz", ".dot", "diagram", aliases=("gv",), also_extensions=(".gv",)),
    Format("mermaid", "text/vnd.mermaid", ".mmd", "diagram", aliases=("mmd",), also_extensions=(".mermaid",)),
    Format("graphml", "application/graphml+xml", ".graphml", "diagram"),
]
EXPORT_FORMATS = FORMATS.extended(DIAGRAM_FORMATS)
GRAPH_FORMATS = ("svg", "png", "dot", "mermaid", "graphml", "turtle", "json-ld")
MATRIX_FORMATS = ("svg", "png", "dot", "turtle", "json-ld")
VIEW_FORMATS = {
    "map": GRAPH_FORMATS,
    "family": GRAPH_FORMATS,
    "answer": GRAPH_FORMATS,
    "flowchart": GRAPH_FORMATS,
    "matrix": MATRIX_FORMATS,
}
ALL_FORMATS = GRAPH_FORMATS
VIEW_ARGUMENT = {"family": "a family name or id (e.g. GAN, diffusion)",
                 "answer": "a question in quotes"}
# Views whose argument may be left out: the map (a family's page) and the flowchart (a page number).
OPTIONAL_ARGUMENT = {"map": "a family name for that family's page", "flowchart": "a page number"}


def normalise_format(fmt: str | None) -> str:
    """A format's name in kg.formats for any of its names ("ttl" -> "turtle", "mmd" -> "mermaid")."""
    return EXPORT_FORMATS.canonical(fmt)


def check_request(view: str, argument: str | None, fmt: str) -> tuple[str, str | None, str]:
    """The request in canonical form, or ExportError naming what is wrong and what would work."""
    name = str(view or "").strip().lower()
    if name not in VIEW_FORMATS:
        raise ExportError(f"unknown view {view!r}; choose one of {', '.join(VIEW_FORMATS)}")
    fmt = normalise_format(fmt)
    if fmt not in ALL_FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(ALL_FORMATS)}")
    if fmt not in VIEW_FORMATS[name]:
        raise ExportError(f"the {name} view cannot be exported as {fmt}; it supports "
                          f"{', '.join(VIEW_FORMATS[name])}")
    argument = argument.strip() if isinstance(argument, str) else argument    # the answer view takes an Answer too
    if name in VIEW_ARGUMENT and not argument:
        raise ExportError(f"the {name} view needs {VIEW_ARGUMENT[name]}")
    if name not in VIEW_ARGUMENT and name not in OPTIONAL_ARGUMENT and argument:
        raise ExportError(f"the {name} view takes no argument (got {argument!r})")
    return name, argument, fmt


def format_for_path(path: str) -> str | None:
    """The format a file name's extension implies, if any."""
    found = EXPORT_FORMATS.for_extension(path)
    return found.name if found and found.name in ALL_FORMATS else None
