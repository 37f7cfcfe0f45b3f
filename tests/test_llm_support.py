"""The free-text support check (explain.support) on sentences about real claims of the built graph."""
from __future__ import annotations

import pytest

from explain.support import FamilyNames, SupportCheck

QUESTION = "Image generation must be as fast as possible."
GAN_FAST = "d001-gan-matrix-generation-speed"            # ⭐⭐⭐⭐⭐ · Comparison Matrix · Generation Speed · GANs
GAN_UNSTABLE = "d002-gan-unstable-training"              # "suffers from mode collapse and unstable training"
DIFFUSION_SLOW = "d003-diffusion-slower-inference"       # "Slower inference time than GANs."


@pytest.fixture(scope="module")
def check(knowledge):
    return SupportCheck(knowledge.index, QUESTION, "gan", knowledge.matcher.encode)


def claims(knowledge, *ids):
    return [knowledge.index.claims[i] for i in ids]


@pytest.mark.parametrize("text, families", [
    ("Generative adversarial networks are fast.", {"gan"}),
    ("nerf renders views; GANS are quick.", {"nerf", "gan"}),
    ("Neural radiance fields need several views.", {"nerf"}),
    ("A normalizing flow gives exact likelihoods.", {"flow"}),
    ("The data flow is simple.", set()),                   # "flow" in lower case is an ordinary word
    ("StyleGAN makes faces.", {"gan"}),                    # a named model names its family
])
def test_families_are_named_by_any_label_in_any_case(knowledge, text, families):
    assert FamilyNames(knowledge.index).named(text) == families


@pytest.mark.parametrize("text", ["Never use a Transformer for text.", "Avoid GANs here.",
                                  "Use Diffusion rather than GAN.", "GAN is not a good choice here."])
def test_negated_mentions(knowledge, text):
    names = FamilyNames(knowledge.index)
    assert names.named(text, negated=True)


def test_a_supported_sentence_passes(check, knowledge):
    verdict = check.check("GANs generate samples very fast.", claims(knowledge, GAN_FAST))
    assert verdict.ok, verdict
    assert verdict.family == "gan"


def test_the_pick_said_against_is_rejected(check, knowledge):
    verdict = check.check("Never use a GAN for fast generation.", claims(knowledge, GAN_FAST))
    assert not verdict.ok and "against the pick" in verdict.reason


def test_a_family_named_but_not_cited_is_rejected(check, knowledge):
    verdict = check.check("Neural radiance fields generate quickly.", claims(knowledge, GAN_FAST))
    assert not verdict.ok and "NeRF" in verdict.reason


def test_a_sentence_naming_no_family_may_not_cite_another_familys_claim(check, knowledge):
    verdict = check.check("Its inference is slower.", claims(knowledge, DIFFUSION_SLOW))
    assert not verdict.ok and "names GAN without citing" in verdict.reason     # taken to be about the pick
    assert check.check("Its training is unstable, with mode collapse.", claims(knowledge, GAN_UNSTABLE)).ok


def test_the_question_said_back_is_rejected(check, knowledge):
    verdict = check.check("Image generation must be as fast as possible.", claims(knowledge, GAN_FAST))
    assert not verdict.ok and "question" in verdict.reason


def test_contradicted_level_words_are_rejected(check, knowledge):
    verdict = check.check("GAN training is stable.", claims(knowledge, GAN_UNSTABLE))
    assert not verdict.ok and "contradict" in verdict.reason


def test_content_not_in_the_quotes_is_rejected(check, knowledge):
    verdict = check.check("GANs are the best choice when large compute budgets and huge datasets are available.",
                          claims(knowledge, GAN_UNSTABLE))
    assert not verdict.ok


def test_a_count_the_citations_do_not_show_is_rejected(check, knowledge):
    verdict = check.check("Three sources say GAN training is unstable.", claims(knowledge, GAN_UNSTABLE))
    assert not verdict.ok and "says 3 sources" in verdict.reason


def test_template_sentences_pass(check, knowledge):
    from explain import explain
    from kg.reasoning.recommend import recommend

    answer = recommend(QUESTION, kb=knowledge)
    grounded = explain(answer, knowledge)
    by_number = {c["n"]: c["claim"] for c in grounded.citations}
    for sentence in grounded.sentences:
        verdict = check.check(sentence.text, claims(knowledge, *(by_number[n] for n in sentence.citations)))
        assert verdict.ok, (sentence.text, verdict)


@pytest.mark.parametrize("text", ["...", "GAN.", ""])
def test_a_sentence_saying_nothing_is_rejected(check, knowledge, text):
    verdict = check.check(text, claims(knowledge, GAN_FAST))
    assert not verdict.ok
