"""The support check against sentences a reader labelled supported / unsupported by their cited quotes
(tests/data/llm-sentences.yaml, labels in tests/data/llm-labels.yaml, the same ids)."""
from __future__ import annotations

import pytest

from tests.llm_record import LABELS, measure

pytestmark = pytest.mark.skipif(not LABELS.exists(), reason="no labels yet")


def test_support_check_on_the_labelled_sentences(knowledge):
    figures = measure(knowledge, "all")
    print({k: v for k, v in figures.items() if not k.startswith("wrong_")})
    assert figures["unsupported"] and figures["supported"]
    assert figures["rejected_unsupported"] >= 0.95, figures["wrong_unsupported"]
    assert figures["kept_supported"] >= 0.90, figures["wrong_supported"]
