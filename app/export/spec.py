"""What can be exported: the views, the formats each supports, and the error a bad request raises."""
from __future__ import annotations

from kg.errors import WhichModelError

GRAPH_FORMATS = ("svg", "png", "dot", "mermaid", "graphml", "ttl", "jsonld")
MATRIX_FORMATS = ("svg", "png", "dot", "ttl", "jsonld")
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
EXTENSIONS = {"svg": ".svg", "png": ".png", "dot": ".dot", "mermaid": ".mmd", "graphml": ".graphml",
              "ttl": ".ttl", "jsonld": ".jsonld"}
FORMAT_ALIASES = {"mmd": "mermaid", "gv": "dot", "turtle": "ttl", "json-ld": "jsonld"}


class ExportError(WhichModelError):
    """An export request names an unknown view, family or format, or cannot be written."""



def normalise_format(fmt: str | None) -> str:
    text = str(fmt or "").strip().lower()
    return FORMAT_ALIASES.get(text, text)


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
    argument = argument.strip() if isinstance(argument, str) else None
    if name in VIEW_ARGUMENT and not argument:
        raise ExportError(f"the {name} view needs {VIEW_ARGUMENT[name]}")
    if name not in VIEW_ARGUMENT and argument:
        raise ExportError(f"the {name} view takes no argument (got {argument!r})")
    return name, argument, fmt


def format_for_path(path: str) -> str | None:
    """The format a file name's extension implies, if any."""
    lower = str(path).lower()
    for fmt, ext in EXTENSIONS.items():
        if lower.endswith(ext):
            return fmt
    return {".gv": "dot", ".mermaid": "mermaid", ".json": "jsonld"}.get(
        lower[lower.rfind("."):] if "." in lower else "", None)
