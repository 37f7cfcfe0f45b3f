"""Diagram export: views of the knowledge graph (map, family, answer, flowchart, matrix) as SVG, PNG,
Graphviz, Mermaid, GraphML, Turtle or JSON-LD. Importing this package imports nothing heavy."""
from __future__ import annotations

from app.export.core import export_view, write_export
from app.export.spec import VIEW_FORMATS, ExportError

__all__ = ["export_view", "write_export", "ExportError", "VIEW_FORMATS"]
