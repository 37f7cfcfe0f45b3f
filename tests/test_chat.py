"""The chat logic as plain functions (in-process, with the real knowledge base), and the chat API of the running
server driven by gradio_client."""
from __future__ import annotations

import re

import pytest
from test_endpoint import live_server  # noqa: F401 - the shared session server

from app import chat, transcript
from explain.followups import paragraph
from kg.reasoning.families import named_families

QUESTION = "Real-time image generation for a mobile game, latency is critical"


@pytest.fixture(scope="module")
def answered(knowledge):
    return chat.handle_message([], chat.new_state(), QUESTION, kb=knowledge)


def _quote_ok(citation, docs) -> bool:
    return docs[citation["doc"]].text[citation["start"]:citation["end"]] == citation["quote"]


def test_a_question_gets_a_cited_recommendation(answered, docs):
    history, state = answered
    assert [t["role"] for t in history] == ["user", "assistant"]
    turn = history[-1]
    assert turn["kind"] == "answer" and state["question"] == QUESTION
    assert turn["data"]["recommendations"][0]["family"] == "GAN"
    assert turn["citations"] and all(_quote_ok(c, docs) for c in turn["citations"])
    explanation = next(b for b in turn["blocks"] if b["type"] == "p")
    assert all(marks for _, marks in explanation["sentences"])          # every sentence is cited
    html = chat.render_history(history)
    buttons = re.findall(r'<button type="button" class="wm-cite" data-turn="1" data-cite="(\d+)"', html)
    assert {int(n) for n in buttons} == {c["n"] for c in turn["citations"]}


def test_clicking_a_citation_shows_its_quote_in_context(answered, docs):
    history, _ = answered
    citation = history[-1]["citations"][0]
    panel = chat.show_source(history, 1, citation["n"])
    doc = docs[citation["doc"]]
    marked = re.search(r"<mark>(.*?)</mark>", panel, re.S).group(1)
    assert marked == transcript._esc(citation["quote"])
    assert transcript._esc(doc.title) in panel and doc.id in panel
    before = panel.split('<div class="wm-passage">', 1)[1].split("<mark>", 1)[0]
    assert 0 < len(before.lstrip("…")) <= transcript.PASSAGE + 40                 # ~300 characters of context (escaped)
    assert "not available" in chat.show_source(history, 1, 999)
    assert "not available" in chat.show_source(history, 7, 1)


def test_why_not_is_explained_with_citations(answered, knowledge, docs):
    history, state = chat.handle_message(*answered, "why not diffusion?", kb=knowledge)
    turn = history[-1]
    assert turn["kind"] == "why_not" and "Diffusion" in turn["text"]
    assert "generation speed" in turn["text"]                 # the priority the question states
    assert turn["text"].count("A cost of Diffusion") <= 1      # a second cost is "Another cost", not repeated
    assert turn["citations"] and all(_quote_ok(c, docs) for c in turn["citations"])
    assert state["question"] == QUESTION                       # a follow-up keeps the current answer
    same = chat.handle_message(*answered, "Why not GAN?", kb=knowledge)[0][-1]
    assert same["kind"] == "note" and "already my first choice" in same["text"]


@pytest.mark.parametrize("message", ["is a diffusion model any good for that?", "would a VAE work here instead?"])
def test_a_family_weighed_for_the_answer_is_a_why_not(answered, knowledge, message):
    turn = chat.handle_message(*answered, message, kb=knowledge)[0][-1]
    assert turn["kind"] == "why_not" and turn["data"]["family"] in ("Diffusion", "VAE")


def test_the_catch_of_the_answer_names_its_costs_cited(answered, knowledge, docs):
    history, state = chat.handle_message(*answered, "ok, what's the catch with it?", kb=knowledge)
    turn = history[-1]
    assert turn["kind"] == "catch" and turn["data"]["family"] == "GAN" and "rated" in turn["text"]
    assert turn["citations"] and all(_quote_ok(c, docs) for c in turn["citations"])
    assert state["question"] == QUESTION                       # the answer stays


def test_compare_two_families_side_by_side(answered, knowledge, docs):
    history, _ = chat.handle_message(*answered, "compare VAE and diffusion", kb=knowledge)
    turn = history[-1]
    table = next(b for b in turn["blocks"] if b["type"] == "table")
    assert table["head"] == ["Property", "VAE", "Diffusion"]
    labels = [row[0][0] for row in table["rows"]]
    assert labels[0].startswith("generation speed")           # what the question cares about comes first
    assert all(marks for row in table["rows"] for text, marks in row[1:] if text != "not rated")
    assert all(_quote_ok(c, docs) for c in turn["citations"])
    # without a current answer a comparison still works
    fresh, _ = chat.handle_message([], chat.new_state(), "GAN vs VAE", kb=knowledge)
    assert fresh[-1]["kind"] == "compare"


