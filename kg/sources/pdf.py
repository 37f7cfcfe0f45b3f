"""The text layer of a PDF, with pypdf (chosen over pdfminer.six by benchmarks/pdf_text.py: more of a
printed page's sentences come out verbatim, and it is faster). Nothing is rendered, nothing is OCR'd:
a PDF with no text layer (a scan) is an IngestError, as is one pypdf cannot read."""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from kg.errors import IngestError

MIN_TEXT_CHARS = 20


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: int
    title: str = ""
    date: str = ""


def _date(value: str) -> str:
    """A PDF date (D:20260314...) as YYYY-MM-DD, or ''."""
    digits = value[2:] if value.startswith("D:") else value
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) >= 8 and digits[:8].isdigit() else ""


def pdf_text(data: bytes, *, file: str) -> PdfText:
    """Every page's text, one page after another. Raises IngestError naming the file."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:
        raise IngestError("PDF support needs pypdf: pip install pypdf", file=file) from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IngestError("the PDF is encrypted; decrypt it first", file=file)
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata or {}
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise IngestError(f"not a readable PDF ({type(exc).__name__}: {str(exc)[:80]})", file=file) from None
    text = "\n\n".join(p.strip() for p in pages)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise IngestError(f"the PDF has no text layer ({len(pages)} pages, {len(text.strip())} characters of "
                          "text; a scan?): run OCR on it first, e.g. ocrmypdf", file=file)
    title = str(meta.get("/Title") or "").strip()
    return PdfText(text=text, pages=len(pages), title=title, date=_date(str(meta.get("/CreationDate") or "")))
