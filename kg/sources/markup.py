"""HTML to readable text with the standard library's parser: nothing is fetched, nothing runs.

Blocks become lines, list items get a "- " bullet, table rows become "cell | cell | cell" lines
so table cells can be quoted, and content a reader never sees (script, style, template,
comments, titles, MathML duplicates of rendered formulas, hidden elements, closed dialogs) is
dropped. Comments follow HTML5: `--!>` closes one and an unclosed one runs to the end; a
self-closing `<div/>` opens an element, as browsers read it.

`drop_hidden()` does the same cutting for text documents that carry stray inline HTML
(Markdown, printed pages, page text), leaving every other character exactly as it was.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from kg.errors import CorpusError

_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "ul", "ol", "table", "thead",
    "tbody", "tfoot", "blockquote", "pre", "figure", "figcaption", "h1", "h2", "h3", "h4",
    "h5", "h6", "dl", "dt", "dd", "hr",
}
_SKIP = {"script", "style", "template", "noscript", "math", "svg", "head", "iframe", "object",
         "title", "noembed", "noframes"}
_RAW_TEXT = {"script", "style", "title", "noscript", "iframe", "noembed", "noframes", "xmp", "textarea"}
_VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr", "area", "base", "col",
         "embed", "param", "track"}
_HIDING_STYLE = re.compile(r"display:none|visibility:(?:hidden|collapse)|opacity:0(?![.\d])|"
                           r"opacity:0?\.0+(?![\d])|font-size:0(?![.\d])")
_COMMENT_END = re.compile(r"--!?>")


def _hidden(tag: str, attrs: dict[str, str | None]) -> bool:
    """Whether an element is not rendered: hidden attribute, hiding style, a dialog not open."""
    style = re.sub(r"\s+", "", attrs.get("style") or "").lower()
    return ("hidden" in attrs or bool(_HIDING_STYLE.search(style))
            or (tag == "dialog" and "open" not in attrs))


def _comment_end(text: str, start: int) -> int | None:
    """End of the HTML comment starting at start (HTML5 rules), or None when it is never closed."""
    for abrupt in ("<!-->", "<!--->"):
        if text.startswith(abrupt, start):
            return start + len(abrupt)
    match = _COMMENT_END.search(text, start + 4)
    return match.end() if match else None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_stack: list[str] = []
        self.cells: list[str] | None = None
        self.bullet = False

    # --- HTML5 corrections to the standard parser ---------------------------------------
    def parse_comment(self, i, report=1):
        end = _comment_end(self.rawdata, i)
        return len(self.rawdata) if end is None else end   # unclosed: to the end, unseen

    def handle_startendtag(self, tag: str, attrs_list) -> None:
        self.handle_starttag(tag, attrs_list)       # "<div/>" opens a div in HTML

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
        if tag in _SKIP or (tag not in _VOID and _hidden(tag, attrs)):
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
        elif (tag in _BLOCKS or tag == "li") and self.cells is None:
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
    parser.feed(str(html))
    parser.close()
    return "\n".join(parser.lines)


# --- stray inline HTML in text documents --------------------------------------------------
_IN_TAG = r"""(?:[^<>"']|"[^"]{0,10000}"|'[^']{0,10000}')*"""   # attribute values may hold < and >
_TOKEN = re.compile(rf"<!--|<([a-zA-Z][a-zA-Z0-9:-]*)({_IN_TAG})>")
_ATTR = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


def _attributes(text: str) -> dict[str, str | None]:
    return {m.group(1).lower(): (m.group(2).strip("\"'") if m.group(2) else None)
            for m in _ATTR.finditer(text)}


def _element_end(text: str, name: str, start: int) -> int | None:
    """End of the element whose start tag ends at start (nested same-name elements counted)."""
    if name in _RAW_TEXT:
        match = re.compile(rf"</{name}\s*>", re.I).search(text, start)
        return match.end() if match else None
    depth = 1
    tags = re.compile(rf"<(/?){name}\b{_IN_TAG}>", re.I)
    for match in tags.finditer(text, start):
        if match.group(1):
            depth -= 1
        elif not (match.group(0).endswith("/>") and name in ("svg", "math")):
            depth += 1                          # only SVG and MathML honour "/>"
        if depth == 0:
            return match.end()
    return None


def _unclosed(what: str, text: str, position: int, file: str | None) -> CorpusError:
    line = text[:position].count("\n") + 1
    return CorpusError(f"{what} is never closed; a text document must close the markup it hides",
                       file=file, line=line)


def drop_hidden(text: str, *, file: str | None = None) -> str:
    """Text with invisible inline HTML cut out: comments, script/style/template/... elements and
    hidden elements. Everything else is left exactly as it was. An unclosed one is a CorpusError
    naming file:line (in a text document it would otherwise swallow the rest silently)."""
    out, kept_from, pos = [], 0, 0
    while (match := _TOKEN.search(text, pos)) is not None:
        start = match.start()
        if match.group(0) == "<!--":
            end = _comment_end(text, start)
            if end is None:
                raise _unclosed("an HTML comment <!--", text, start, file)
        else:
            name, attrs = match.group(1).lower(), _attributes(match.group(2))
            if name not in _SKIP and (name in _VOID or not _hidden(name, attrs)):
                pos = match.end()
                continue
            self_closing = match.group(2).rstrip().endswith("/") and name in ("svg", "math")
            end = match.end() if self_closing else _element_end(text, name, match.end())
            if end is None:
                raise _unclosed(f"a hidden <{name}> element", text, start, file)
        out.append(text[kept_from:start])
        kept_from = pos = end
    out.append(text[kept_from:])
    return "".join(out)
