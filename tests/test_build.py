"""The build: counts, SHACL, conflicts, determinism, atomic outputs, clear failures."""
from __future__ import annotations

import shutil

import pytest
from rdflib import Graph, Literal

from kg import paths
from kg.errors import ClaimError, ValidationFailed
from kg.namespaces import OA
from kg.validation import validate_graph


def test_build_counts(built):
    c = built.counts
    assert c["claims"] >= 500 and c["documents"] == 5 and c["families"] == 8
    assert c["decision_rules"] >= 10 and c["conflicts"] >= 2 and c["named_models"] >= 30
    assert built.report.conforms


def test_conflicts_cite_both_sides(kb):
    conflicts = {c.id: c for c in kb.conflicts}
    training = conflicts["diffusion-training-complexity"]
    assert {s.source[:3] for s in training.sides} >= {"000", "004"}
    flows = conflicts["flow-high-dimensional-data"]
    assert {s.source[:3] for s in flows.sides} == {"000", "003"}
    assert "000 says high" in flows.summary(kb.vocab) and "003 says low" in flows.summary(kb.vocab)


def test_outputs_written_and_parse(built):
    folder = built.outputs.folder
    ttl = Graph().parse(folder / "graph.ttl", format="turtle")
    assert len(ttl) == len(built.kb.graph)
    jsonld = Graph().parse(folder / "graph.jsonld", format="json-ld")
    assert len(jsonld) == len(built.kb.graph)


def test_build_is_byte_identical(built, tmp_path):
    import kg

    kg.build_graph(tmp_path, validate=False)
    for name in ("graph.ttl", "graph.jsonld", "network.json"):
        assert (tmp_path / name).read_bytes() == (built.outputs.folder / name).read_bytes(), name


def test_shacl_catches_a_wrong_offset(kb):
    graph = Graph() + kb.graph
    selector = sorted(graph.subjects(OA.start, None))[0]
    start = graph.value(selector, OA.start)
    graph.set((selector, OA.start, Literal(int(start) + 1, datatype=start.datatype)))
    report = validate_graph(graph)
    assert not report.conforms
    assert any("between its offsets" in r.message for r in report.results)
    with pytest.raises(ValidationFailed, match="between its offsets"):
        report.raise_for_violations()


def test_shacl_catches_a_model_without_family(kb):
    from rdflib.namespace import RDF, SKOS
    from kg.namespaces import MODEL, WM

    graph = Graph() + kb.graph
    orphan = MODEL["orphan"]
    graph.add((orphan, RDF.type, WM.NamedModel))
    graph.add((orphan, SKOS.prefLabel, Literal("Orphan", lang="en")))
    graph.add((orphan, SKOS.inScheme, WM.Models))
    report = validate_graph(graph)
    assert any(r.focus == "model:orphan" for r in report.results)


def test_failed_build_keeps_previous_outputs(tmp_path):
    import kg

    onto = tmp_path / "ontology"
    shutil.copytree(paths.ontology_dir(), onto)
    out = tmp_path / "out"
    kg.build_graph(out, ontology_dir=onto, validate=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = onto / "claims" / "002.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("tend to be blurry", "are never blurry"),
                   encoding="utf-8")
    with pytest.raises(ClaimError) as err:
        kg.build_graph(out, ontology_dir=onto, validate=False)
    assert err.value.file.endswith("002.yaml") and err.value.line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
