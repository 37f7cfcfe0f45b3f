"""Which PDF text extractor: pypdf or pdfminer.six, measured on PDFs printed from HTML by Chromium.

    .venv/bin/python benchmarks/pdf_text.py [HTML ...]

Each HTML file is printed to PDF with Debian's chromium (headless), then both libraries extract
the text layer. Fidelity: the share of the HTML's sentences (normalised as the corpus does, list
bullets and table cell separators dropped) found verbatim in the extracted text after the same
normalisation; time: the median of 5 extractions, as a ratio to the faster library in the same run.
"""
from __future__ import annotations

import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.sources.corpus import normalise_whitespace
from kg.sources.markup import html_to_text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT / "tests/data/ingest/field_notes.html"]


def pypdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text
    return extract_text(io.BytesIO(data))


def print_pdf(html: Path, out: Path) -> bytes:
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", html.resolve().as_uri()]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return out.read_bytes()


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if len(s.split()) >= 4]


def flat(text: str) -> str:
    return " ".join(normalise_whitespace(text).split())


def measure(html: Path, folder: Path) -> dict:
    data = print_pdf(html, folder / (html.stem + ".pdf"))
    text = normalise_whitespace(html_to_text(html.read_text(encoding="utf-8")))
    wanted = [flat(re.sub(r"^- ", "", s).replace(" | ", " ")) for s in sentences(text)]
    row = {"file": html.name, "pages": None, "sentences": len(wanted)}
    for name, extract in (("pypdf", pypdf_text), ("pdfminer.six", pdfminer_text)):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            text = extract(data)
            times.append(time.perf_counter() - t0)
        got = flat(text)
        found = sum(s in got for s in wanted) / max(1, len(wanted))
        row[name] = {"found": found, "ms": statistics.median(times) * 1000}
    return row


def main(argv: list[str]) -> None:
    files = [Path(a) for a in argv] or DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(f, Path(tmp)) for f in files]
    for row in rows:
        fastest = min(row["pypdf"]["ms"], row["pdfminer.six"]["ms"])
        print(f"{row['file']}: {row['sentences']} sentences")
        for name in ("pypdf", "pdfminer.six"):
            r = row[name]
            print(f"  {name:<13} sentences found verbatim {r['found']:.0%}   "
                  f"{r['ms']:.0f} ms ({r['ms'] / fastest:.1f}x)")


if __name__ == "__main__":
    main(sys.argv[1:])
