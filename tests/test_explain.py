"""The grounded explainer: every sentence cited, every citation valid and about what it says."""
from __future__ import annotations

import pytest

from explain import explain
from explain.check import check_explanation
from kg.evaluate import load_cases
from kg.recommend import recommend
from tests.conftest import DEV_SET

DEV = load_cases(DEV_SET)


@pytest.mark.parametrize("case", DEV, ids=lambda c: c.question[:40])
def test_every_sentence_cited_and_valid(engine, case):
    answer = recommend(case.question, engine=engine)
    explanation = explain(answer, index=engine.index)
    if answer["declined"]:
        assert explanation["citations"] == [] and "can't recommend" in explanation["text"]
        return
    assert 3 <= len(explanation["sentences"]) <= 8, explanation["text"]
    report = check_explanation(explanation, engine.index)
    assert report["problems"] == []
    assert report["cited_sentences"] == report["sentences"]
    top = answer["recommendations"][0]["family"]
    assert top in explanation["sentences"][0]["text"] or top in explanation["text"].split(".")[0]


def test_markers_match_the_source_list(engine):
    answer = recommend("Real-time image generation for a mobile game, latency is critical", engine=engine)
    explanation = explain(answer, index=engine.index)
    import re
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", explanation["text"])}
    assert numbers == {c["n"] for c in explanation["citations"]}
    assert all(c["title"] for c in explanation["citations"])
    assert explanation["text"].startswith(("Use GAN", "GAN is", "Go with GAN"))


def test_wording_varies_with_the_evidence(engine):
    openings = set()
    for question in ("Turn a text description into an image.", "Write Python functions from docstrings.",
                     "Realistic speech synthesis for a voice assistant.", "Forecast monthly sales."):
        text = explain(recommend(question, engine=engine), index=engine.index)["text"]
        openings.add(text.split()[0])
    assert len(openings) >= 2
