"""The source documents: metadata, raw files and the normalised text every citation refers to."""
from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg import paths
from kg.errors import CorpusError
from kg.sources.encoding import repair_mojibake
from kg.sources.markup import drop_hidden, html_to_text
from kg.sources.yamlsafe import load_yaml, read_text

FORMATS = ("printed-page", "plain-text", "markdown", "wordpress-json", "html")
MAX_DOCUMENT_BYTES = 5_000_000
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

_PRINT_ARTEFACTS = (
    re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}\s*[AP]M\s+about:blank$"),
    re.compile(r"^about:blank\s+\d+/\d+$"),
)
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")


@dataclass(frozen=True)
class Document:
    id: str
    format: str
    text: str
    title: str = ""
    author: str = ""
    url: str = ""
    date: str = ""
    note: str = ""
    repairs: dict = field(default_factory=dict, compare=False)

    def metadata(self) -> dict:
        return {k: getattr(self, k) for k in ("id", "title", "author", "url", "date", "format")}


def short_id(doc: str) -> str:
    """The id a person reads for a document: its name without the content hash ("000" for
    000_a29fc77e37faf7fd, "notes" for notes_51c5462caf26)."""
    stem, _, digest = str(doc).rpartition("_")
    return stem if stem and re.fullmatch(r"[0-9a-f]{8,}", digest) else str(doc)


