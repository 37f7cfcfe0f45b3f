"""The chat and the Graph tab as a new user meets them, in Debian's chromium (playwright) against a real
`whichmodel serve`, at a desktop (1280x900) and a phone (390x844) viewport. Screenshots go to
test-artifacts/ui-<viewport>-*.png.
"""
from __future__ import annotations

import base64
import re
import statistics
from pathlib import Path

import pytest
from test_browser import ARGS, CHROMIUM
from test_endpoint import live_server  # noqa: F401 - the shared session server

from app.chat import MAX_MESSAGE

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "test-artifacts"
QUESTION = "Real-time image generation for a mobile game, latency is critical"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
pytestmark = pytest.mark.browser

GEOMETRY = """() => {
  const bots = document.querySelectorAll('#wm-chat .wm-bot'), box = (e) => e.getBoundingClientRect();
  const reply = box(bots[bots.length - 1]), log = box(document.querySelector('#wm-chat .wm-log'));
  const input = box(document.querySelector('#wm-input textarea'));
  return {top: reply.top, replyHeight: reply.height, logTop: log.top, logBottom: log.bottom, inputTop: input.top,
          inputBottom: input.bottom, height: innerHeight};
}"""


# Two touch pointers moving apart on the evidence diagram (synthetic pointer events, as a phone sends them).
PINCH = """({x, y}) => {
  const img = document.querySelector('#wm-evidence .wm-stage img'), r = img.parentElement.getBoundingClientRect();
  const send = (type, id, dx) => img.dispatchEvent(new PointerEvent(type, {pointerId: id, pointerType: 'touch',
    clientX: r.left + x + dx, clientY: r.top + y, bubbles: true, cancelable: true}));
  send('pointerdown', 11, -20); send('pointerdown', 12, 20);
  for (let d = 25; d <= 60; d += 5) { send('pointermove', 11, -d); send('pointermove', 12, d); }
  send('pointerup', 11, -60); send('pointerup', 12, 60);
}"""


@pytest.fixture(scope="module")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser, live_server
        browser.close()


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def page(request, browser):
    chromium, url = browser
    phone = request.param == "phone"
    context = chromium.new_context(viewport=VIEWPORTS[request.param], is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.viewport_name = request.param
    page.goto(url, wait_until="load")
    page.wait_for_selector("#wm-input textarea")
    ART.mkdir(exist_ok=True)
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ART / f"ui-{page.viewport_name}-{name}.png"))


def ask(page, question: str) -> None:
    """Type a question, press Enter, wait for its reply (and for the page to settle)."""
    asked = page.locator("#wm-chat .wm-user").count()
    page.fill("#wm-input textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#wm-chat .wm-user').length > n && "
                           "document.querySelectorAll('#wm-chat .wm-msg').length >= 2 * (n + 1)", arg=asked)
    page.wait_for_timeout(400)


def on_screen(page) -> dict:
    return page.evaluate(GEOMETRY)


def test_each_new_reply_arrives_on_screen_with_the_input(page):
    questions = [QUESTION, "why not diffusion?", "I need to synthesise speech with an exact likelihood",
                 "compare GAN and VAE", "what would change your answer?", QUESTION]
    box = page.locator("#wm-input textarea").bounding_box()                # on screen before any question
    assert box and box["y"] + box["height"] <= VIEWPORTS[page.viewport_name]["height"]
    seen = []
    for i, question in enumerate(questions, 1):
        ask(page, question)
        g = on_screen(page)
        seen.append(g)
        shot(page, f"reply{i}")
        shown = min(60, g["replyHeight"])             # 60 px of the reply, or all of a shorter one
        assert g["logTop"] - 1 <= g["top"] <= min(g["logBottom"], g["height"]) - shown, (question, g)
        assert g["top"] >= 0, (question, g)
        assert g["inputTop"] >= 0 and g["inputBottom"] <= g["height"], (question, g)   # the input stays visible
    assert len(seen) == len(questions)