def test_what_would_change(knowledge):
    history, state = chat.handle_message([], chat.new_state(), "I need to synthesise speech with an exact "
                                         "likelihood", kb=knowledge)
    history, _ = chat.handle_message(history, state, "What would change your answer?", kb=knowledge)
    turn = history[-1]
    changes = {c["family"] for c in state["answer"].to_dict()["what_would_change"]}
    said = [sentence for b in turn["blocks"] if b["type"] == "p" for sentence in b["sentences"]]
    if turn["kind"] == "change":                     # each change said is one the ranking makes, with its evidence
        assert said and all(marks for _, marks in said)
        assert all(any(f"{family} would come first" in text for family in changes) for text, _ in said)
    else:
        assert "No single change" in turn["text"]


def test_declined_questions_get_a_friendly_explanation(knowledge):
    history, state = chat.handle_message([], chat.new_state(), "What is the capital of France?", kb=knowledge)
    turn = history[-1]
    assert turn["kind"] == "declined" and "generative model family" in turn["text"]
    assert "For example" in turn["text"] or "Try, for example" in turn["text"]
    follow, _ = chat.handle_message([], chat.new_state(), "why not GAN?", kb=knowledge)
    assert follow[-1]["kind"] == "note" and "first" in follow[-1]["text"]


def test_controls_refine_the_current_answer(answered, knowledge):
    history, state = chat.refine(*answered, compute="small", data="small", pretrained="no",
                                 priority="training-stability", kb=knowledge)
    assert state["overrides"] == {"compute": "small", "data": "small", "pretrained": "no",
                                  "priorities": ["training-stability"]}
    turn = history[-1]
    assert turn["kind"] == "answer" and turn["blocks"][0]["text"].startswith("Refined (")
    needs = {n["id"] for n in state["answer"].understood}
    assert {"compute-small", "data-small", "pretrained-unavailable", "training-stability"} <= needs
    history, state = chat.refine(history, state, kb=knowledge)            # back to "as asked"
    assert state["overrides"] == {}
    note, _ = chat.refine([], chat.new_state(), compute="small", kb=knowledge)
    assert "Ask a question first" in note[-1]["text"]


def test_rendering_escapes_questions_and_quotes(knowledge):
    hostile = '<img src="http://evil.example/x.png" onerror="alert(1)"> image generation <script>x()</script>'
    history, _ = chat.handle_message([], chat.new_state(), hostile, kb=knowledge)
    html = chat.render_history(history)
    assert "<img" not in html and "<script" not in html and "&lt;img" in html
    fake = [{"role": "assistant", "kind": "answer", "blocks": [paragraph(("Quoted <b>x</b>.", [1]))],
             "citations": [{"n": 1, "doc": "d", "quote": '"><img src=x>', "start": 0, "end": 1, "title": "<i>t</i>",
                            "url": "javascript:alert(1)"}], "data": {}, "text": ""}]
    html = chat.render_history(fake)
    assert "<b>" not in html and "<img" not in html and "<i>t</i>" not in html and "&lt;img" in html
    assert "src=" not in re.sub(r"&[a-z]+;", "", html).replace("img src=x", "")


def test_family_names_are_found(knowledge):
    index = knowledge.index
    assert named_families("compare variational autoencoders and GANs", index) == ["vae", "gan"]
    assert named_families("why not a normalizing flow?", index) == ["flow"]
    assert named_families("diffusion models vs. an autoencoder", index) == ["diffusion", "autoencoder"]
    assert named_families("I need images", index) == []


def test_empty_and_oversized_messages(knowledge):
    history, state = chat.handle_message([], chat.new_state(), "   ", kb=knowledge)
    assert history == [] and state == chat.new_state()
    history, _ = chat.handle_message([], chat.new_state(), "x" * (chat.MAX_MESSAGE + 1), kb=knowledge)
    assert "longer than" in history[-1]["text"]


def test_chat_api_through_gradio_client(live_server):
    from gradio_client import Client

    client = Client(live_server, verbose=False)
    reply, html, message, *_ = client.predict(QUESTION, api_name="/ask")
    assert reply["kind"] == "answer" and reply["recommendations"][0]["family"] == "GAN"
    assert reply["citations"] and all(c["quote"] and c["end"] > c["start"] for c in reply["citations"])
    assert 'class="wm-cite"' in html and message == ""
    follow, *_ = client.predict("compare VAE and diffusion", api_name="/ask")     # same session: a follow-up
    assert follow["kind"] == "compare" and follow["families"] == ["VAE", "Diffusion"]
    status, table, csv_path, json_path = client.predict("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", api_name="/sparql")
    assert "3 rows" in status and table.count('<td class="wm-n">') == 3 and csv_path.endswith(".csv")
    status, *_ = client.predict("DELETE WHERE { ?s ?p ?o }", api_name="/sparql")
    assert "403" in status


