"""Exports for slides: every view legible when fitted onto a 1920x1080 slide, landscape, and each fix of
issue 15 item 3 checked on what is drawn. The slides are saved to test-artifacts/ (look at them).

The fitted text size of a view is measured in its SVG: each <text>'s font-size (in the drawing's units)
times the scale that fits the whole drawing (its viewBox) into 1920x1080 keeping its aspect. The Mermaid
views are rendered by mermaid-cli and measured the same way in chromium, each line of text by its computed
font size (tests/mermaid_slides.py); their slides are saved as test-artifacts/slide-*-mermaid.png."""
from __future__ import annotations

import io
import re
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from mermaid_slides import mmdc, on_slides, overlaps, render

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SVG = "{http://www.w3.org/2000/svg}"
QUESTION = "Real-time image generation for a mobile game, latency is critical"
LONG_ANSWERS = ["I want to generate high quality images and I have lots of compute",
                "I need a model to generate realistic faces quickly on a phone, stable training matters"]
SLIDE = (1920, 1080)
MIN_PX = 14
IDS = re.compile(r"\[\d{3}( \d{3})*\]")


def _pages(ctx) -> list[tuple[str, str | None]]:
    from app.export.flowchart import full_tree, page_roots

    families = [c.label for c in ctx.index.families.values()]
    pages = [("map", None), ("matrix", None)] + [("answer", q) for q in [QUESTION, *LONG_ANSWERS]]
    pages += [("map", f) for f in families] + [("family", f) for f in families]
    return pages + [("flowchart", str(n)) for n in range(1, len(page_roots(full_tree(ctx))) + 1)]


