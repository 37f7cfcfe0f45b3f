"""HTML to readable text with the standard library's parser: nothing is fetched, nothing runs.

Blocks become lines, list items get a "- " bullet, table rows become "cell | cell | cell" lines
so table cells can be quoted, and content a reader never sees (script, style, template,
comments, MathML duplicates of rendered formulas, hidden elements) is dropped.
"""
from __future__ import annotations

from html.parser import HTMLParser

_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "ul", "ol", "table", "thead",
    "tbody", "tfoot", "blockquote", "pre", "figure", "figcaption", "h1", "h2", "h3", "h4",
    "h5", "h6", "dl", "dt", "dd", "hr",
}
_SKIP = {"script", "style", "template", "noscript", "math", "svg", "head", "iframe", "object"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr", "area", "base", "col",
         "embed", "param", "track"}


def _hidden(attrs: dict[str, str | None]) -> bool:
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "hidden" in attrs or "display:none" in style or "visibility:hidden" in style


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_stack: list[str] = []
        self.cells: list[str] | None = None
        self.bullet = False

    # --- structure -------------------------------------------------------------------
    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(f"- {line}" if self.bullet else line)
            self.bullet = False
        self.current = []

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = dict(attrs_list)
        if self.skip_stack:
            if tag not in _VOID:
                self.skip_stack.append(tag)
            return
        if tag in _SKIP or (tag not in _VOID and _hidden(attrs)):
            self.skip_stack.append(tag)
            return
        if tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th"):
            self._flush()
        elif tag == "li":
            self._flush()
            self.bullet = True
        elif tag == "br":
            if self.cells is None:
                self._flush()
            else:
                self.current.append(" ")
        elif tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self.skip_stack:
            if self.skip_stack[-1] == tag:
                self.skip_stack.pop()
            elif tag in self.skip_stack:
                while self.skip_stack and self.skip_stack.pop() != tag:
                    pass
            return
        if tag in ("td", "th") and self.cells is not None:
            self.cells.append(" ".join("".join(self.current).split()))
            self.current = []
        elif tag == "tr" and self.cells is not None:
            self._flush()
            row = " | ".join(self.cells)
            if row.strip(" |"):
                self.lines.append(row)
            self.cells = None
        elif tag in _BLOCKS or tag == "li":
            if self.cells is None:
                self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip_stack:
            self.current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one block a line."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.lines)
