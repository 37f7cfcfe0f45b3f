"""A conversation in a real browser (Debian chromium, playwright): follow-ups keep what they do not change,
"compare them" compares the two families on top, "what's the catch?" keeps the answer, and the "Top priority"
control puts its property first."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import open_chat
from test_endpoint import live_server  # noqa: F401 - the shared session server

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chat(live_server):
    with open_chat(live_server, 1280, 900) as page:
        yield page


def _say(page, text: str, selector: str) -> str:
    before = page.locator(f"#wm-chat {selector}").count()
    page.fill("#wm-input textarea", text)
    page.click("#wm-send")
    page.wait_for_function(f"document.querySelectorAll('#wm-chat {selector}').length > {before}")
    return page.locator(f"#wm-chat {selector}").last.inner_text()


def test_a_follow_up_keeps_the_stated_limits(chat):
    first = _say(chat, "Generate images on one laptop GPU with about 300 training photos.", ".wm-answer")
    assert "Recommendation:" in first and "small compute budget" in first and "small dataset" in first
    follow = _say(chat, "and for audio instead?", ".wm-answer")
    assert "Follow-up:" in follow
    understood = follow.split("Understood:", 1)[1]
    assert "small compute budget" in understood and "small dataset" in understood
    assert "audio" in understood and "image generation" not in understood
    thanks = _say(chat, "thanks!", ".wm-note")
    assert "Glad it helps" in thanks


def test_compare_them_compares_the_two_on_top(chat):
    reply = _say(chat, "compare them", ".wm-compare")
    assert " vs " in reply and "Property" in reply


def test_a_question_about_the_answer_keeps_it(chat):
    """"what's the catch?" names the costs of the family recommended; a long follow-up that points back ("can it
    run on a phone itself? …") keeps the task and adds the limit."""
    catch = _say(chat, "ok, what's the catch with it?", ".wm-catch")
    assert catch.startswith("The catch with ") and "rated" in catch
    follow = _say(chat, "can it run on a phone itself? our users are often offline and we would rather not send "
                        "their recordings to a server", ".wm-answer")
    understood = follow.split("Understood:", 1)[1]
    assert "Follow-up:" in follow and "audio" in understood and "small compute budget" in understood


def test_top_priority_control_puts_it_first(chat):
    _say(chat, "Generate images fast for a game.", ".wm-answer")
    chat.get_by_label("Top priority").click()
    before = chat.locator("#wm-chat .wm-answer").count()
    chat.get_by_role("option", name="exact likelihood").click()
    chat.wait_for_function(f"document.querySelectorAll('#wm-chat .wm-answer').length > {before}")
    refined = chat.locator("#wm-chat .wm-answer").last.inner_text()
    assert "Refined (top priority exact likelihood): Flow" in refined
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    chat.screenshot(path=str(ROOT / "test-artifacts" / "chat-conversation.png"), full_page=True)


def _cards(page) -> list[str]:
    return [h.inner_text() for h in page.locator("#wm-chat .wm-answer .wm-h").all()]


def test_a_priority_change_posts_its_refined_answer_once(chat):
    """The report's sequence: a typed filter left with Enter and a click away, a new question, then an option
    picked and a click away: each change adds one card, and a control left as it was adds none."""
    faces = "I want to generate realistic face images for a mobile game, latency is critical"
    _say(chat, faces, ".wm-answer")
    before = _cards(chat)
    chat.get_by_label("Top priority").click()
    chat.keyboard.type("divers")
    chat.keyboard.press("Enter")
    chat.mouse.click(5, 5)
    chat.wait_for_timeout(2500)
    added = _cards(chat)[len(before):]
    assert all(not a.startswith("Refined (as asked)") for a in added) and len(added) <= 1, added
    _say(chat, faces, ".wm-answer")
    before = _cards(chat)
    chat.get_by_label("Top priority").click()
    chat.get_by_role("option", name="diversity").click()
    chat.mouse.click(5, 5)
    chat.wait_for_timeout(2500)
    added = _cards(chat)[len(before):]
    assert added == ["Refined (top priority diversity): Diffusion"], added
