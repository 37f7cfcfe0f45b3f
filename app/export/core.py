"""export_view(): a view of the built graph in one format, as bytes; write_export(): to a file, atomically."""
from __future__ import annotations

from pathlib import Path

import kg
from app.export.answer import answer_view
from app.export.context import sources_key
from app.export.flowchart import flowchart_view
from app.export.matrix import matrix_dot, matrix_resources
from app.export.mermaid import to_mermaid
from app.export.rdf import diagram_resources, serialise_subgraph, subgraph
from app.export.render import run_dot, to_dot, to_graphml
from app.export.spec import ExportError, check_request
from app.export.views import family_view, map_view
from kg.graph.store import write_atomic

VIEWS = {"map": map_view, "family": family_view, "answer": answer_view, "flowchart": flowchart_view}


def build_model(view: str, argument: str | None, ctx):
    """The diagram model (a networkx MultiDiGraph) of a graph-shaped view, with the key of the source ids
    it shows to their documents' titles."""
    if view not in VIEWS:
        raise ExportError(f"the {view} view has no graph model")
    graph = VIEWS[view](ctx, argument)
    graph.graph["sources_key"] = sources_key(ctx, graph)
    return graph


def _dot_source(view: str, argument: str | None, ctx) -> str:
    if view == "matrix":
        return matrix_dot(ctx)
    return to_dot(build_model(view, argument, ctx))


def _resources(view: str, argument: str | None, ctx) -> set[str]:
    if view == "matrix":
        return matrix_resources(ctx)
    return diagram_resources(build_model(view, argument, ctx))


def export_view(view: str, argument=None, fmt: str = "svg", *, kb=None) -> bytes:
    """One view of the knowledge graph in one format.

    view: map | family NAME | answer QUESTION-or-Answer | flowchart | matrix; fmt: see spec.VIEW_FORMATS.
    The answer view draws the Answer it is given (a question is answered first). kb: the KnowledgeBase
    to draw from (default: the current build). Raises ExportError for a bad request; the output is the
    same bytes for the same graph.
    """
    view, argument, fmt = check_request(view, argument, fmt)
    ctx = kb or kg.current()
    if fmt in ("svg", "png", "dot"):
        source = _dot_source(view, argument, ctx)
        if fmt == "dot":
            return source.encode("utf-8")
        return run_dot(source, fmt)
    if fmt in ("turtle", "json-ld"):
        return serialise_subgraph(subgraph(ctx.graph, _resources(view, argument, ctx)), fmt)
    model = build_model(view, argument, ctx)
    if fmt == "mermaid":
        return to_mermaid(model).encode("utf-8")
    return to_graphml(model)


def check_writable(path: Path | str) -> Path:
    """Fail early (before any drawing) when the export obviously cannot be written to path."""
    import os

    target = Path(path)
    try:
        if target.is_dir():
            raise ExportError(f"cannot write the export: {target} is a folder")
        missing = _missing_folders(target)
        folder = missing[-1].parent if missing else target.parent
        writable = folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)
    except (OSError, ValueError) as exc:          # a name too long, a NUL byte in it, ...
        raise ExportError(f"cannot write the export to {str(target)!r}: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None
    if not writable:
        raise ExportError(f"cannot write the export to {target}: {folder} is not a writable folder")
    return target


def write_export(data: bytes, path: Path | str) -> Path:
    """Write an export atomically: the file holds the whole export or is left as it was, and
    folders made for it are removed again when the write fails."""

    target = check_writable(path)
    made = _missing_folders(target)
    try:
        write_atomic(target, data)
    except (OSError, ValueError) as exc:
        for folder in made:                     # deepest first; rmdir only removes empty ones
            try:
                folder.rmdir()
            except OSError:
                continue
        raise ExportError(f"cannot write the export to {str(target)!r}: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None
    return target


def _missing_folders(target: Path) -> list[Path]:
    """The folders above target that do not exist yet, deepest first."""
    missing, folder = [], target.parent
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing
