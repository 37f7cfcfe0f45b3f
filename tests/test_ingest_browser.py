"""The Review tab in a real browser (Debian's chromium): it opens beside Chat, Graph and SPARQL and shows
the next candidate's passage, or says there is nothing to review."""
from __future__ import annotations

import pytest
from test_browser import ARGS, CHROMIUM
from test_endpoint import live_server  # noqa: F401 - the shared session server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(live_server, wait_until="load")
        page.wait_for_selector("#wm-input textarea")
        yield page
        browser.close()


def test_review_tab_opens_with_its_card_and_buttons(page):
    page.get_by_role("tab", name="Review").click()
    card = page.locator("#wm-review-card")
    card.wait_for()
    text = card.inner_text()
    assert "No candidates to review" in text or card.locator("mark").count() == 1
    for action in ("accept", "reject", "skip"):
        assert page.locator(f"#wm-review-{action}").is_visible()
    page.click("#wm-review-skip")
    assert page.locator("#wm-review-card").is_visible()
