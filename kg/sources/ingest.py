"""A new source document read from a file: format, checks, normalised text, id and metadata.

    doc = read_source(Path("notes.md"))   # -> NewDocument (nothing written)

Formats by suffix: .md/.markdown (markdown), .txt/.text (plain text), .html/.htm (HTML), .json (a
WordPress post), .pdf (its text layer, kept as plain text). The text is normalised by the corpus
pipeline (kg.sources.corpus.normalise), so offsets into it are offsets into what the build cites.
The id is the file stem (letters, digits, '_', '-') and the first 12 hex digits of the file's
SHA-256. Each unusable input is one IngestError naming the file: empty, binary or not UTF-8, larger
than the corpus limit, not English, a PDF with no text layer.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import CorpusError, IngestError
from kg.sources.corpus import MAX_DOCUMENT_BYTES, Document, normalise
from kg.sources.markup import html_to_text
from kg.sources.pdf import pdf_text

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "plain-text", ".text": "plain-text",
            ".html": "html", ".htm": "html", ".json": "wordpress-json", ".pdf": "pdf"}
HASH_CHARS = 12
MIN_WORDS_FOR_LANGUAGE = 30
MIN_ENGLISH_SHARE = 0.10
_ENGLISH = frozenset({
    "the", "of", "and", "to", "a", "in", "is", "are", "for", "that", "with", "as", "on", "by", "it", "this",
    "be", "or", "an", "from", "can", "which", "their", "they", "these", "its", "at", "not", "but", "have",
    "has", "more", "than", "when", "use", "used", "while", "such", "also", "into", "each"})
_DATE = re.compile(r"\b(?:published|updated|date|posted)\b[^\n\d]{0,20}(\d{4}-\d{2}-\d{2})", re.I)
_URL = re.compile(r"\b(?:url|source|link)\s*:\s*(https?://\S+)", re.I)


@dataclass(frozen=True)
class NewDocument:
    """A document read for ingestion: what the corpus will hold, and the normalised text."""
    document: Document
    raw: bytes                  # the bytes to keep in the corpus folder
    suffix: str                 # the stored file's suffix (.txt for a PDF's text layer)
    source_file: str            # where it was read from
    content_hash: str

    @property
    def id(self) -> str:
        return self.document.id


def stem_id(path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-_") or "document"
    return stem[:48]


def document_id(path: Path, content_hash: str) -> str:
    return f"{stem_id(path)}_{content_hash[:HASH_CHARS]}"


def _read_bytes(path: Path) -> bytes:
    where = str(path)
    if not path.exists():
        raise IngestError("no such file", file=where)
    if not path.is_file():
        raise IngestError("not a regular file", file=where)
    size = path.stat().st_size
    if size == 0:
        raise IngestError("the file is empty", file=where)
    if size > MAX_DOCUMENT_BYTES:
        raise IngestError(f"the file is {size / 1e6:.1f} MB; a source document may be at most "
                          f"{MAX_DOCUMENT_BYTES / 1e6:.0f} MB", file=where)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}", file=where) from None


def _decode(data: bytes, where: str) -> str:
    if b"\0" in data[:8192]:
        raise IngestError("a binary file, not a text document (it holds NUL bytes)", file=where)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                          "a binary file, or text in another encoding", file=where) from None


def check_language(text: str, where: str) -> None:
    """English is what the vocabulary and the examples know; another language is refused."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < MIN_WORDS_FOR_LANGUAGE:
        return
    share = sum(w in _ENGLISH for w in words) / len(words)
    if share < MIN_ENGLISH_SHARE:
        raise IngestError(f"the document does not read as English ({share:.0%} of its {len(words)} words are "
                          f"common English words, expected at least {MIN_ENGLISH_SHARE:.0%}); only English "
                          "sources can be matched to the vocabulary", file=where)


def _html_meta(raw: str) -> dict:
    title = re.search(r"<title[^>]*>(.*?)</title>", raw, re.I | re.S)
    date = re.search(r"<meta[^>]+(?:name|property)=[\"'](?:date|article:published_time|dc\.date)[\"'][^>]*"
                     r"content=[\"'](\d{4}-\d{2}-\d{2})", raw, re.I)
    url = re.search(r"<link[^>]+rel=[\"']canonical[\"'][^>]*href=[\"']([^\"']+)", raw, re.I) or \
        re.search(r"<meta[^>]+property=[\"']og:url[\"'][^>]*content=[\"']([^\"']+)", raw, re.I)
    return {"title": " ".join(html_to_text(title.group(1)).split()) if title else "",
            "date": date.group(1) if date else "", "url": url.group(1) if url else ""}


def _text_meta(text: str, fmt: str) -> dict:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0].lstrip("#").strip() if lines else ""
    title = first if first and len(first) <= 120 and (fmt != "markdown" or lines[0].startswith("#")) else ""
    date, url = _DATE.search(text[:2000]), _URL.search(text[:2000])
    return {"title": title, "date": date.group(1) if date else "", "url": url.group(1) if url else ""}


def _normalise(data: bytes, fmt: str, path: Path) -> tuple[str, str, dict, bytes, str]:
    """(stored format, normalised text, metadata, bytes to store, stored suffix)."""
    where = str(path)
    if fmt == "pdf":
        extracted = pdf_text(data, file=where)
        text, _ = normalise(extracted.text, "plain-text", path=path)
        meta = _text_meta(text, "plain-text")       # a PDF's CreationDate is when it was printed: not used
        meta["title"] = extracted.title or meta["title"]
        meta["note"] = f"the text layer of {path.name} ({extracted.pages} pages), extracted with pypdf"
        return "plain-text", text, meta, text.encode("utf-8"), ".txt"
    raw = _decode(data, where)
    text, found = normalise(raw, fmt, path=path)
    meta = _html_meta(raw) if fmt == "html" else _text_meta(text, fmt)
    meta.update({k: v for k, v in found.items() if k in ("title", "date", "url") and v})
    return fmt, text, meta, data, path.suffix.lower()


def read_source(path: Path) -> NewDocument:
    """The document a file holds, normalised and checked. Raises IngestError naming the file."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"unknown kind of document {path.suffix or '(no suffix)'!r}; ingest "
                          f"{', '.join(sorted(SUFFIXES))}", file=str(path))
    data = _read_bytes(path)
    try:
        stored_format, text, meta, stored, suffix = _normalise(data, fmt, path)
    except CorpusError as exc:
        raise IngestError(exc.message, file=exc.file or str(path), line=exc.line) from None
    if not text.strip():
        raise IngestError("the document has no text once normalised (markup or whitespace only)", file=str(path))
    check_language(text, str(path))
    content_hash = hashlib.sha256(data).hexdigest()
    doc = Document(id=document_id(path, content_hash), format=stored_format, text=text,
                   **{k: v for k, v in meta.items() if v})
    return NewDocument(document=doc, raw=stored, suffix=suffix, source_file=str(path), content_hash=content_hash)
