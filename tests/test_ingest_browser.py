"""The Review tab in a real browser (Debian's chromium): it opens beside Chat, Graph and SPARQL and shows
the next candidate's passage, or says there is nothing to review."""
from __future__ import annotations

import pytest
from test_browser import open_chat
from test_endpoint import live_server  # noqa: F401 - the shared session server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(live_server):
    with open_chat(live_server, 1200, 900) as page:
        yield page


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
