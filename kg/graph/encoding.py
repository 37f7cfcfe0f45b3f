"""The build's encoder: the embedding model exported to ONNX, so that `ask` and `serve` run it on
onnxruntime without importing torch (kg.encoder.runtime).

The export is written with the build's other outputs (one set, its SHA-256 in the manifest) and the
manifest's "encoder" entry says which model it came from (kg.encoder.model_identity). A build of an
unchanged model reuses the current build's export; otherwise it is exported afresh with
sentence-transformers and checked against it before it is kept.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.encoder import MODEL_NAME, model_identity, model_path
from kg.errors import EmbeddingModelError, WhichModelError
from kg.graph.store import ENCODER_ONNX, read_manifest, read_output

# The encoders import torch (the reference) or onnxruntime: imported when an export runs
# (benchmarks/coldstart.py).

PARITY = 0.9999                   # least cosine between the export's vectors and sentence-transformers'
PROBES = ["Real-time image generation for a mobile game, latency is critical",
          "diffusion", "I need to synthesise tabular data with few rows and no pre-trained model.",
          "What is the capital of France?", "a" * 2000]


def encoder_output(folder: Path) -> tuple[bytes, dict]:
    """The ONNX export for the build in folder and its manifest entry (reused when the model is unchanged)."""
    path = model_path()
    identity = model_identity(path)
    reused = _current_export(folder, identity)
    if reused is not None:
        return reused
    data, max_tokens = _export(str(path), identity)
    return data, {"model": MODEL_NAME, "identity": identity, "max_tokens": max_tokens}


def _current_export(folder: Path, identity: str) -> tuple[bytes, dict] | None:
    try:
        entry = read_manifest(folder).get("encoder")
        if isinstance(entry, dict) and entry.get("identity") == identity and isinstance(entry.get("max_tokens"), int):
            return read_output(ENCODER_ONNX, folder), entry
    except WhichModelError:
        pass                  # no build yet, or a damaged one: export afresh
    return None


@lru_cache(maxsize=2)
def _export(path: str, identity: str) -> tuple[bytes, int]:
    """Export (once per process and model) and check the export against the reference encoder."""
    from kg.encoder.reference import export_onnx, load_reference, reference_encode
    from kg.encoder.runtime import OnnxEncoder

    model = load_reference(Path(path))
    data, max_tokens = export_onnx(model, Path(path))
    exported = OnnxEncoder(data, Path(path), max_tokens).encode(PROBES)
    reference = reference_encode(model, PROBES)
    worst = float(np.min(np.sum(exported * reference, axis=1)))
    if not worst >= PARITY:
        raise EmbeddingModelError(f"the ONNX export of the embedding model in {path} does not match "
                                  f"sentence-transformers (cosine {worst:.6f} < {PARITY})")
    return data, max_tokens


__all__ = ["encoder_output", "PARITY"]
