"""The run-time encoder: the build's ONNX export of the model on onnxruntime, its tokenizer on `tokenizers`.

Same texts in, same unit vectors out as sentence-transformers (cosine >= 0.9999, tested), without
importing torch: a cold start loads this in a fraction of a second. Like sentence-transformers, texts are
stripped, truncated at the model's token limit and encoded in batches of similar length.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from kg.encoder.model import DIMENSIONS
from kg.errors import EmbeddingModelError

BATCH = 64
THREADS_ENV = "WHICHMODEL_ENCODER_THREADS"       # default 1 (WHICHMODEL_TORCH_THREADS is read as well)


def threads() -> int:
    return int(os.environ.get(THREADS_ENV) or os.environ.get("WHICHMODEL_TORCH_THREADS") or 1)


class OnnxEncoder:
    """Encodes texts with an ONNX export (kg.encoder.reference.export_onnx) and the model folder's tokenizer."""

    def __init__(self, onnx: Path | bytes, model_dir: Path, max_tokens: int):
        self.model_dir = Path(model_dir)
        self.tokenizer = _tokenizer(self.model_dir, max_tokens)
        self.session = _session(onnx)

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = [str(t).strip() for t in texts]
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))     # little padding per batch
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            out[rows] = self._run([texts[i] for i in rows])
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self.session.run(None, feed)[0]


def _tokenizer(model_dir: Path, max_tokens: int):
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise EmbeddingModelError(f"tokenizers cannot be imported ({exc}): pip install tokenizers") from None
    path = model_dir / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # a missing or garbled tokenizer.json: OSError or the library's own error
        raise EmbeddingModelError(f"cannot load the embedding model's tokenizer from {path}: {exc}") from None
    pad = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_truncation(max_tokens)
    tokenizer.enable_padding(pad_id=0 if pad is None else pad, pad_token="[PAD]")   # to the longest in a batch
    return tokenizer


def _session(onnx: Path | bytes):
    try:
        import onnxruntime
    except ImportError as exc:
        raise EmbeddingModelError(f"onnxruntime cannot be imported ({exc}): pip install onnxruntime") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = threads()
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(onnx if isinstance(onnx, bytes) else str(onnx), options,
                                            providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for unreadable models
        where = "the exported model" if isinstance(onnx, bytes) else str(onnx)
        raise EmbeddingModelError(f"onnxruntime cannot load {where}: {exc}") from None


__all__ = ["OnnxEncoder", "THREADS_ENV", "threads"]
