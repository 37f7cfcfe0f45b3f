"""The Graph tab: the evidence behind the answer the chat holds (refined or not) as an SVG one can zoom and
pan, and the whole map of the graph only when asked for. Each SVG is shown as an <img> from a data: URL, so
nothing in it can run, and is drawn once per answer (cached in out_dir)."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import re
import textwrap
from itertools import pairwise
from pathlib import Path

from app.chat import needs_text, overrides_text
from app.export import export_view
from app.export.render import run_dot
from kg.errors import WhichModelError
from kg.sources.corpus import load_corpus, short_id

NO_ANSWER = ('<p class="wm-graph-caption">Ask a question in the chat: the evidence behind its answer (as refined '
             'by the controls) is drawn here.</p>')
# Wheel or the + and - buttons zoom (around the pointer), dragging pans, "Whole" shows the whole diagram. The first
# view (and "Fit width") fits the diagram's width to the box, the box as tall as the diagram up to most of the
# screen (taller diagrams pan up and down); a narrow screen gets the diagram drawn as one column (column_dot).
NARROW = 640           # px: screens up to this width show the one-column drawing
COLUMN_WRAP = 26       # characters per line of a node's text in the one-column drawing
LEGEND = ("white box: the question · blue boxes: the needs understood · yellow notes: a quote, its source @ "
          "characters · rounded box: the family · dashed red arrow: a trade-off against it")
ZOOM_JS = """
const state = {s: 1, x: 0, y: 0};
const parts = () => [element.querySelector('.wm-stage'), element.querySelector('.wm-stage img')];
const apply = () => { const [, img] = parts(); if (img) img.style.transform =
  `translate(${state.x}px, ${state.y}px) scale(${state.s})`; element.dataset.scale = state.s.toFixed(3); };
const zoom = (f, cx, cy) => { const s = Math.min(8, Math.max(0.05, state.s * f)); f = s / state.s;
  state.x = cx - (cx - state.x) * f; state.y = cy - (cy - state.y) * f; state.s = s; apply(); };
const fit = (whole) => { const [stage, img] = parts(); if (!stage || !img || !img.naturalWidth) return;
  const w = stage.clientWidth, tall = Math.max(240, Math.min(760, window.innerHeight * 0.75));
  const across = Math.min(1.25, w / img.naturalWidth);
  stage.style.height = `${Math.ceil(Math.min(tall, img.naturalHeight * across)) + 2}px`;
  const h = stage.clientHeight;
  state.s = whole ? Math.min(across, h / img.naturalHeight) : across;
  state.x = (w - img.naturalWidth * state.s) / 2; state.y = whole ? (h - img.naturalHeight * state.s) / 2 : 0;
  apply(); };
const start = () => { const [, img] = parts(); if (!img) return;
  if (img.complete) fit(false); else img.addEventListener('load', () => fit(false), {once: true}); };
element.addEventListener('click', (e) => { const b = e.target.closest('[data-zoom]'); if (!b) return;
  const [stage] = parts(); if (!stage) return; const cx = stage.clientWidth / 2, cy = stage.clientHeight / 2;
  const what = b.dataset.zoom;
  if (what === 'in') zoom(1.25, cx, cy); else if (what === 'out') zoom(0.8, cx, cy);
  else if (what === 'fit') fit(true); else fit(false); });
element.addEventListener('wheel', (e) => { const [stage] = parts(); if (!stage || !stage.contains(e.target)) return;
  e.preventDefault(); const r = stage.getBoundingClientRect();
  zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top); }, {passive: false});
const down = new Map(); let drag = null, pinch = null;        // one pointer drags, two pinch
const spread = () => { const [a, b] = [...down.values()]; return Math.hypot(a.x - b.x, a.y - b.y); };
element.addEventListener('pointerdown', (e) => { const [stage] = parts();
  if (!stage || !stage.contains(e.target)) return;
  down.set(e.pointerId, {x: e.clientX, y: e.clientY});
  try { stage.setPointerCapture(e.pointerId); } catch (err) { /* a pointer the page did not see start */ }
  drag = {x: e.clientX - state.x, y: e.clientY - state.y}; pinch = down.size === 2 ? spread() : null;
  stage.classList.add('wm-dragging'); e.preventDefault(); });
element.addEventListener('pointermove', (e) => { if (!down.has(e.pointerId)) return;
  down.set(e.pointerId, {x: e.clientX, y: e.clientY});
  if (pinch && down.size === 2) { const r = parts()[0].getBoundingClientRect(), [a, b] = [...down.values()];
    const now = spread(); zoom(now / pinch, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top); pinch = now; return; }
  if (drag && down.size === 1) { state.x = e.clientX - drag.x; state.y = e.clientY - drag.y; apply(); } });
