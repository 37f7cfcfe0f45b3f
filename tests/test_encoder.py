"""The run-time encoder: the build's ONNX export on onnxruntime gives sentence-transformers' vectors
(cosine >= 0.9999) for every text whichmodel embeds, is checked against the manifest, and gives way to the
reference when it was exported from another model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kg.encoder.reference import load_reference, reference_encode
from kg.errors import BuildMissing, EmbeddingModelError
from kg.graph import store
from kg.graph.encoding import PARITY
from kg.reasoning.embedding import ENCODER_ENV, ONNX, REFERENCE, Embedder
from kg.reasoning.matcher import concept_texts
from kg.reasoning.training import example_text
from kg.sources.yamlsafe import load_yaml
from tests.conftest import DEV_SET, ROOT


def corpus_texts() -> list[str]:
    """The dev set's questions, every need of the need corpus (a follow-up with the question before it,
    as the parser reads it) and each follow-up alone."""
    from kg.reasoning.parser import load_examples

    texts = [case["q"] for case in load_yaml(DEV_SET)["cases"]]
    for path in sorted((ROOT / "ontology" / "needs").glob("*.yaml")):
        for example in load_examples(path):
            texts += [example_text(example)] + ([example.question] if example.context else [])
    return list(dict.fromkeys(texts))


@pytest.fixture(scope="module")
def reference():
    return load_reference()


def worst_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))))


def test_onnx_vectors_are_sentence_transformers_vectors(knowledge, reference):
    """Parity on the dev questions, the need corpus and every node text the index embeds."""
    nodes = [text for _, _, text in concept_texts(knowledge.index)]
    questions = corpus_texts()
    assert len(nodes) > 500 and len(questions) > 600
    knowledge.embedder.encode(["warm"])
    assert knowledge.embedder.backend == ONNX
    for texts in (questions, nodes, ["", "   ", "x " * 600, "画像生成 🎨 — ünïcode"]):
        worst = worst_cosine(knowledge.embedder.encode(texts), reference_encode(reference, texts))
        assert worst >= PARITY, worst


def test_the_manifest_records_the_export_and_its_checksum(knowledge):
    manifest = knowledge.manifest
    assert store.ENCODER_ONNX in manifest["files"] and manifest["sha256"][store.ENCODER_ONNX]
    assert manifest["encoder"]["model"] == "all-MiniLM-L6-v2" and manifest["encoder"]["max_tokens"] == 256


def test_a_damaged_export_is_one_clear_error(previous):
    onnx = store.generation_dir(previous) / store.ENCODER_ONNX
    data = onnx.read_bytes()
    onnx.write_bytes(data[:1000] + b"\0" * 64 + data[1064:])
    with pytest.raises(BuildMissing, match="SHA-256") as err:
        Embedder(build=previous).encode(["fast image generation"])
    assert err.value.file and err.value.file.endswith(store.ENCODER_ONNX)


def test_an_export_of_another_model_gives_way_to_the_reference(previous, reference):
    manifest_path = store.generation_dir(previous) / store.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["encoder"]["identity"] = "another model"
    manifest_path.write_text(json.dumps(manifest))
    told = []
    embedder = Embedder(build=previous, tell=told.append)
    vector = embedder.encode(["fast image generation"])
    assert embedder.backend == REFERENCE and "another model" in told[0] and "whichmodel build" in told[0]
    assert worst_cosine(vector, reference_encode(reference, ["fast image generation"])) >= PARITY


def test_the_reference_can_be_chosen(built, build_dir, monkeypatch):
    monkeypatch.setenv(ENCODER_ENV, REFERENCE)
    embedder = Embedder(build=Path(build_dir))
    embedder.encode(["fast image generation"])
    assert embedder.backend == REFERENCE
    monkeypatch.setenv(ENCODER_ENV, "tensorflow")
    with pytest.raises(EmbeddingModelError, match=ENCODER_ENV):
        Embedder(build=Path(build_dir)).encode(["x"])


def test_a_rebuild_of_the_same_model_reuses_the_export(previous):
    from kg.graph.encoding import encoder_output

    data, entry = encoder_output(previous)
    assert data == store.read_output(store.ENCODER_ONNX, previous)
    assert entry == store.read_manifest(previous)["encoder"]

