"""export_view(): a view of the built graph in one format, as bytes; write_export(): to a file, atomically."""
from __future__ import annotations

from pathlib import Path

from app.export.spec import ExportError, check_request


def build_model(view: str, argument: str | None, ctx):
    """The diagram model (a networkx MultiDiGraph) of a graph-shaped view."""
    if view == "map":
        from app.export.views import map_view
        return map_view(ctx)
    if view == "family":
        from app.export.views import family_view
        return family_view(ctx, argument)
    if view == "answer":
        from app.export.answer import answer_view
        return answer_view(ctx, argument)
    if view == "flowchart":
        from app.export.flowchart import flowchart_view
        return flowchart_view(ctx)
    raise ExportError(f"the {view} view has no graph model")


def _dot_source(view: str, argument: str | None, ctx) -> str:
    if view == "matrix":
        from app.export.matrix import matrix_dot
        return matrix_dot(ctx)
    from app.export.render import to_dot
    return to_dot(build_model(view, argument, ctx))


def _resources(view: str, argument: str | None, ctx) -> set[str]:
    if view == "matrix":
        from app.export.matrix import matrix_resources
        return matrix_resources(ctx)
    from app.export.rdf import diagram_resources
    return diagram_resources(build_model(view, argument, ctx))


def export_view(view: str, argument: str | None = None, fmt: str = "svg", *, ctx=None,
                graph=None, engine=None) -> bytes:
    """One view of the knowledge graph in one format.

    view: map | family NAME | answer QUESTION | flowchart | matrix; fmt: see spec.VIEW_FORMATS.
    ctx (an ExportContext) or graph (the built rdflib graph) may be given to skip loading the build.
    Raises ExportError for a bad request; the output is the same bytes for the same graph.
    """
    view, argument, fmt = check_request(view, argument, fmt)
    if ctx is None:
        from app.export.context import load_context
        ctx = load_context(graph, engine)
    elif engine is not None:
        ctx.engine = engine
    if fmt in ("svg", "png", "dot"):
        source = _dot_source(view, argument, ctx)
        if fmt == "dot":
            return source.encode("utf-8")
        from app.export.render import run_dot
        return run_dot(source, fmt)
    if fmt in ("ttl", "jsonld"):
        from app.export.rdf import serialise_subgraph, subgraph
        return serialise_subgraph(subgraph(ctx.graph, _resources(view, argument, ctx)), fmt)
    model = build_model(view, argument, ctx)
    if fmt == "mermaid":
        from app.export.mermaid import to_mermaid
        return to_mermaid(model).encode("utf-8")
    from app.export.render import to_graphml
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
    from kg.store import write_atomic

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