const stop = (e) => { down.delete(e.pointerId); pinch = null; const rest = [...down.values()][0];
  drag = rest ? {x: rest.x - state.x, y: rest.y - state.y} : null;
  if (!rest) { const [stage] = parts(); if (stage) stage.classList.remove('wm-dragging'); } };
element.addEventListener('pointerup', stop); element.addEventListener('pointercancel', stop);
watch('value', () => requestAnimationFrame(start)); start();
let wide = innerWidth;            // a phone turned, a window resized: fit again
addEventListener('resize', () => { if (Math.abs(innerWidth - wide) > 40) { wide = innerWidth; start(); } });
"""


def evidence_answer(answer):
    """The answer as drawn in the tab: its top recommendation's evidence only (about 20 to 30 nodes, readable
    on a screen); the other families are in the chat and in `whichmodel export answer`."""
    if dataclasses.is_dataclass(answer) and len(getattr(answer, "recommendations", [])) > 1:
        return dataclasses.replace(answer, recommendations=answer.recommendations[:1])
    return answer


def column_dot(dot: str) -> str:
    """The answer diagram's Graphviz source redrawn as one column for a phone: top to bottom, the question,
    each need, each piece of evidence and the family one under another (invisible edges of one group), node
    text larger and wrapped narrower, no title (the caption says it) and no legend or source-id edge labels (the legend
    is a line of text under the caption; each note names its source)."""
    dot = dot.replace('rankdir="LR"', 'rankdir="TB"').replace('node [fontname="DejaVu Sans", fontsize="16"',
                                                              'node [fontname="DejaVu Sans", fontsize="21"')
    dot = re.sub(r'label=<<FONT.*?</FONT>>, labelloc="t", labeljust="c", ', "", dot, count=1, flags=re.S)
    dot = re.sub(r'^\s*"legend" \[.*\n', "", dot, flags=re.M)
    dot = re.sub(r' \[label="\[[0-9a-z ]+\]", ', " [", dot)

    def node(match) -> str:
        lines = re.sub(r"\\n(?=[a-z])", " ", match[2]).split("\\n")     # a line's continuation: one line again
        text = "\\n".join("\\n".join(textwrap.wrap(line, COLUMN_WRAP) or [""]) for line in lines)
        return f'{match[1]}group="column", label="{text}"'
    dot = re.sub(r'^(\s*"[^"]+" \[)label="((?:[^"\\]|\\.)*)"', node, dot, flags=re.M)
    ids = re.findall(r'^\s*"([^"]+)" \[group="column"', dot, re.M)
    rank = ("question", "need:", "reason:", "tradeoff:", "conflict:", "fam:")
    order = sorted(ids, key=lambda i: next((k for k, p in enumerate(rank) if i.startswith(p)), len(rank)))
    chain = "".join(f'  "{a}" -> "{b}" [style="invis", weight="10"];\n' for a, b in pairwise(order))
    return dot.rstrip().rstrip("}") + chain + "}\n"


def _data(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def cited_sources(answer) -> list[tuple[str, str]]:
    """The documents the drawn evidence cites, as (short id, title): the diagram labels notes by id only."""
    docs = load_corpus()
    ids = {c.doc for rec in answer.recommendations[:1] for reason in rec.reasons for c in reason.claims}
    ids |= {c.doc for rec in answer.recommendations[:1] for trade in rec.tradeoffs for c in trade.claims}
    return sorted((short_id(d), docs[d].title or d) for d in ids if d in docs)


def viewer(svg: bytes, caption: str, alt: str, narrow: bytes | None = None,
           sources: list[tuple[str, str]] | None = None) -> str:
    """A zoomable, pannable SVG: the toolbar, the caption, and the picture as an inert <img> (with `narrow`, a
    <picture> whose one-column drawing is shown on screens up to NARROW px wide)."""
    size = re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    dims = f' width="{float(size[1]) * 4 / 3:.0f}" height="{float(size[2]) * 4 / 3:.0f}"' if size and not narrow else ""
    bar = "".join(f'<button type="button" data-zoom="{z}" title="{t}">{s}</button>'
                  for z, s, t in (("in", "+", "Zoom in"), ("out", "−", "Zoom out"),
                                  ("width", "Fit width", "Fit the width"), ("fit", "Whole", "Show it whole")))
    img = f'<img src="{_data(svg)}"{dims} alt="{html.escape(alt)}" draggable="false">'
    if narrow:
        img = f'<picture><source media="(max-width: {NARROW}px)" srcset="{_data(narrow)}">{img}</picture>'
    legend = f'<p class="wm-graph-legend">{html.escape(LEGEND)}</p>' if narrow else ""
    if sources:                     # folded, so that on a phone the drawing stays where the thumb is
        legend += (f'<details class="wm-graph-sources"><summary>Sources: '
                   f'{html.escape(", ".join(sid for sid, _ in sources))}</summary>' + "; ".join(
                       f"<b>{html.escape(sid)}</b> {html.escape(title)}" for sid, title in sources) + "</details>")
    return (f'<div class="wm-graph"><div class="wm-graph-bar">{bar}<span class="wm-graph-hint">scroll to zoom, '
            f'drag to move</span></div><p class="wm-graph-caption">{html.escape(caption)}</p>{legend}'
            f'<div class="wm-stage">{img}</div></div>')


def _drawn(out_dir: Path, view: str, argument, key: str, get_kb, *, column: bool = False) -> bytes:
    name = f"{view}{'-column' if column else ''}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.svg"
    target = Path(out_dir) / name
    if not target.exists():
        if column:
            target.write_bytes(run_dot(column_dot(export_view(view, argument, "dot", kb=get_kb()).decode()), "svg"))
        else:
            target.write_bytes(export_view(view, argument, "svg", kb=get_kb()))
    return target.read_bytes()


def _problem(view: str, exc: Exception) -> str:
    return f'<p class="wm-error">{html.escape(f"The {view} diagram could not be drawn: {exc}")}</p>'


def evidence_html(current, *, get_kb, out_dir) -> str:
    """The evidence diagram of the answer in the chat's state, or a note saying why there is none."""
    current = current or {}
    answer = current.get("answer")
    if answer is None:
        return NO_ANSWER
    if answer.declined or not answer.recommendations:
        return '<p class="wm-graph-caption">The last question was declined: there is no evidence to draw.</p>'
    overrides = current.get("overrides") or {}
    refined = overrides_text(overrides, get_kb().index)
    key = repr((current.get("question"), sorted((k, repr(v)) for k, v in overrides.items())))
    try:
        svg = _drawn(out_dir, "answer", evidence_answer(answer), key, get_kb)
        narrow = _drawn(out_dir, "answer", evidence_answer(answer), key, get_kb, column=True)
    except (WhichModelError, ImportError, OSError, RuntimeError) as exc:
        return _problem("evidence", exc)
    return viewer(svg, caption(current, refined), f"Evidence diagram: why {answer.top.label}", narrow,
                  cited_sources(answer))


