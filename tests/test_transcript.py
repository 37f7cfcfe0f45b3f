"""The chat transcript's HTML: star ratings as text, source titles with their ids, a citation's optional
context before its quote, and the too-long question kept whole (pure functions, the real corpus)."""
from __future__ import annotations

import re

import pytest

from app import chat, transcript
from kg.sources.corpus import load_corpus


@pytest.mark.parametrize(("text", "shown"), [
    ("Quality ⭐⭐⭐⭐⭐ ⭐⭐⭐", "Quality 5/5 3/5"),
    ("⭐️⭐️", "2/5"),                                       # with emoji variation selectors
    ("★★★☆☆ and ★★☆", "3/5 and 2/3"),                    # empty stars give the scale
    ("no stars here", "no stars here"),
    ("generation speed ★", "generation speed ★"),              # one ★ alone: the compare table's marker
])
def test_star_ratings_become_text(text, shown):
    assert transcript.stars_as_text(text) == shown


def _star_citation() -> dict:
    doc = next(d for d in load_corpus().values() if "⭐⭐⭐⭐" in d.text)
    start = doc.text.index("⭐⭐⭐⭐")
    return {"n": 1, "doc": doc.id, "quote": "⭐⭐⭐⭐", "start": start, "end": start + 4, "title": doc.title,
            "url": doc.url}


def _turn(citation: dict) -> dict:
    return {"role": "assistant", "kind": "answer", "text": "", "data": {}, "citations": [citation],
            "blocks": [{"type": "p", "sentences": [("Rated four of five.", [1])]}]}


def test_a_turn_and_its_source_show_no_star_emoji():
    citation = _star_citation()
    page = transcript.render_turn(_turn(citation), 0)
    assert "⭐" not in page and 'title="4/5"' in page
    shown = transcript.show_source([_turn(citation)], 0, 1)
    assert "⭐" not in shown and "<mark>4/5</mark>" in shown


def test_the_source_list_gives_the_title_with_its_id_and_the_context_before_the_quote():
    citation = {**_star_citation(), "context": "Transformers · <b>Best For</b>"}
    page = transcript.render_turn(_turn(citation), 0)
    item = re.search(r"<li>.*?</li>", page, re.S).group()
    title = re.search(r'<span class="wm-title">(.*?)</span>', item).group(1)
    assert title and title == transcript._esc(citation["title"])
    assert f"(source {citation['doc'][:3]})" in item
    assert item.index('class="wm-context"') < item.index("<q>")              # context first, then the quote
    assert "&lt;b&gt;Best For&lt;/b&gt;" in item and "<b>" not in item     # escaped like every text
    assert 'class="wm-context"' in transcript.show_source([_turn(citation)], 0, 1)
    without = transcript.render_turn(_turn(_star_citation()), 0)
    assert "wm-context" not in without


def test_a_too_long_question_gets_a_clear_message_with_the_figures():
    message = "x" * (chat.MAX_MESSAGE + 345)
    history, state = chat.handle_message([], chat.new_state(), message, kb=object())
    assert history[-1]["role"] == "assistant" and state["question"] == ""
    said = history[-1]["text"]
    assert f"{chat.MAX_MESSAGE + 345:,} characters" in said and "shorten it by 345 characters" in said


def test_refinements_are_named_in_words_not_ids():
    label = type("Property", (), {"label": "sample quality"})()
    index = type("Index", (), {"properties": {"sample-quality": label}})()
    said = chat.overrides_text({"compute": "small", "pretrained": "no", "priorities": ["sample-quality"]}, index)
    assert said == "compute small, pre-trained model no, top priority sample quality"


def test_the_compare_marker_is_a_labelled_star_and_not_a_rating():
    turn = {"role": "assistant", "kind": "compare", "text": "", "data": {}, "citations": [],
            "blocks": [{"type": "p", "sentences": [("★ marks what your question cares about.", [])]},
                       {"type": "table", "head": ["Property", "VAE", "GAN"],
                        "rows": [[("generation speed ★", []), ("high", []), ("Quality ⭐⭐⭐⭐⭐", [])]]}]}
    page = transcript.render_turn(turn, 0)
    assert "1/5" not in page and page.count('class="wm-care"') == 2 and "5/5" in page


def test_a_source_the_prose_names_by_id_is_given_its_title_under_the_reply():
    """"Source 001 gives this rule …": the reply says what 001 is, without opening a citation."""
    citation = _star_citation()
    sid = citation["doc"].split("_")[0]
    turn = _turn(citation)
    turn["blocks"] = [{"type": "p", "sentences": [(f"Source {sid} gives this rule for the situation.", [1])]}]
    page = transcript.render_turn(turn, 0)
    named = re.search(r'<div class="wm-small wm-named">(.*?)</div>', page).group(1)
    assert named == f"source {sid}: <i>{transcript._esc(citation['title'])}</i>"
    assert 'wm-named' not in transcript.render_turn(_turn(citation), 0)     # no id in the prose, no line
