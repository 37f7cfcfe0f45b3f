"""The support check against labelled sentences: those a reader labelled (tests/data/llm-sentences.yaml, labels
in tests/data/llm-labels.yaml) and those written blind in a small LLM's style with their labels
(tests/data/llm-sentences-written.yaml).

The target is to reject 95% of the unsupported sentences while keeping 90% of the supported. Each written
batch was measured on arrival, before the check saw it (README): the last, b5, kept 88.6% and rejected 97.8%.
The floors below guard what is reached now, over every batch, and for each kind of unsupported sentence."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.llm_record import LABELS, measure, rates, verdicts


@pytest.mark.skipif(not LABELS.exists(), reason="no labels yet")
def test_support_check_on_the_labelled_sentences(knowledge):
    figures = measure(knowledge, "all")
    print({k: v for k, v in figures.items() if not k.startswith("wrong_")})
    assert figures["unsupported"] and figures["supported"]
    assert figures["rejected_unsupported"] >= 0.90, figures["wrong_unsupported"]
    assert figures["kept_supported"] >= 0.90, figures["wrong_supported"]


WRITTEN = Path(__file__).parent / "data" / "llm-sentences-written.yaml"


def written_figures(knowledge, batch: str = "") -> dict:
    """Kept-supported and rejected-unsupported over the sentences written blind in a small LLM's style
    (labels inline), all batches or one ("b4")."""
    rows = [r for r in yaml.safe_load(WRITTEN.read_text(encoding="utf-8"))["sentences"]
            if r["id"].startswith(batch)]
    return {"sentences": len(rows), **rates(knowledge, rows, {r["id"]: r["label"] for r in rows})}


def test_support_check_on_the_sentences_written_blind(knowledge):
    figures = written_figures(knowledge)
    print({k: v for k, v in figures.items() if not k.startswith("wrong_")})
    assert figures["sentences"] >= 380
    assert figures["rejected_unsupported"] >= 0.95, figures["wrong_unsupported"]
    assert figures["kept_supported"] >= 0.90, figures["wrong_supported"]


@pytest.mark.parametrize("kind", ["wrong-quote", "question-echo", "invented", "negation", "wrong-family",
                                  "overgeneralisation", "level-not-shown", "condition-or-hedge-dropped"])
def test_each_kind_of_unsupported_sentence_is_rejected(knowledge, kind):
    rows = [r for r in yaml.safe_load(WRITTEN.read_text(encoding="utf-8"))["sentences"]
            if r["label"] == "unsupported" and r["kind"] == kind]
    assert len(rows) >= 20
    results = verdicts(knowledge, rows)
    missed = [(r["id"], r["text"]) for r in rows if results[r["id"]].ok]
    assert len(missed) <= len(rows) // 10, missed