def test_a_long_session_keeps_a_bounded_history(answered, knowledge):
    history, state = answered
    for i in range(chat.MAX_HISTORY):
        history, state = chat.handle_message(history, state, "why not GAN?" if i % 2 else "why not VAE?",
                                             kb=knowledge)
    assert len(history) <= chat.MAX_HISTORY and history[0]["role"] == "user"
    assert history[-1]["kind"] in ("note", "why_not") and state["question"] == QUESTION
    turn, n = map(int, re.search(r'data-turn="(\d+)" data-cite="(\d+)"', chat.render_history(history)).groups())
    assert turn < len(history) and "<mark>" in chat.show_source(history, turn, n)   # buttons point at kept turns


def _say(knowledge, *messages):
    history, state = [], chat.new_state()
    for message in messages:
        history, state = chat.handle_message(history, state, message, kb=knowledge)
    return history, state


def test_a_suggested_follow_up_keeps_the_task_and_the_other_needs(knowledge):
    history, state = _say(knowledge, "I have a pre-trained model; I want image inpainting", "what if we had more data?")
    needs = {n["id"] for n in state["answer"].understood}
    assert history[-1]["kind"] == "answer" and history[-1]["blocks"][0]["text"].startswith("Follow-up: ")
    assert "inpainting" in needs and "data-large" in needs and "synthetic-data" not in needs
    assert "inpainting" in history[-1]["text"]


def test_off_topic_in_a_conversation_is_declined_and_thanks_acknowledged(knowledge):
    history, state = _say(knowledge, QUESTION, "What's the weather in Paris tomorrow?")
    assert history[-1]["kind"] == "declined" and "I did not answer this one" in history[-1]["text"]
    assert "Glad it helps" not in history[-1]["text"] and state["question"] == QUESTION    # the answer is kept
    history, state = chat.handle_message(history, state, "How do I bake sourdough bread?", kb=knowledge)
    assert history[-1]["kind"] == "declined"
    history, state = chat.handle_message(history, state, "thanks!", kb=knowledge)
    assert history[-1]["kind"] == "note" and "Glad it helps" in history[-1]["text"]


def test_a_follow_up_to_audio_ranks_for_audio_and_says_the_merged_need(knowledge):
    from app.graphtab import caption

    history, state = _say(knowledge, QUESTION, "and for audio instead?")
    answer, said = state["answer"], history[-1]["text"]
    if answer.top.components.get("use_case", 0.0) <= 0:          # ranked on speed alone: said plainly
        assert f"No source names {answer.top.label} for " in said and "audio" in said.split("No source", 1)[1]
    needs = {n["id"] for n in state["answer"].understood}
    assert "audio" in needs and "image" not in needs and "latency-critical" in needs
    text = caption(state, "")
    assert f"“{QUESTION}”, then “and for audio instead?”" in text and "critical and for audio" not in text
    assert "audio (modality)" in text and re.search(r"audio[^,(]* \(use case\)", text), text


def test_a_refine_that_keeps_the_answer_says_why_and_a_repeat_adds_nothing(knowledge):
    history, state = _say(knowledge, "I want to generate realistic face images, sample quality matters most")
    top = state["answer"].top.label
    history, state = chat.refine(history, state, compute="small", kb=knowledge)
    refined = history[-1]
    assert refined["blocks"][0]["text"] == f"Refined (compute small): {top}"
    lead = refined["blocks"][1]["sentences"]
    assert len(lead) == 1 and lead[0][0].startswith(f"The answer stays {top}: “compute small” ")
    assert "because" in lead[0][0] or "no other family" in lead[0][0]
    again, state = chat.refine(history, state, compute="small", kb=knowledge)    # the same values, fired twice
    assert len(again) == len(history)
    history, state = chat.refine(history, state, priority="generation-speed", kb=knowledge)
    if state["answer"].top.label != top:                                         # a change is not "stays"
        assert "The answer stays" not in history[-1]["text"]


def test_the_graph_tab_names_the_sources_its_notes_cite_by_id(knowledge):
    from app.graphtab import cited_sources

    answer = knowledge.recommend("Real-time image generation for a mobile game, latency is critical")
    named = dict(cited_sources(answer))
    cited = {c.doc[:3] for r in answer.recommendations[0].reasons for c in r.claims}
    assert cited <= set(named) and named["001"] == "Types of Generative AI Models"
