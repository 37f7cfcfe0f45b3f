"""The chat transcript as HTML: every text (questions, quotes, titles) escaped, citation markers as buttons,
and a cited quote shown in its passage of the source."""
from __future__ import annotations

import html
import re

from kg.sources.corpus import load_corpus, short_id

PASSAGE = 300
EMPTY_SOURCE = '<div class="wm-source wm-empty">Click a numbered citation to see its quote in the source.</div>'
EXAMPLES = ["Real-time image generation for a mobile game, latency is critical",
            "I have little data and compute and no pre-trained model; I need to generate samples",
            "I need to synthesise speech with an exact likelihood"]


_STARS = re.compile("(?:[\u2b50\u2605]\ufe0f?)+(?:\u2606\ufe0f?)*")     # ⭐⭐⭐ or ★★★☆☆


MARKER = "\u2605"                   # one ★ alone: the chat's own "what your question cares about" marker
MARKER_HTML = ('<span class="wm-care" role="img" aria-label="what your question cares about" '
               'title="what your question cares about">\u2605</span>')


def stars_as_text(text: str) -> str:
    """Star ratings as "3/5" (out of the stars drawn, or of 5): no emoji font needed, and read aloud well. A
    single ★ is not a rating but the marker of what the question cares about (explain's compare table): kept."""
    def rating(match) -> str:
        run = match.group().replace("\ufe0f", "")
        if match.group() == MARKER:
            return MARKER
        filled = sum(ch in "\u2b50\u2605" for ch in run)
        out_of = len(run) if "\u2606" in run else max(5, filled)
        return f"{filled}/{out_of}"
    return _STARS.sub(rating, text)


def _esc(text) -> str:
    return html.escape(stars_as_text(str(text)), quote=True)


def _shown(text) -> str:
    """Text to show (not an attribute): escaped, ratings as N/5, the ★ marker as a labelled star."""
    return _esc(text).replace(MARKER, MARKER_HTML)


def _sentence_html(text: str, marks: list[int], turn: int, cites: dict[int, dict]) -> str:
    buttons = "".join(f'<button type="button" class="wm-cite" data-turn="{turn}" data-cite="{n}" '
                      f'title="{_esc(cites.get(n, {}).get("quote", ""))}">[{n}]</button>' for n in marks)
    if buttons and text and text[-1] in ".!?":
        return f"{_shown(text[:-1])} {buttons}{_esc(text[-1])}"
    return _shown(text) + (f" {buttons}" if buttons and text else buttons)


def render_turn(turn: dict, i: int) -> str:
    if turn["role"] == "user":
        return f'<div class="wm-msg wm-user"><div class="wm-bubble">{_esc(turn["text"])}</div></div>'
    cites = {c["n"]: c for c in turn["citations"]}

    def sents(sentences) -> str:
        return " ".join(_sentence_html(t, m, i, cites) for t, m in sentences)
    parts = []
    for b in turn["blocks"]:
        if b["type"] == "p":
            parts.append(f"<p>{sents(b['sentences'])}</p>")
        elif b["type"] == "table":
            head = "".join(f"<th>{_esc(h)}</th>" for h in b["head"])
            body = "".join("<tr>" + "".join(f"<td>{sents([c])}</td>" for c in row) + "</tr>" for row in b["rows"])
            parts.append(f'<table class="wm-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
        else:
            parts.append(f'<div class="wm-{b["type"]}">{_shown(b["text"])}</div>')
    named = _named_sources(turn)
    if named:
        parts.append('<div class="wm-small wm-named">' + " · ".join(
            f"source {_esc(sid)}: <i>{_esc(title)}</i>" for sid, title in named) + "</div>")
    if turn["citations"]:
        items = "".join(_source_item(c, i, cites) for c in turn["citations"])
        parts.append(f'<details class="wm-sources"><summary>Sources ({len(turn["citations"])})</summary>'
                     f'<ol>{items}</ol></details>')
    return f'<div class="wm-msg wm-bot wm-{_esc(turn["kind"])}"><div class="wm-bubble">{"".join(parts)}</div></div>'


def _named_sources(turn: dict) -> list[tuple[str, str]]:
    """The sources a reply's prose names by id ("Source 001 gives this rule …"), with their titles, in the
    order first named: a reader should not have to open a citation to learn what "001" is."""
    titles = {short_id(str(c.get("doc", ""))): c.get("title") for c in turn["citations"] if c.get("title")}
    if not titles:
        return []
    prose = " ".join(t for b in turn["blocks"] if b["type"] == "p" for t, _ in b["sentences"])
    pattern = r"\b[Ss]ources? (" + "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True)) + r")\b"
    order = list(dict.fromkeys(m.group(1) for m in re.finditer(pattern, prose)))
    return [(sid, titles[sid]) for sid in order]


