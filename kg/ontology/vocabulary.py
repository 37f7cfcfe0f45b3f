"""The controlled vocabulary (ontology/*.ttl) as plain Python lookups for validation and queries."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS

from kg import paths
from kg.errors import OntologyError
from kg.ontology.namespaces import CON, FAM, LVL, MOD, PROP, UC, WM


def slugify(label: str) -> str:
    """A stable id for a label: lower case, ASCII letters and digits joined by hyphens."""
    table = {"β": "beta", "·": "-", "é": "e", "ü": "u", "&": "and", "+": "plus"}
    text = "".join(table.get(ch, ch) for ch in label.strip().lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass
class Concept:
    id: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    definition: str = ""
    modalities: list[str] = field(default_factory=list)
    rank: int = 0
    higher_is_better: bool = True
    broader: list[str] = field(default_factory=list)      # local ids of skos:broader concepts in the same scheme


@dataclass
class Vocabulary:
    graph: Graph
    families: dict[str, Concept]
    properties: dict[str, Concept]
    levels: dict[str, Concept]
    modalities: dict[str, Concept]
    use_cases: dict[str, Concept]
    constraints: dict[str, Concept]

    def level_of_rank(self, rank: int) -> str:
        return next(c.id for c in self.levels.values() if c.rank == rank)


def ontology_files(ontology_dir: Path) -> list[Path]:
    """The Turtle files that make up the vocabulary and shapes, in a stable order."""
    return sorted(ontology_dir.glob("*.ttl"))


def _concepts(graph: Graph, cls, namespace) -> dict[str, Concept]:
    out: dict[str, Concept] = {}
    for node in sorted(graph.subjects(RDF.type, cls)):
        ident = str(node)[len(str(namespace)):]
        label = graph.value(node, SKOS.prefLabel)
        concept = Concept(
            id=ident, label=str(label or ident),
            alt_labels=sorted(str(a) for a in graph.objects(node, SKOS.altLabel)),
            definition=str(graph.value(node, SKOS.definition) or ""),
            modalities=sorted(str(m)[len(str(MOD)):] for m in graph.objects(node, WM.modality)),
        )
        rank = graph.value(node, WM.rank)
        concept.rank = int(rank) if isinstance(rank, Literal) else 0
        better = graph.value(node, WM.higherIsBetter)
        concept.higher_is_better = bool(better.toPython()) if isinstance(better, Literal) else True
        concept.broader = sorted(str(b)[len(str(namespace)):] for b in graph.objects(node, SKOS.broader)
                                 if str(b).startswith(str(namespace)))
        out[ident] = concept
    return out


def parse_ontology(files: list[Path]) -> Graph:
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many types for bad Turtle
            raise OntologyError(f"cannot parse Turtle: {exc}", file=str(path)) from None
    return graph


@lru_cache(maxsize=2)
def _load(ontology_dir: str) -> Vocabulary:
    graph = parse_ontology([p for p in ontology_files(Path(ontology_dir)) if p.name != "shapes.ttl"])
    return Vocabulary(
        graph=graph,
        families=_concepts(graph, WM.ModelFamily, FAM),
        properties=_concepts(graph, WM.Property, PROP),
        levels=_concepts(graph, WM.Level, LVL),
        modalities=_concepts(graph, WM.Modality, MOD),
        use_cases=_concepts(graph, WM.UseCase, UC),
        constraints=_concepts(graph, WM.Constraint, CON),
    )


def load_vocabulary(ontology_dir: Path | None = None) -> Vocabulary:
    """The vocabulary in ontology/*.ttl (shapes excluded). Cached per folder."""
    return _load(str(ontology_dir or paths.ontology_dir()))
