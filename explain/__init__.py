"""Explanations of recommendations in which every sentence is cited.

`explain(answer)` uses the grounded, deterministic explainer by default; an LLM backend
(explain.llm.LLMBackend) may phrase the same evidence instead, and falls back to the grounded
explanation whenever its reply cannot be trusted.
"""
from __future__ import annotations

__all__ = ["explain"]


def explain(answer: dict, backend=None, index=None) -> dict:
    """{text, sentences, citations, backend, note} for an answer from kg.recommend."""
    from explain.grounded import explain_answer

    if index is None:
        from kg.recommend import default_engine
        index = default_engine().index
    grounded = explain_answer(answer, index)
    if backend is None or answer.get("declined"):
        return grounded
    return backend.phrase(answer, grounded, index)