def _source_item(c: dict, turn: int, cites: dict[int, dict]) -> str:
    """One entry of a reply's source list: marker, title (source id), the quote's context when known, quote."""
    context = f'<span class="wm-context">{_esc(c["context"])}</span>: ' if c.get("context") else ""
    return (f'<li>{_sentence_html("", [c["n"]], turn, cites)} <span class="wm-title">{_esc(c.get("title") or "")}'
            f'</span> <span class="wm-doc">(source {_esc(short_id(str(c.get("doc", ""))))})</span><br>'
            f'{context}<q>{_esc(c.get("quote", ""))}</q></li>')


def render_history(history: list) -> str:
    examples = {"type": "small", "text": "For example: " + " · ".join(f"“{e}”" for e in EXAMPLES)}
    intro = {"type": "p", "sentences": [("Describe what you want to generate and under which constraints; I "
                                         "recommend a model family and cite a source for every reason.", [])]}
    welcome = [{"role": "assistant", "kind": "welcome", "blocks": [intro, examples], "citations": []}]
    return '<div class="wm-log">' + "".join(render_turn(t, i) for i, t in enumerate(history or welcome)) + "</div>"


def show_source(history: list, turn: int, n: int) -> str:
    """The cited quote highlighted in its passage (PASSAGE characters either side), with title and URL."""
    try:
        citation = next(c for c in history[int(turn)]["citations"] if c["n"] == int(n))
        doc = load_corpus()[citation["doc"]]
    except (IndexError, KeyError, StopIteration, TypeError, ValueError):
        return '<div class="wm-source wm-empty">That citation is not available any more.</div>'
    text, start, end = doc.text, citation["start"], citation["end"]
    if text[start:end] != citation["quote"] and citation["quote"] in text:
        start = text.index(citation["quote"])
        end = start + len(citation["quote"])
    lo, hi, url = max(0, start - PASSAGE), min(len(text), end + PASSAGE), doc.url or ""
    lo = (text.find(" ", lo, start) + 1 or lo) if lo else 0            # whole words at both ends
    hi = (max(text.rfind(" ", end, hi), 0) or hi) if hi < len(text) else hi
    link = (f'<a href="{_esc(url)}" target="_blank" rel="noopener noreferrer nofollow">{_esc(url)}</a>'
            if url.startswith(("https://", "http://")) else _esc(url) or "no URL in the source's metadata")
    context = f'<div class="wm-context">{_esc(citation["context"])}</div>' if citation.get("context") else ""
    return (f'<div class="wm-source"><button type="button" class="wm-close" aria-label="Close the source">×</button>'
            f'<div class="wm-source-title">[{int(n)}] {_esc(doc.title or doc.id)} '
            f'(source {_esc(short_id(doc.id))})</div>'
            f'<div class="wm-source-meta">document {_esc(doc.id)} · characters {start}–{end} · {link}</div>{context}'
            f'<div class="wm-passage">{"…" if lo > 0 else ""}{_esc(text[lo:start])}<mark>{_esc(text[start:end])}'
            f'</mark>{_esc(text[end:hi])}{"…" if hi < len(text) else ""}</div></div>')


def last_reply(history: list) -> dict:
    """The last assistant turn as JSON for API clients: kind, text, citations and data."""
    turn = next((t for t in reversed(history or []) if t["role"] == "assistant"), None)
    return {"kind": turn["kind"], "text": turn["text"], "citations": turn["citations"], **turn["data"]} if turn else {}