def fitted_sizes(svg: bytes) -> tuple[float, float, list[float]]:
    """The drawing's width and height, and each text's size in px once fitted onto the slide."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    scale = min(SLIDE[0] / width, SLIDE[1] / height)
    return width, height, [float(t.get("font-size")) * scale for t in root.iter(f"{SVG}text")]


@pytest.fixture(scope="module")
def drawn(knowledge):
    from app.export import export_view

    cache: dict = {}

    def get(view: str, argument, fmt: str = "svg") -> bytes:
        if (view, argument, fmt) not in cache:
            cache[view, argument, fmt] = export_view(view, argument, fmt, kb=knowledge)
        return cache[view, argument, fmt]
    return get


def _slide(png: bytes, path: Path) -> None:
    """The PNG fitted onto a 1920x1080 slide, as a projector would show it."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = min(SLIDE[0] / image.width, SLIDE[1] / image.height)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    slide = Image.new("RGB", SLIDE, "#dddddd")
    slide.paste(image, ((SLIDE[0] - image.width) // 2, (SLIDE[1] - image.height) // 2))
    path.parent.mkdir(exist_ok=True)
    slide.save(path)


def _name(view: str, argument) -> str:
    if view == "answer":
        return f"answer-{[QUESTION, *LONG_ANSWERS].index(argument) + 1}"
    return f"{view}-{argument}" if argument else view


def test_every_view_is_legible_and_landscape_on_a_slide(knowledge, drawn):
    report = {}
    for view, argument in _pages(knowledge):
        width, height, sizes = fitted_sizes(drawn(view, argument))
        name = _name(view, argument)
        report[name] = (round(statistics.median(sizes), 1), round(width / height, 2))
        _slide(drawn(view, argument, "png"), ARTIFACTS / f"slide-{name.lower()}.png")
    print(report)
    small = {k: v for k, v in report.items() if v[0] < MIN_PX}
    portrait = {k: v for k, v in report.items() if v[1] < 1}
    assert not small, f"median text under {MIN_PX} px on a 1920x1080 slide: {small}"
    assert not portrait, f"portrait drawings: {portrait}"


@pytest.fixture(scope="module")
def mermaid_slides(knowledge, drawn, tmp_path_factory):
    """Every Mermaid view rendered by mermaid-cli and fitted onto a slide in chromium: name -> (graphviz
    SVG, measure), the slides saved to test-artifacts/."""
    if not mmdc() or not Path("/usr/bin/chromium").exists():
        pytest.skip("mermaid-cli not available: `make test` installs it into .cache/mmdc (WHICHMODEL_MMDC)")
    pages = [p for p in _pages(knowledge) if p[0] != "matrix"]
    svgs = render([drawn(v, a, "mermaid") for v, a in pages], tmp_path_factory.mktemp("mermaid"))
    shots = [ARTIFACTS / f"slide-{_name(v, a).lower()}-mermaid.png" for v, a in pages]
    return {_name(v, a): (drawn(v, a), m) for (v, a), m in zip(pages, on_slides(svgs, shots))}


def test_every_mermaid_view_is_legible_and_landscape_on_a_slide(mermaid_slides):
    report = {name: (round(statistics.median(line["px"] for line in m["lines"]), 1), round(m["width"] / m["height"], 2))
              for name, (_, m) in mermaid_slides.items()}
    print(report)
    small = {k: v for k, v in report.items() if v[0] < MIN_PX}
    portrait = {k: v for k, v in report.items() if v[1] < 1}
    assert not small, f"Mermaid: median text under {MIN_PX} px on a 1920x1080 slide: {small}"
    assert not portrait, f"Mermaid: portrait drawings: {portrait}"


def test_mermaid_views_keep_every_source_id_of_the_graphviz_view(mermaid_slides):
    """What a view says survives Mermaid's layout: each group of source ids ("[000 003]", "001 @463-507"
    with an en dash) the Graphviz drawing shows is in the rendered Mermaid text, which has its legend."""
    cited = re.compile(r"\[\d{3}(?: \d{3})*\]|\b\d{3} @\d+\u2013\d+")
    for name, (svg, measured) in mermaid_slides.items():
        graphviz = " ".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
        mermaid = " ".join(line["text"] for line in measured["lines"])
        missing = set(cited.findall(graphviz)) - set(cited.findall(mermaid))
        assert not missing, f"{name}: the Mermaid drawing lost {sorted(missing)}"
        assert "Legend" in mermaid and len(cited.findall(graphviz)) >= 1


def test_mermaid_labels_do_not_cover_each_other(mermaid_slides):
    """Nodes and edge labels stay apart on every Mermaid slide (curved edges made Mermaid move labels
    onto each other; the legend is a node of its own)."""
    covered = {name: overlaps(m["labels"]) for name, (_, m) in mermaid_slides.items()}
    assert not {k: v for k, v in covered.items() if v}


def test_fitted_size_is_measured_against_the_slide():
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 3840 1080">'
           b'<text font-size="20">a</text><text font-size="30">b</text></svg>')
    width, height, sizes = fitted_sizes(svg)
    assert (width, height, sizes) == (3840, 1080, [10.0, 15.0])     # half width: half size


def _quoted(label: str) -> list[str]:
    return re.findall(r"“([^”]*)”", label.replace("\n", " "))


def _check_cut(shown: str, quotes: list[str]) -> None:
    """A shortened quote is the start of one of the quotes, ending at a word's end."""
    if not shown.endswith("…"):
        return
    head = shown[:-1]
    for quote in quotes:
        text = " ".join(quote.split()).strip(" -•*")
        if text.startswith(head):
            assert not text[len(head)].isalnum(), f"cut mid-word: {shown!r} of {text!r}"
            return
    raise AssertionError(f"{shown!r} is not the start of any quote")


def test_quotes_are_never_cut_mid_word(knowledge):
    from app.export.core import build_model

    quotes = [c.quote for c in knowledge.index.claims.values()]
    cut = 0
    for view, argument in [p for p in _pages(knowledge) if p[0] in ("flowchart", "answer")]:
        for _, attrs in build_model(view, argument, knowledge).nodes(data=True):
            for shown in _quoted(attrs["label"]):
                cut += shown.endswith("…")
                _check_cut(shown, quotes)
    assert cut >= 3                                 # some were shortened, each at a word boundary


def test_shorten_keeps_whole_words():
    from app.export.context import shorten

    assert shorten("if compute is available to you", 20) == "if compute is…"
    assert shorten("Diffusion models are the best", 12) == "Diffusion…"
    assert shorten("supercalifragilistic", 5) == "supercalifragilistic"
    assert shorten("short", 20) == "short"


@pytest.mark.parametrize("family", ["GAN", "Diffusion", "Transformer", "VAE"])
def test_family_view_merges_near_duplicates_and_keeps_every_source(knowledge, family):
    from app.export.context import resolve_family
    from app.export.core import build_model

    model = build_model("family", family, knowledge)
    fid = resolve_family(knowledge.index, family)
    labels = [a["label"] for _, a in model.nodes(data=True)]
    assert len(labels) == len(set(labels)), "two nodes say the same"
    traits = [a for _, a in model.nodes(data=True) if a["kind"] in ("strength", "weakness")]
    props = [c for a in traits for c in a["claims"].split()]
    claims = [c for c in knowledge.index.claims.values() if c.family == fid and not c.via_model
              and c.predicate in ("strength", "weakness")]
    assert sorted(props) == sorted(c.id for c in claims)            # every claim drawn, once
    drawn_sources = {s for _, _, a in model.edges(data=True) if a["kind"] in ("strength", "weakness")
                     for s in a["sources"].split()}
    assert drawn_sources == {c.doc[:3] for c in claims}
    assert len(traits) < len({(c.predicate, c.value.lower()) for c in claims})   # something was merged
    if family == "GAN":
        hard = [a["label"] for a in traits if "train" in a["label"] and "similar" in a["label"]]
        assert len([a for a in traits if "difficult" in a["label"] or "hard to train" in a["label"]]) <= 1, hard


def test_matrix_colours_by_what_is_better_for_a_user_and_keys_the_sources(knowledge, drawn):
    from app.export.matrix import GOOD_FILLS, goodness

    index = knowledge.index
    assert goodness(index, "compute-need", 4) < goodness(index, "compute-need", 2)   # high compute need is worse
    assert goodness(index, "sample-quality", 4) > goodness(index, "sample-quality", 2)
    svg = drawn("matrix", None)
    root = ET.fromstring(svg)
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "Sources" in texts
    from app.export.context import source_titles

    titles = source_titles(knowledge)
    assert set(titles) == {"000", "001", "002", "003", "004"}
    for doc, title in titles.items():
        assert doc in texts and title.split()[0] in " ".join(texts), doc
    fills = {p.get("fill") for p in root.iter(f"{SVG}polygon")}
    assert GOOD_FILLS[1] in fills and GOOD_FILLS[5] in fills


GRAPH_PAGES = [("map", None), ("map", "GAN"), ("family", "GAN"), ("answer", QUESTION), ("flowchart", "1"),
               ("flowchart", "3")]


@pytest.mark.parametrize("view,argument", GRAPH_PAGES)
def test_edges_carry_the_labels_the_legend_promises(view, argument, drawn):
    """Every edge kind whose legend line promises source ids shows them on every drawn edge of that kind."""
    from app.export.style import EDGE_STYLES

    root = ET.fromstring(drawn(view, argument))
    legend = " ".join(t.text or "" for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("node")
                      and any((x.text or "") == "Legend" for x in g.iter(f"{SVG}text")) for t in g.iter(f"{SVG}text"))
    promised = [k for k, (text, _, _) in EDGE_STYLES.items() if "(source ids)" in text and text in legend]
    assert promised, "the legend promises no labelled edges"
    for kind in promised:
        edges = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").split() == ["edge", kind]]
        assert edges, f"{kind} is in the legend but not drawn"
        for edge in edges:
            text = " ".join(t.text or "" for t in edge.iter(f"{SVG}text"))
            assert IDS.search(text), f"{view}: a {kind} edge has no source ids: {text!r}"


def test_answer_view_draws_only_the_conflicts_the_answer_states(knowledge):
    from app.export.answer import shown_conflicts
    from app.export.core import build_model

    answer = knowledge.recommend(QUESTION, alternatives=False)
    assert any(rec.conflicts for rec in answer.recommendations)      # there were some to leave out
    model = build_model("answer", answer, knowledge)
    drawn_conflicts = {n for n, a in model.nodes(data=True) if a["kind"] == "conflict"}
    stated = {f"conflict:{rec.family}-{c.property}" for rank, rec in enumerate(answer.recommendations)
              for c in shown_conflicts(rec, rank == 0)}
    assert drawn_conflicts == stated
    assert len(drawn_conflicts) < sum(len(rec.conflicts) for rec in answer.recommendations)


def test_a_flowchart_page_out_of_range_is_a_clear_error(knowledge):
    from app.export import ExportError, export_view

    with pytest.raises(ExportError, match="the flowchart has pages 1 to"):
        export_view("flowchart", "99", "dot", kb=knowledge)


def test_flowchart_pages_link_to_each_other(knowledge):
    from app.export.core import build_model
    from app.export.flowchart import full_tree, page_roots

    count = len(page_roots(full_tree(knowledge)))
    assert count >= 2
    pointed = set()
    for page in range(1, count + 1):
        model = build_model("flowchart", str(page), knowledge)
        assert model.out_degree(max(model.nodes, key=model.out_degree)) <= 10      # no 15-way fan
        pointed |= {int(n.split(":")[1]) for n in model.nodes if n.startswith("page:")}
        if page > 1:
            assert "from" in model
    assert pointed == set(range(2, count + 1))