def test_the_counter_counts_and_a_long_paste_is_kept_with_a_clear_message(page):
    counter = page.locator("#wm-count .wm-count")
    page.fill("#wm-input textarea", "image generation")
    page.wait_for_function("() => document.querySelector('#wm-count .wm-count').textContent.startsWith('16 /')")
    assert "2,000" in counter.inner_text() and "wm-over" not in counter.get_attribute("class")
    long = "I want to generate images of cats. " * 80                    # 2,800 characters, pasted
    page.fill("#wm-input textarea", long)
    page.wait_for_function("() => document.querySelector('#wm-count .wm-count').classList.contains('wm-over')")
    over = len(long.strip()) - MAX_MESSAGE
    assert f"too long by {over:,}" in counter.inner_text()
    assert page.input_value("#wm-input textarea") == long                  # nothing silently cut
    box = counter.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORTS[page.viewport_name]["height"]
    shot(page, "too-long")
    asked = page.locator("#wm-chat .wm-user").count()
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#wm-chat .wm-user').length > n", arg=asked)
    page.wait_for_timeout(400)
    assert f"shorten it by {over:,} characters" in page.locator("#wm-chat .wm-bot").last.inner_text()
    assert page.input_value("#wm-input textarea") == long                  # still there, to be shortened
    page.fill("#wm-input textarea", "")
    page.wait_for_function("() => document.querySelector('#wm-count .wm-count').textContent.startsWith('0 /')")
    # a live region: left alone while the count stands, so a screen reader is not told it again and again
    changes = page.evaluate("""() => new Promise(done => {
        let n = 0; const o = new MutationObserver(m => { n += m.length; });
        o.observe(document.querySelector('#wm-count .wm-count'), {childList: true, characterData: true, subtree: true});
        setTimeout(() => { o.disconnect(); done(n); }, 1000); })""")
    assert changes == 0


def test_star_ratings_read_as_text(page):
    ask(page, QUESTION)
    answer = page.locator("#wm-chat .wm-bot").last
    answer.locator("details.wm-sources summary").click()
    sources = answer.locator("details.wm-sources").inner_text()
    assert re.search(r"\b[1-5]/5\b", sources) and "\u2b50" not in page.locator("#wm-chat").inner_text()
    star = answer.locator("p .wm-cite[title='5/5'], p .wm-cite[title='4/5'], p .wm-cite[title='2/5']").first
    star.click()
    page.wait_for_selector("#wm-source mark")
    assert re.fullmatch(r"[1-5]/5", page.locator("#wm-source mark").inner_text())
    assert "\u2b50" not in page.locator("#wm-source").inner_text()
    shot(page, "stars")
    answer.locator("details.wm-sources summary").click()


def test_the_compare_table_marks_what_you_care_about_with_a_star_not_a_rating(page):
    ask(page, QUESTION)
    ask(page, "compare VAE and diffusion")
    table = page.locator("#wm-chat .wm-compare").last
    assert "1/5" not in table.inner_text()
    marks = table.locator("td .wm-care")
    assert marks.count() >= 1 and marks.first.inner_text() == "\u2605"
    assert marks.first.get_attribute("title") == "what your question cares about"
    box = marks.first.bounding_box()
    assert box and box["width"] >= 5                     # the glyph is drawn (not an empty box of 0 width)
    table.scroll_into_view_if_needed()
    shot(page, "compare")


def test_a_citation_opens_beside_its_marker(page):
    ask(page, QUESTION)
    marker = page.locator("#wm-chat .wm-bot").last.locator("p .wm-cite").nth(2)
    quote = marker.get_attribute("title")
    marker.click()
    page.wait_for_function("q => document.querySelector('#wm-source mark')?.textContent === q", arg=quote)
    page.wait_for_timeout(400)
    panel = page.locator("#wm-source .wm-source").bounding_box()
    spot = marker.bounding_box()
    height = VIEWPORTS[page.viewport_name]["height"]
    shot(page, "citation")
    mark = page.locator("#wm-source mark").bounding_box()               # the quote itself is on screen
    assert mark and mark["y"] >= 0 and mark["y"] + min(mark["height"], 40) <= height, mark
    assert "wm-active" in marker.get_attribute("class")                  # marked like its quote
    assert 0 <= panel["y"] < height and spot and spot["y"] >= 0
    if page.viewport_name == "phone":          # a drawer over the bottom, the tapped marker just above it
        assert panel["y"] + panel["height"] <= height + 1 and panel["y"] >= height * 0.4
        assert spot["y"] + spot["height"] <= panel["y"]
        page.click("#wm-source .wm-close")
        page.wait_for_selector("#wm-source .wm-source", state="hidden")
    else:                                      # beside the chat, on screen
        assert panel["x"] > spot["x"] and panel["y"] + 40 < height
        second = page.locator("#wm-chat .wm-bot").last.locator("p .wm-cite").nth(1)     # the report's [2]
        second.click()
        page.wait_for_function("q => document.querySelector('#wm-source mark')?.textContent === q",
                               arg=second.get_attribute("title"))
        page.wait_for_timeout(400)
        mark = page.locator("#wm-source mark").bounding_box()
        assert mark and mark["y"] >= 0 and mark["y"] + min(mark["height"], 40) <= height, mark


