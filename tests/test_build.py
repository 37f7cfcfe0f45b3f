"""The build: counts, SHACL, conflicts, determinism, outputs swapped in as one set, clear failures."""
from __future__ import annotations

import os
import shutil

import pytest
from rdflib import Graph, Literal

from kg import paths
from kg.errors import ClaimError, ValidationFailed
from kg.graph import store
from kg.graph.validation import validate_graph
from kg.ontology.namespaces import OA

OUTPUTS = ("graph.jsonld", "graph.nq", "graph.nt", "graph.ttl", "manifest.json", "network.json")


def snapshot(folder) -> tuple[dict, list]:
    """Every output's bytes through its stable name, and every path in the folder."""
    return ({name: (folder / name).read_bytes() for name in OUTPUTS},
            sorted(str(p.relative_to(folder)) for p in folder.rglob("*")))


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


def test_sources_that_agree_on_their_own_scales_do_not_conflict(kb):
    """000 says 'Limited', 001 '⭐⭐⭐', 004 'No latent space control': words that map to levels far apart, but
    each source puts GANs last (or below the middle) on controllability."""
    ids = {c.id for c in kb.conflicts}
    assert "gan-controllability" not in ids
    assert "gan-diversity" in ids                 # 000 "diverse" against three sources' mode collapse stays


def test_a_comparison_contradicted_by_ratings_is_a_conflict(kb):
    """000: diffusion 'easier to train than GANs'; 004 rates diffusion's training complexity very high, above
    GANs'."""
    conflict = {c.id: c for c in kb.conflicts}["diffusion-training-complexity-vs-gan"]
    assert conflict.kind == "comparison" and conflict.other == "gan"
    said, mine, theirs = conflict.sides
    assert said.predicate == "compared" and said.source[:3] == "000"
    assert mine.subject == "diffusion" and theirs.subject == "gan" and mine.source == theirs.source != said.source
    assert "the other way round" in conflict.summary(kb.vocab)


@pytest.mark.parametrize("cid, quotes", [
    ("nerf-data-need-in-004", {"Few input images needed",
                               "- Requires multiple images from different viewpoints for optimal performance."}),
    ("nerf-generation-speed-in-004", {"Slow rendering/training"}),
])
def test_one_document_at_odds_with_itself_is_a_conflict(kb, cid, quotes):
    conflict = {c.id: c for c in kb.conflicts}[cid]
    assert conflict.kind == "within-document" and {s.source for s in conflict.sides} == {conflict.sides[0].source}
    assert quotes <= {s.quote for s in conflict.sides}
    assert {s.predicate for s in conflict.sides} == {"strength", "weakness"}


def test_outputs_written_and_parse(built):
    folder = built.outputs.folder
    ttl = Graph().parse(folder / "graph.ttl", format="turtle")
    assert len(ttl) == len(built.kb.graph)
    jsonld = Graph().parse(folder / "graph.jsonld", format="json-ld")
    assert len(jsonld) == len(built.kb.graph)
    ntriples = Graph().parse(folder / "graph.nt", format="nt")
    assert ntriples.isomorphic(built.kb.graph)


def test_nquads_put_each_triple_in_one_named_graph(built):
    """graph.nq holds the same triples as graph.nt, each once, in one graph per document (plus the vocabulary's
    and the derived one), with nothing in the default graph."""
    from rdflib import Dataset

    from kg.graph.quads import DERIVED_GRAPH, VOCABULARY_GRAPH
    from kg.ontology.namespaces import CLAIM, DOC, WM

    lines = (built.outputs.folder / "graph.nq").read_bytes().splitlines()
    dataset = Dataset()
    dataset.parse(data=b"\n".join(lines), format="nquads")
    names = {g.identifier for g in dataset.graphs() if len(g)} - {dataset.default_graph.identifier}
    assert names == {DOC[d] for d in built.kb.docs} | {DERIVED_GRAPH, VOCABULARY_GRAPH}
    assert len(dataset.default_graph) == 0 and len(lines) == len(built.kb.graph)
    union = Graph()
    for name in names:
        union += dataset.graph(name)
    assert len(union) == len(built.kb.graph)           # no triple in two graphs
    claim = next(iter(built.kb.claims))
    assert (CLAIM[claim.id], WM.quote, Literal(claim.quote)) in dataset.graph(DOC[claim.source])


def test_build_is_byte_identical(built, tmp_path):
    import kg

    kg.build_graph(tmp_path, validate=False)
    for name in ("graph.ttl", "graph.nt", "graph.nq", "graph.jsonld", "network.json"):
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

    from kg.ontology.namespaces import MODEL, WM

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
    before = snapshot(out)
    bad = onto / "claims" / "002.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("tend to be blurry", "are never blurry"),
                   encoding="utf-8")
    with pytest.raises(ClaimError) as err:
        kg.build_graph(out, ontology_dir=onto, validate=False)
    assert err.value.file.endswith("002.yaml") and err.value.line
    assert snapshot(out) == before


def _fake_outputs(tag: str) -> tuple[dict, dict]:
    return {name: f"{name} of {tag}".encode() for name in OUTPUTS if name != "manifest.json"}, {"tag": tag}


def test_outputs_are_links_into_the_current_generation(tmp_path):
    """Stable names link through `current` to one generation; the one before it is kept, older ones go."""
    generations = []
    for tag in ("first", "second", "third"):
        generations.append(store.write_outputs(*_fake_outputs(tag), tmp_path).generation)
    for name in OUTPUTS:
        assert os.readlink(tmp_path / name) == f"current/{name}"
    assert os.readlink(tmp_path / "current") == f".generations/{generations[-1].name}"
    assert sorted(p.name for p in (tmp_path / ".generations").iterdir()) == sorted(g.name for g in generations[1:])
    assert (tmp_path / "graph.ttl").read_bytes() == b"graph.ttl of third"
    assert store.read_manifest(tmp_path)["tag"] == "third"
    assert store.read_output("network.json", tmp_path) == b"network.json of third"


def test_outputs_of_an_older_layout_are_adopted(tmp_path):
    """Plain files from an older build become the previous generation before links replace them."""
    old, _ = _fake_outputs("old")
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "manifest.json").write_text('{"tag": "old"}')
    new = store.write_outputs(*_fake_outputs("new"), tmp_path)
    assert all((tmp_path / name).is_symlink() for name in OUTPUTS)
    assert (tmp_path / "graph.ttl").read_bytes() == b"graph.ttl of new"
    adopted = [g for g in (tmp_path / ".generations").iterdir() if g != new.generation]
    assert len(adopted) == 1
    assert {p.name: p.read_bytes() for p in adopted[0].iterdir()} == {**old, "manifest.json": b'{"tag": "old"}'}
