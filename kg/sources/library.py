"""The project's sources on disk: add an ingested document, replace it, remove it, each as one step.

A document is its raw file in the corpus folder, its entry in `documents.yaml`, its candidates
(`claims/candidates/<id>.yaml`) and its accepted claims (`claims/<id>.yaml`). Every file is written to
a temporary name and renamed into place; the documents.yaml entry, which makes the build read the
document, is written last on adding and first on removing, so a failure leaves either the old state
or a stray file the build never reads, never a document with half its parts.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import yaml

from kg import paths
from kg.errors import IngestError
from kg.sources.candidates import CandidateFile, candidates_path
from kg.sources.corpus import Document
from kg.sources.yamlsafe import load_yaml

METADATA = "documents.yaml"
_ENTRY = re.compile(r"^  - id: *(\S+) *$")


def write_atomic(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _entries(corpus_dir: Path) -> list[dict]:
    data = load_yaml(corpus_dir / METADATA, IngestError)
    return [dict(e) for e in (data.get("documents") or []) if isinstance(e, dict)]


def registered(corpus_dir: Path | None = None) -> dict[str, dict]:
    """Every document entry of documents.yaml, by id."""
    return {str(e.get("id")): e for e in _entries(corpus_dir or paths.corpus_dir())}


def same_stem(stem: str, corpus_dir: Path | None = None) -> list[str]:
    """Ids of ingested documents from a file of this stem (a previous version)."""
    return [i for i in registered(corpus_dir) if re.fullmatch(rf"{re.escape(stem)}_[0-9a-f]{{12}}", i)]


def _entry_text(doc: Document, note: str) -> str:
    fields = {"id": doc.id, "format": doc.format}
    fields.update({k: getattr(doc, k) for k in ("title", "author", "url", "date") if getattr(doc, k)})
    if note:
        fields["note"] = note
    body = yaml.safe_dump([fields], allow_unicode=True, sort_keys=False, width=200)
    return "".join(f"  {line}\n" for line in body.splitlines())


def _without_entry(text: str, doc_id: str) -> str:
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        match = _ENTRY.match(line.rstrip("\n"))
        if match:
            skipping = match.group(1) == doc_id
        elif skipping and not line.startswith("    ") and line.strip():
            skipping = False
        if not skipping:
            out.append(line)
    return "".join(out)


def claims_files_of(doc_id: str, claims_dir: Path | None = None) -> list[Path]:
    """The claims files whose source is this document."""
    folder = claims_dir or paths.claims_dir()
    out = []
    for path in sorted(folder.glob("*.yaml")):
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        if re.search(rf"^source: *['\"]?{re.escape(doc_id)}['\"]? *$", head, re.M):
            out.append(path)
    return out


def add_document(doc: Document, raw: bytes, suffix: str, candidates: CandidateFile, *,
                 note: str = "", accepted: bytes | None = None) -> list[Path]:
    """Write a new document, its candidates (and accepted claims, on a replace); the entry last."""
    corpus_dir, meta = paths.corpus_dir(), paths.corpus_dir() / METADATA
    if doc.id in registered(corpus_dir):
        raise IngestError(f"document {doc.id} is already ingested", file=str(meta))
    writes = [(corpus_dir / f"{doc.id}{suffix}", raw),
              (candidates_path(doc.id), candidates.to_yaml())]
    if accepted is not None:
        writes.append((paths.claims_dir() / f"{doc.id}.yaml", accepted))
    done: list[Path] = []
    try:
        for path, data in writes:
            write_atomic(path, data)
            done.append(path)
        text = meta.read_text(encoding="utf-8")
        write_atomic(meta, (text if text.endswith("\n") else text + "\n").encode() +
                     _entry_text(doc, note or doc.note).encode("utf-8"))
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise
    return [path for path, _ in writes] + [meta]


def remove_document(doc_id: str) -> list[Path]:
    """Remove a document: its entry first, then its raw file, claims files and candidates."""
    corpus_dir, meta = paths.corpus_dir(), paths.corpus_dir() / METADATA
    if doc_id not in registered(corpus_dir):
        known = ", ".join(registered(corpus_dir))
        raise IngestError(f"no document {doc_id!r} in the corpus; known: {known}", file=str(meta))
    claims = claims_files_of(doc_id)
    write_atomic(meta, _without_entry(meta.read_text(encoding="utf-8"), doc_id).encode("utf-8"))
    removed = [meta]
    for path in [*sorted(corpus_dir.glob(f"{doc_id}.*")), *claims, candidates_path(doc_id)]:
        if path.exists() and path.name != METADATA:
            path.unlink()
            removed.append(path)
    return removed
