"""Mermaid views on a slide: render Mermaid text with mermaid-cli (Debian's chromium, no browser download),
then fit the SVG onto 1920x1080 in that chromium (through playwright) and read each line of text's size.

mermaid-cli is not a project dependency: `mmdc()` is None where it is not installed (`make test` installs
it into .cache/mmdc and names it in WHICHMODEL_MMDC).

The fitted size of a line of text is its computed font size (CSS px in the drawing's units) times the scale
at which the drawing (its viewBox) is shown on the slide, measured in the browser (getScreenCTM), so it
counts Mermaid's own CSS (node, edge, cluster and title sizes) as drawn. A text wrapped onto several
lines counts once per line, as each line is one <text> in Graphviz's SVG.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
SLIDE = (1920, 1080)

_MEASURE = """() => {
  const svg = document.querySelector('svg');
  svg.setAttribute('width', 'WIDTH'); svg.setAttribute('height', 'HEIGHT'); svg.style.maxWidth = 'none';
  const box = svg.viewBox.baseVal, lines = [], walker = document.createTreeWalker(svg, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.closest('style, script, title, desc')) continue;
    const holder = el.closest('foreignObject') || el.closest('text');
    if (!holder || getComputedStyle(el).visibility === 'hidden') continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const ctm = holder.getScreenCTM(), scale = Math.hypot(ctm.a, ctm.b);
    const px = parseFloat(getComputedStyle(el).fontSize) * scale;
    const tops = new Set(rects.map(r => Math.round(r.top)));
    for (let i = 0; i < tops.size; i++) lines.push({px, text: node.textContent.trim()});
  }
  const labels = [...svg.querySelectorAll('g.edgeLabel foreignObject, g.node')].map(el => {
    const r = el.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height, text: el.textContent.trim()};
  }).filter(r => r.w > 0 && r.h > 0 && r.text);
  return {width: box.width, height: box.height, lines, labels};
}""".replace("WIDTH", str(SLIDE[0])).replace("HEIGHT", str(SLIDE[1]))


def mmdc() -> str | None:
    return os.environ.get("WHICHMODEL_MMDC") or shutil.which("mmdc")


def render(sources: list[bytes], folder: Path) -> list[bytes]:
    """Each Mermaid source rendered to SVG by mermaid-cli, in one run (a Markdown file of diagrams)."""
    folder.mkdir(parents=True, exist_ok=True)
    markdown, config = folder / "diagrams.md", folder / "puppeteer.json"
    markdown.write_text("\n".join("```mermaid\n" + s.decode("utf-8") + "```\n" for s in sources), encoding="utf-8")
    config.write_text(json.dumps({"executablePath": CHROMIUM, "args": ["--no-sandbox", "--disable-gpu"]}))
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=CHROMIUM, PUPPETEER_SKIP_DOWNLOAD="1")
    proc = subprocess.run([mmdc(), "-p", str(config), "-i", str(markdown), "-o", str(folder / "d.svg")],
                          capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise AssertionError(f"mermaid-cli failed: {proc.stderr[-2000:]}")
    return [(folder / f"d-{n}.svg").read_bytes() for n in range(1, len(sources) + 1)]


def on_slides(svgs: list[bytes], shots: list[Path | None]) -> list[dict]:
    """Each SVG fitted onto a 1920x1080 slide in chromium: {width, height, lines: [{px, text}], labels:
    [{x, y, w, h, text}] (the boxes of nodes and edge labels on the slide)}; the slide saved as a PNG where
    a path is given."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": SLIDE[0], "height": SLIDE[1]})
        for svg, shot in zip(svgs, shots):
            page.set_content('<html><body style="margin:0;background:#dddddd;overflow:hidden">'
                             + svg.decode("utf-8") + "</body></html>", wait_until="load")
            out.append(page.evaluate(_MEASURE))
            if shot:
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot))
        browser.close()
    return out


def overlaps(labels: list[dict], margin: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of boxes (nodes, edge labels) that cover each other on the slide by more than margin px."""
    out = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            across = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            down = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if across > margin and down > margin:
                out.append((a["text"][:40], b["text"][:40]))
    return out