def test_the_source_list_names_titles_with_their_ids(page):
    answer = page.locator("#wm-chat .wm-bot").last
    answer.locator("details.wm-sources summary").click()
    items = answer.locator("details.wm-sources li")
    assert items.count() >= 3
    for i in range(items.count()):
        item = items.nth(i)
        assert item.locator(".wm-title").inner_text().strip()
        assert re.fullmatch(r"\(source \d{3}\)", item.locator(".wm-doc").inner_text())
    shot(page, "sources")
    answer.locator("details.wm-sources summary").click()


def _scale(page, selector: str) -> float:
    return float(page.locator(f"{selector} [data-scale]").first.get_attribute("data-scale"))


def _median_text_px(page, selector: str) -> float:
    """The median size on screen of the diagram's text: font size in the SVG x its pt-to-px x the zoom."""
    src = page.evaluate(f"() => document.querySelector('{selector} .wm-stage img').currentSrc")
    svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg)[1])
    view_w = float(re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+)', svg)[1])
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    natural = page.evaluate(f"() => document.querySelector('{selector} .wm-stage img').naturalWidth")
    scale = _scale(page, selector)
    return statistics.median(sizes) * (natural / view_w) * scale if width_pt else 0.0


def _fitted(page, selector: str) -> tuple[dict, dict]:
    """The drawing's box on screen and the stage's."""
    return (page.locator(f"{selector} .wm-stage img").bounding_box(),
            page.locator(f"{selector} .wm-stage").bounding_box())


def test_graph_tab_shows_the_current_answers_evidence_zoomable(page):
    ask(page, "I need to synthesise speech with an exact likelihood")
    page.get_by_role("tab", name="Graph").click()
    page.wait_for_function("() => document.querySelector('#wm-evidence .wm-graph-caption')?.textContent"
                           ".includes('synthesise speech')")
    assert "(as asked)" in page.locator("#wm-evidence .wm-graph-caption").inner_text()
    page.get_by_role("tab", name="Chat").click()
    ask(page, QUESTION)
    page.get_by_label("small").first.check()                                # compute budget: small
    page.wait_for_function("() => [...document.querySelectorAll('#wm-chat .wm-h')].pop().textContent"
                           ".startsWith('Refined (compute small)')")
    top = page.locator("#wm-chat .wm-h").last.inner_text().split(":")[-1].strip()
    page.get_by_role("tab", name="Graph").click()
    page.wait_for_function("() => document.querySelector('#wm-evidence .wm-graph-caption')?.textContent"
                           ".includes('refined')")                       # redrawn for the refined answer
    caption = page.locator("#wm-evidence .wm-graph-caption").inner_text()
    assert f"Why {top}" in caption and "refined: compute small" in caption
    assert page.locator("#wm-map img").count() == 0                     # the whole map only on demand
    page.wait_for_selector("#wm-evidence [data-scale]", state="attached")
    assert _median_text_px(page, "#wm-evidence") >= 9.5
    drawn, box = _fitted(page, "#wm-evidence")                      # the first view: whole width, no crop
    assert drawn["x"] >= box["x"] - 1 and drawn["x"] + drawn["width"] <= box["x"] + box["width"] + 1, (drawn, box)
    assert box["height"] <= drawn["height"] + 6                       # no empty stage below the drawing
    shot(page, "graph")
    page.click("#wm-evidence [data-zoom='width']")
    assert _fitted(page, "#wm-evidence")[0]["width"] <= box["width"] + 1
    before = _scale(page, "#wm-evidence")
    page.click("#wm-evidence [data-zoom='in']")
    assert _scale(page, "#wm-evidence") > before
    img = page.locator("#wm-evidence .wm-stage img")
    moved_from = img.evaluate("e => e.style.transform")
    stage = page.locator("#wm-evidence .wm-stage").bounding_box()
    page.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    page.mouse.down()
    page.mouse.move(stage["x"] + stage["width"] / 2 - 80, stage["y"] + stage["height"] / 2 - 60, steps=4)
    page.mouse.up()
    assert img.evaluate("e => e.style.transform") != moved_from           # dragged
    zoomed = _scale(page, "#wm-evidence")
    page.evaluate(PINCH, {"x": stage["width"] / 2, "y": stage["height"] / 2})
    assert _scale(page, "#wm-evidence") > zoomed * 1.5                     # two fingers apart: zoomed in
    shot(page, "graph-zoomed")
    page.click("#wm-map-show")
    page.wait_for_selector("#wm-map .wm-stage img")
    page.locator("#wm-map").scroll_into_view_if_needed()
    shot(page, "map")
    page.get_by_role("tab", name="Chat").click()
