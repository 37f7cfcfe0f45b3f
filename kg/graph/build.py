"""The build: assemble the graph, validate it, write Turtle, N-Triples, N-Quads (one named graph per source
document, kg.graph.quads), JSON-LD, the networkx view and the embedding model's ONNX export
(kg.graph.encoding) as one set."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg import paths
from kg.graph.assemble import AssembledGraph, assemble_graph
from kg.graph.encoding import encoder_output
from kg.graph.network import dump_networkx, to_networkx
from kg.graph.quads import partition, serialise_nquads
from kg.graph.store import (
    ENCODER_ONNX,
    GRAPH_JSONLD,
    GRAPH_NQ,
    GRAPH_NT,
    GRAPH_TTL,
    NETWORK_JSON,
    BuildOutputs,
    serialise_jsonld,
    serialise_ntriples,
    serialise_turtle,
    sources_hash,
    write_outputs,
)
from kg.graph.validation import ValidationReport, validate_graph


@dataclass
class BuildResult:
    kb: AssembledGraph
    report: ValidationReport
    outputs: BuildOutputs | None
    counts: dict


def count(kb: AssembledGraph) -> dict:
    claims = kb.claims
    by_doc = {d: sum(c.source == d for c in claims) for d in kb.docs}
    return {
        "triples": len(kb.graph), "documents": len(kb.docs), "claims": len(claims),
        "claims_by_document": by_doc, "families": len(kb.vocab.families),
        "named_models": len(kb.models), "properties": len(kb.vocab.properties),
        "use_cases": len(kb.vocab.use_cases), "modalities": len(kb.vocab.modalities),
        "decision_rules": sum(c.predicate == "recommended_when" for c in claims),
        "conflicts": len(kb.conflicts),
    }


def build_graph(out_dir: Path | None = None, *, ontology_dir: Path | None = None,
                validate: bool = True, write: bool = True) -> BuildResult:
    """Assemble, validate (raising on SHACL violations) and write the graph's outputs.

    Nothing is written unless the whole graph assembles and validates; the outputs are then
    swapped in as one set (kg.graph.store.write_outputs), so a failed or killed build leaves the
    previous one in place. Raises BuildWriteError when the outputs cannot be written.
    """
    kb = assemble_graph(ontology_dir)
    report = validate_graph(kb.graph) if validate else ValidationReport(conforms=True)
    report.raise_for_violations()
    counts = count(kb)
    outputs = None
    if write:
        folder = out_dir or paths.build_dir()
        files, manifest = serialise_outputs(kb, counts, ontology_dir=ontology_dir, validate=validate, folder=folder)
        outputs = write_outputs(files, manifest, folder)
    return BuildResult(kb, report, outputs, counts)


def named_graphs(kb: AssembledGraph) -> dict:
    """The assembled graph split into named graphs, one per source document (kg.graph.quads)."""
    return partition(kb.graph, kb.vocab.graph, {c.id: c.source for c in kb.claims})


def serialise_outputs(kb: AssembledGraph, counts: dict, *, ontology_dir: Path | None = None,
                      validate: bool = True, folder: Path | None = None) -> tuple[dict[str, bytes], dict]:
    """The output files' bytes by name, and the manifest that describes them (the encoder's export is
    reused from the build in folder, default the build folder, when its model is unchanged)."""
    encoder, encoder_entry = encoder_output(folder or paths.build_dir())
    files = {
        GRAPH_TTL: serialise_turtle(kb.graph),
        GRAPH_NT: serialise_ntriples(kb.graph),
        GRAPH_NQ: serialise_nquads(named_graphs(kb)),
        GRAPH_JSONLD: serialise_jsonld(kb.graph),
        NETWORK_JSON: dump_networkx(to_networkx(kb.graph)),
        ENCODER_ONNX: encoder,
    }
    manifest = {"sources": sources_hash(ontology_dir), "counts": counts,
                "validated": validate, "files": sorted(files), "encoder": encoder_entry}
    return files, manifest
