"""Quotes that stand alone (a short quote carries its row and column, or its list) and the warnings
`whichmodel claims` gives for suspicious mappings."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Literal

from app.ask import render_answer, shown_quote
from app.evaluate import load_cases
from explain import explain
from explain.check import needs_context
from kg import paths
from kg.graph.validation import validate_graph
from kg.ontology.namespaces import CLAIM, WM
from kg.sources.claims import check_claim_file
from kg.sources.context import context_of, locate_structure, word_count
from kg.sources.review import claim_warnings
from tests.conftest import DEV_SET

CLAIM_FILES = sorted(paths.claims_dir().glob("*.yaml"))

# Warnings a curator has read and kept, with the reason; anything else `whichmodel claims` warns of
# fails the test, and so does an entry here that no longer warns.
ACCEPTED = {
    "d001-gpt-4-multimodal": "GPT-4 is an autoregressive transformer; 'multimodal' holds for both",
    "d001-stable-diffusion-open-source": "Stable Diffusion is a diffusion + VAE hybrid; open source as a whole",
    "d001-stable-diffusion-runs-locally": "as above; a strength of the hybrid, no level",
    "d001-dall-e-2-text-to-image": "DALL-E 2 is diffusion + CLIP (a transformer); text-to-image holds for it",
    "d004-dalle-text-to-image-gan-section": "004 names DALL·E in its GAN applications; the claim is about DALL·E",
    "d004-gpt-language-modeling": "the same sentence calls GPT a Generative Pre-trained Transformer",
}


@pytest.fixture(scope="module")
def checked(vocab, docs):
    return {p.name: check_claim_file(p, vocab, docs)[0] for p in CLAIM_FILES}


@pytest.fixture(scope="module")
def warnings(checked, vocab, docs):
    return claim_warnings([c for good in checked.values() for c in good], docs, vocab)


@pytest.mark.parametrize("path", CLAIM_FILES, ids=lambda p: p.name)
def test_every_short_quote_has_a_context(path, checked):
    bare = [c.id for c in checked[path.name] if word_count(c.quote) < 4 and not c.quote_context]
    assert bare == []


@pytest.mark.parametrize("path", CLAIM_FILES, ids=lambda p: p.name)
def test_warnings_are_the_reviewed_ones(path, checked, warnings):
    ids = {c.id for c in checked[path.name]}
    found = {w.claim for w in warnings if Path(w.file).name == path.name}
    assert found == {i for i in ACCEPTED if i in ids}, [str(w) for w in warnings if w.claim not in ACCEPTED]


@pytest.mark.parametrize("claim, context", [
    ("d000-gan-control-table", "Control over generation · GANs"),                  # printed table
    ("d002-table-vae-efficient", "VAE · Pros"),                                      # markdown table
    ("d003-vae-stable-training", "Variational Autoencoders (VAEs) · Pros"),          # list under a heading
    ("d001-transformer-best-for-text", "Transformers · Best for"),                   # "Best for: Text, …"
    ("d002-rule-pretrained-small-compute-finetune-diffusion", "If Pre-Trained Models Exist"),
    ("d001-gan-matrix-training-stability", "Comparison Matrix · Training Stability · GANs"),  # context_label
    ("d003-vae-table-blurry", "Summary Table · VAE · Weaknesses"),                 # cells run together
])
def test_context_read_from_structure_or_given(checked, claim, context):
    found = {c.id: c for good in checked.values() for c in good}
    assert found[claim].quote_context == context


LONG_ITEM = "Very high quality images, and many more words in this item than ten."


def test_structure_of_plain_text():
    text = ("# Guide\n\nModel | Speed | Quality\nGAN | Fast | High\nVAE | Fast | Low\n\n"
            f"1. Diffusion Models\nStrengths\n- Stable.\n- {LONG_ITEM}\nP(x) = P(a | b)\n")
    low = text.index("Low")
    assert context_of(locate_structure(text, low), "Low") == "VAE · Quality"
    stable = text.index("Stable.")
    assert context_of(locate_structure(text, stable), "Stable.") == "Diffusion Models · Strengths"
    long_item = text.index("Very high")
    assert context_of(locate_structure(text, long_item), LONG_ITEM) == ""
    assert not locate_structure(text, text.index("P(a")).in_table        # one line with a pipe is no table


def test_context_in_graph_view_index_and_shapes(knowledge, kb):
    graph = knowledge.graph
    assert str(graph.value(CLAIM["d000-gan-control-table"], WM.quoteContext)) == "Control over generation · GANs"
    ref = knowledge.index.claims["d000-gan-control-table"]
    assert ref.context == "Control over generation · GANs"
    assert ref.citation()["context"] == ref.context
    copy = type(graph)()
    copy += graph
    copy.add((CLAIM["d000-gan-control-table"], WM.quoteContext, Literal("a second context")))
    report = validate_graph(copy)
    assert not report.conforms and any("quoteContext" in r.path for r in report.results)


def test_citations_carry_context_in_json_and_cli(knowledge, cli):
    code, out, err = cli("ask", "Real-time image generation for a mobile game, latency is critical", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert all("context" in c for c in answer["citations"])
    short = [c for c in answer["citations"] if word_count(c["quote"]) < 4]
    assert short and all(c["context"] for c in short)
    reasons = [c for r in answer["recommendations"][0]["reasons"] for c in r["citations"]]
    assert all("context" in c for c in reasons)
    text = render_answer(answer)
    assert f"{short[0]['context']}: “{short[0]['quote']}”" in text
    documents = text.split("Documents:\n", 1)[1].split("\nUnderstood:", 1)[0]     # each cited one, titled once
    for c in answer["citations"]:
        assert f"{c['doc'][:3]}  {c['title']} ({c['doc']})" in documents
    assert len(documents.splitlines()) == len({c["doc"] for c in answer["citations"]})
    assert shown_quote({"quote": LONG_ITEM, "context": ""}) == f"“{LONG_ITEM}”"


def test_short_quotes_without_context_at_most_two_percent(knowledge):
    shown = []
    for case in load_cases(DEV_SET):
        answer = knowledge.recommend(case.question)
        if not answer.declined:
            shown += explain(answer, knowledge).citations
    assert len(shown) > 50
    assert sum(needs_context(c) for c in shown) / len(shown) <= 0.02


def _claims(tmp_path, source: str, body: str, vocab, docs):
    path = tmp_path / "t.yaml"
    path.write_text(f"source: {source}\nclaims:\n{body}", encoding="utf-8")
    good, problems = check_claim_file(path, vocab, docs)
    assert problems == []
    return claim_warnings(good, docs, vocab)


@pytest.mark.parametrize("source, body, kind", [
    # the heading of a decision guide taken for a rule (no context given, so nothing states a condition)
    ("001_14ff6605c83a080c", """- id: t-rule
  subject: transformer
  predicate: recommended_when
  value: use
  when: {use_cases: [text-generation]}
  quote: Transformers (GPT, T5, LLaMA)