def normalise_whitespace(text: str) -> str:
    """NFC, LF line ends, no NBSP, no trailing spaces, single spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = []
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        body = re.sub(r"[ \t]+", " ", line.strip())
        lines.append(" " * indent + body if body else "")
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _inline_tags(text: str) -> str:
    """Stray HTML tags inside a text document: list items become bullets, the rest go."""
    def replace(match: re.Match) -> str:
        name = match.group(1).lower()
        return "• " if name == "li" and not match.group(0).startswith("</") else " "
    return html.unescape(_TAG.sub(replace, text))


def _printed_page(raw: str) -> str:
    lines = []
    for line in raw.split("\n"):
        if any(p.match(line.strip()) for p in _PRINT_ARTEFACTS):
            continue
        if "\t" in line:
            cells = [c.strip() for c in line.split("\t")]
            while cells and not cells[-1]:
                cells.pop()
            # bullets inside a cell were printed as runs of spaces
            line = " | ".join(re.sub(r" {3,}", " • ", c) for c in cells)
        lines.append(line)
    return _strip_emphasis(_inline_tags("\n".join(lines)))


def _strip_emphasis(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text)


def _field(post: dict, name: str) -> object:
    """A WordPress field that may be {"rendered": ...} or a plain value."""
    value = post.get(name, "")
    return value.get("rendered", "") if isinstance(value, dict) else value


def _wordpress(raw: str, path: Path) -> tuple[str, dict]:
    try:
        post = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        raise CorpusError(f"not a WordPress post JSON ({reason})", file=str(path), line=line) from None
    content = post.get("content") if isinstance(post, dict) else None
    if isinstance(content, dict) and content.get("protected"):
        raise CorpusError("the post is password-protected; its content cannot be used", file=str(path))
    if not isinstance(content, dict) or not isinstance(content.get("rendered"), str):
        raise CorpusError("not a WordPress post JSON: expected an object whose content.rendered is text",
                          file=str(path))
    title = html_to_text(str(_field(post, "title")))
    meta = {"title": title, "date": str(post.get("date", ""))[:10], "url": str(post.get("link", ""))}
    return html_to_text(content["rendered"]), meta


def normalise(raw: str, fmt: str, *, repair: str = "", path: Path | None = None) -> tuple[str, dict]:
    """Normalised text of a raw document and the metadata found inside it."""
    found: dict = {}
    where = str(path) if path else None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise CorpusError(f"document is larger than {MAX_DOCUMENT_BYTES} characters", file=where)
    if repair == "mojibake-cp1253":
        raw, report = repair_mojibake(raw)
        found["repairs"] = {"repaired": report.repaired, "unrecoverable": report.unrecoverable}
    elif repair:
        raise CorpusError(f"unknown repair {repair!r}", file=where)
    if fmt in ("printed-page", "plain-text", "markdown"):
        raw = drop_hidden(raw, file=where)      # comments, scripts, hidden elements: unseen
    if fmt == "printed-page":
        text = _printed_page(raw)
    elif fmt == "plain-text":
        text = raw
    elif fmt == "markdown":
        text = _strip_emphasis(raw)
    elif fmt == "wordpress-json":
        text, meta = _wordpress(raw, path or Path("?"))
        found.update(meta)
    elif fmt == "html":
        text = html_to_text(raw)
    else:
        raise CorpusError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})", file=where)
    return normalise_whitespace(text), found


def _read_metadata(corpus_dir: Path) -> list[dict]:

    meta_path = corpus_dir / "documents.yaml"
    data = load_yaml(meta_path, CorpusError)
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CorpusError("expected a mapping with a 'documents' list", file=str(meta_path))
    for entry in entries:
        _check_entry(entry, meta_path)
    return entries


def _check_entry(entry, meta_path: Path) -> None:
    """A document entry: a mapping with a plain id (no path, no pattern) and text fields."""
    line = getattr(entry, "line", None)
    if not isinstance(entry, dict):
        raise CorpusError("each document must be a mapping with id and format", file=str(meta_path))
    if not isinstance(entry.get("id"), str) or not _DOC_ID.match(entry["id"]):
        raise CorpusError(f"document id {entry.get('id')!r} must be letters, digits, '_' and '-'",
                          file=str(meta_path), line=line)
    for key in ("format", "repair", "title", "author", "url", "date", "note"):
        if key in entry and not isinstance(entry[key], str):
            raise CorpusError(f"document {entry['id']}: {key} must be text", file=str(meta_path), line=line)


def _find_raw(corpus_dir: Path, doc_id: str) -> Path:
    matches = sorted(p for p in corpus_dir.glob(f"{doc_id}.*") if p.suffix != ".yaml")
    if len(matches) != 1:
        raise CorpusError(f"expected one file for document {doc_id}, found {len(matches)}",
                          file=str(corpus_dir))
    return matches[0]


def load_document(corpus_dir: Path, entry: dict) -> Document:
    doc_id = str(entry.get("id", ""))
    path = _find_raw(corpus_dir, doc_id)

    raw = read_text(path, CorpusError, MAX_DOCUMENT_BYTES)
    text, found = normalise(raw, str(entry.get("format", "")), repair=entry.get("repair", ""), path=path)
    fields = {k: str(entry[k]) for k in ("title", "author", "url", "date", "note") if entry.get(k)}
    for key, value in found.items():
        if key != "repairs" and value:
            fields.setdefault(key, value)
    return Document(id=doc_id, format=entry["format"], text=text,
                    repairs=found.get("repairs", {}), **fields)


@lru_cache(maxsize=4)
def _load(corpus_dir: str) -> dict[str, Document]:
    root = Path(corpus_dir)
    docs = [load_document(root, e) for e in _read_metadata(root)]
    return {d.id: d for d in docs}


def load_corpus(corpus_dir: Path | None = None) -> dict[str, Document]:
    """Every document of the corpus, by id, normalised. Cached per folder."""
    return _load(str(corpus_dir or paths.corpus_dir()))


def forget_corpus() -> None:
    """Drop the cached documents (after a document was added or removed)."""
    _load.cache_clear()


def resolve_id(docs: dict[str, Document], key: str) -> Document:
    """A document by its id or a unique prefix of it (e.g. "003")."""
    if key in docs:
        return docs[key]
    hits = [d for i, d in docs.items() if i.startswith(key)]
    if len(hits) != 1:
        raise CorpusError(f"no single document matches {key!r}; known: {', '.join(docs)}")
    return hits[0]
