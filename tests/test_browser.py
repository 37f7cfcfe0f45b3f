"""The chat in a real browser: Debian's chromium driven by playwright against the running server.

Needs /usr/bin/chromium (`make system-deps` installs it); playwright's own browser downloads are never used.
The screenshot goes to test-artifacts/chat.png.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from test_endpoint import live_server  # noqa: F401 - the shared session server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
pytestmark = pytest.mark.browser


@contextmanager
def open_chat(url: str, width: int = 1400, height: int = 1000):
    """A page of Debian's chromium on the chat at `url`, ready for input; `page.offsite` collects every request
    that left the server (the page must make none)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(30_000)
        page.offsite = []
        page.on("request", lambda r: page.offsite.append(r.url)
                if not r.url.startswith((url, "data:", "blob:")) else None)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#wm-input textarea")
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(live_server):
    with open_chat(live_server) as page:
        yield page


def test_ask_read_the_cited_answer_and_open_a_source(page):
    page.fill("#wm-input textarea", "Real-time image generation for a mobile game, latency is critical")
    page.click("#wm-send")
    page.wait_for_selector("#wm-chat .wm-answer p .wm-cite")
    answer = page.locator("#wm-chat .wm-answer").last
    assert "Recommendation: GAN" in answer.inner_text()
    markers = answer.locator("p .wm-cite")
    assert markers.count() >= 3
    marker = markers.nth(1)
    quote = marker.get_attribute("title")
    assert quote
    marker.click()
    page.wait_for_selector("#wm-source mark")
    assert page.locator("#wm-source mark").inner_text() == quote
    source = page.locator("#wm-source").inner_text()
    assert "document " in source and "characters " in source
    assert len(source) > len(quote) + 100                  # the quote sits inside its surrounding passage
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-artifacts" / "chat.png"), full_page=True)


def test_follow_up_and_controls(page):
    page.fill("#wm-input textarea", "why not diffusion?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#wm-chat .wm-why_not .wm-cite")
    page.get_by_label("small").first.check()                          # compute budget: small
    page.wait_for_function("document.querySelectorAll('#wm-chat .wm-answer').length >= 2")
    assert "Refined (compute small)" in page.locator("#wm-chat .wm-answer").last.inner_text()


def test_graph_tab_draws_the_answer_and_the_map(page):
    import importlib.util

    page.get_by_role("tab", name="Graph").click()
    if importlib.util.find_spec("app.export") is None:
        page.wait_for_selector("text=export module")
        return
    page.wait_for_selector("#wm-evidence img", timeout=90_000)
    page.click("#wm-evidence .wm-graph-sources summary")          # the ids the notes carry, titled
    named = page.locator("#wm-evidence .wm-graph-sources").inner_text()
    assert named.startswith("Sources:") and "001 Types of Generative AI Models" in named
    page.click("#wm-map-show")                                   # the whole map is drawn on demand
    page.wait_for_selector("#wm-map img", timeout=90_000)
    page.screenshot(path=str(ROOT / "test-artifacts" / "graph.png"))
    page.get_by_role("tab", name="Chat").click()


def test_hostile_text_is_shown_not_run(page):
    page.fill("#wm-input textarea", '<img src="x" onerror="document.title=1"> image generation <b>bold</b>')
    page.click("#wm-send")
    page.wait_for_function("document.querySelectorAll('#wm-chat .wm-user').length >= 3")
    user = page.locator("#wm-chat .wm-user").last
    assert "<img" in user.inner_text() and user.locator("img, b").count() == 0
    assert page.title() != "1"


def test_sparql_tab_runs_a_competency_query(page):
    page.get_by_role("tab", name="SPARQL").click()
    page.click("#wm-sparql-run")
    page.wait_for_selector("#wm-sparql-status .wm-ok")
    assert "SELECT:" in page.locator("#wm-sparql-status").inner_text()


def test_nothing_was_fetched_from_elsewhere(page):
    assert page.offsite == []
