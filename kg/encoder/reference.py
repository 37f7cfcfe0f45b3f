"""The reference encoder (sentence-transformers on torch) and the ONNX export the build writes from it.

Only building, exporting and the parity tests come here: importing torch takes seconds, which is why
`ask` and `serve` run the export through onnxruntime instead (kg.encoder.runtime).
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np

from kg.encoder.model import DIMENSIONS, model_path
from kg.errors import EmbeddingModelError

EXPORT_OPSET = 17
EXPORT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
EXPORT_OUTPUT = "embedding"


def load_reference(path: Path | None = None):
    """The SentenceTransformer for the model folder (default: kg.encoder.model_path()), on the CPU."""
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
    path = path or model_path()
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # corrupt or missing weights surface as many exception types
        raise EmbeddingModelError(f"cannot load the embedding model from {path}: {exc}") from None


def reference_encode(model, texts: list[str]) -> np.ndarray:
    vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def _check_exportable(model, path: Path) -> int:
    """The export reproduces Transformer -> mean pooling -> L2 normalisation, as all-MiniLM-L6-v2 is;
    the token limit the model truncates at."""
    kinds = [type(module).__name__ for module in model]
    pooling = getattr(model[1], "pooling_mode", None) if len(model) > 1 else None
    if kinds != ["Transformer", "Pooling", "Normalize"] or pooling not in ("mean", None) or \
            getattr(model[1], "pooling_mode_mean_tokens", True) is False:
        raise EmbeddingModelError(f"the model in {path} is not Transformer + mean pooling + normalisation "
                                  f"({', '.join(kinds)}, pooling {pooling}); it cannot be exported for onnxruntime")
    return int(model[0].max_seq_length)


def export_onnx(model, path: Path) -> tuple[bytes, int]:
    """The loaded model (load_reference(path)) as ONNX bytes (token ids, attention mask and token types
    in; unit vectors out: mean pooling over the mask, then L2 normalisation, as sentence-transformers
    does) and the token limit it truncates at."""
    import torch

    max_tokens = _check_exportable(model, path)
    transformer = model[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in EXPORT_INPUTS} | {EXPORT_OUTPUT: {0: "batch"}}
    buffer = io.BytesIO()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")         # the tracer's notes on the model's Python branches
            torch.onnx.export(Pooled().eval(), (ids, ids, torch.zeros_like(ids)), buffer,
                              input_names=list(EXPORT_INPUTS), output_names=[EXPORT_OUTPUT], dynamic_axes=axes,
                              opset_version=EXPORT_OPSET, do_constant_folding=True, dynamo=False)
    except Exception as exc:  # the exporter's failures have many types (a missing `onnx`, an unsupported op)
        raise EmbeddingModelError(f"cannot export the embedding model from {path} to ONNX: {exc}") from None
    return buffer.getvalue(), max_tokens


__all__ = ["load_reference", "reference_encode", "export_onnx", "EXPORT_INPUTS", "EXPORT_OUTPUT"]