""", "rule-without-condition"),
    ("002_22e1bc293db55194", """- id: t-rule-empty
  subject: diffusion
  predicate: recommended_when
  value: train
  when: {constraints: []}
  quote: Big Compute Available → Train a Diffusion Model
""", "rule-without-condition"),
    # a use-case quote read as a rating
    ("003_a869cca29cda4867", """- id: t-level
  subject: autoregressive
  predicate: strength
  value: text
  property: sample-quality
  level: high
  quote: Each data point (pixel, word, audio frame) is predicted based on what came before.
""", "level-without-level-word"),
    # a comparison read as an absolute level ("more stable than GANs" is not "stability: high")
    ("003_a869cca29cda4867", """- id: t-comparison
  subject: diffusion
  predicate: strength
  value: more stable training
  property: training-stability
  level: high
  quote: "More stable training than GANs."
""", "comparison-as-level"),
    # 003's autoregressive section credited to Transformer
    ("003_a869cca29cda4867", """- id: t-family
  subject: transformer
  predicate: suited_for
  value: text-generation
  quote: Text generation (GPT)
""", "outside-family-section"),
    # 000's diffusion row read as a flow claim
    ("000_a29fc77e37faf7fd", """- id: t-row
  subject: flow
  predicate: weakness
  value: slower
  quote: but often slower
""", "outside-family-section"),
])
def test_suspicious_mappings_warned(tmp_path, vocab, docs, source, body, kind):
    found = _claims(tmp_path, source, body, vocab, docs)
    assert [w.kind for w in found] == [kind], [str(w) for w in found]


def test_claims_command_prints_warnings(cli, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("source: 003_a869cca29cda4867\nclaims:\n- id: t-family\n  subject: transformer\n"
                    "  predicate: suited_for\n  value: text-generation\n  quote: Text generation (GPT)\n",
                    encoding="utf-8")
    code, out, err = cli("claims", str(path))
    assert code == 0
    assert "1 warnings" in out and "t.yaml:3: warning: claim t-family" in err and "autoregressive" in err
