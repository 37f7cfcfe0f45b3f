"""The support check against sentences a reader labelled supported / unsupported by their cited quotes
(tests/data/llm-sentences.yaml, labels in tests/data/llm-labels.yaml, the same ids).

The target is to reject 95% of the unsupported sentences while keeping 90% of the supported. Measured
(README): kept 98%, rejected 90.2% over all 91; on the held-out split (needs with an even number, never
used for choosing the thresholds) kept 100%, rejected 94.7%. The rejection target is not met yet: the
floors below guard what is reached."""
from __future__ import annotations

import pytest

from tests.llm_record import LABELS, measure

pytestmark = pytest.mark.skipif(not LABELS.exists(), reason="no labels yet")


def test_support_check_on_the_labelled_sentences(knowledge):
    figures = measure(knowledge, "all")
    print({k: v for k, v in figures.items() if not k.startswith("wrong_")})
    assert figures["unsupported"] and figures["supported"]
    assert figures["rejected_unsupported"] >= 0.90, figures["wrong_unsupported"]
    assert figures["kept_supported"] >= 0.90, figures["wrong_supported"]