def caption(current: dict, refined: str) -> str:
    """What the diagram answers: the question, or for a follow-up the need merged from its messages."""
    answer, asked = current["answer"], current.get("asked") or [current.get("question", "")]
    if len(asked) > 1:
        said = ", then ".join(f"“{m}”" for m in asked)
        what = f"{needs_text(answer) or 'the need'} (from {said})"
    else:
        what = f"“{asked[0]}”"
    return (f"Why {answer.top.label} for {what}" + (f" (refined: {refined})" if refined else " (as asked)") +
            ": the needs understood, and the quoted claims for and against it.")


def map_html(*, get_kb, out_dir) -> str:
    try:
        svg = _drawn(out_dir, "map", None, "map", get_kb)
    except (WhichModelError, ImportError, OSError, RuntimeError) as exc:
        return _problem("map", exc)
    return viewer(svg, "The whole map: every model family against the kinds of data the sources name it for "
                       "(use cases on each edge).",
                  "The whole map of the knowledge graph")


def graph_tab(gr, tab, state, *, get_kb, out_dir) -> None:
    """The evidence of the answer the chat holds, redrawn each time the tab opens; the map on demand."""
    gr.Markdown("The evidence behind the chat's current answer. Scroll or use + / − to zoom, drag to move.")
    evidence = gr.HTML(NO_ANSWER, js_on_load=ZOOM_JS, elem_id="wm-evidence")
    show = gr.Button("Show the whole map", elem_id="wm-map-show", size="sm")
    whole = gr.HTML("", js_on_load=ZOOM_JS, elem_id="wm-map")
    tab.select(lambda current: evidence_html(current, get_kb=get_kb, out_dir=out_dir), state, evidence,
               api_visibility="private")
    show.click(lambda: map_html(get_kb=get_kb, out_dir=out_dir), None, whole, api_visibility="private")
