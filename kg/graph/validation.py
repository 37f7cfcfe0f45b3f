"""SHACL validation of the built graph (pyshacl). Returns a report; raising is opt-in."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

from kg import paths
from kg.errors import OntologyError, ValidationFailed
from kg.ontology.namespaces import SH


@dataclass(frozen=True)
class ValidationResult:
    severity: str      # Violation | Warning | Info
    focus: str
    path: str
    message: str
    shape: str
    value: str = ""

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" value {self.value}" if self.value else ""
        return f"{self.severity}: {self.focus}{where}{value}: {self.message} (shape {self.shape})"


@dataclass
class ValidationReport:
    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)

    def raise_for_violations(self) -> None:
        violations = [r for r in self.results if r.severity == "Violation"]
        if violations:
            shown = "\n  ".join(str(r) for r in violations[:20])
            more = f"\n  … and {len(violations) - 20} more" if len(violations) > 20 else ""
            raise ValidationFailed(f"the graph violates its SHACL shapes:\n  {shown}{more}", report=self)


def load_shapes(shapes_path: Path | None = None) -> Graph:
    path = shapes_path or paths.ontology_dir() / "shapes.ttl"
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several parser error types
        raise OntologyError(f"cannot parse SHACL shapes: {exc}", file=str(path)) from None


def _short(graph: Graph, node) -> str:
    if node is None:
        return ""
    try:
        return graph.namespace_manager.normalizeUri(node)
    except Exception:
        return str(node)


def validate_graph(data: Graph, shapes: Graph | None = None) -> ValidationReport:
    """Validate data against the shapes; the report lists every result."""
    import pyshacl

    shapes = shapes if shapes is not None else load_shapes()
    conforms, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        value = partial(report_graph.value, node)
        results.append(ValidationResult(
            severity=str(value(SH.resultSeverity)).rsplit("#", 1)[-1],
            focus=_short(data, value(SH.focusNode)),
            path=_short(data, value(SH.resultPath)),
            message=str(value(SH.resultMessage) or ""),
            shape=_short(data, value(SH.sourceShape)),
            value=_short(data, value(SH.value)),
        ))
    results.sort(key=lambda r: (r.severity, r.focus, r.path, r.message))
    return ValidationReport(bool(conforms), results)
