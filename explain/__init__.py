"""Explanations of answers in which every sentence is cited.

    explain(answer, kb)                  the grounded, deterministic explanation (explain.grounded)
    explain(answer, kb, backend=llm)     an LLM backend (explain.llm) phrases the same evidence, falling
                                         back to the grounded text whenever its reply cannot be trusted
    FollowUps(kb, question, answer)      why not X, compare X and Y, what would change (explain.followups)
"""
from __future__ import annotations

from explain.explanation import Explanation
from explain.grounded import explain_answer
from kg.reasoning.answer import Answer

__all__ = ["explain", "Explanation"]


def explain(answer: Answer, kb, backend=None) -> Explanation:
    """The explanation of an answer; kb is the KnowledgeBase it came from (its index and corpus)."""
    grounded = explain_answer(answer, kb.index, kb.corpus)
    if backend is None or answer.declined:
        return grounded
    return backend.phrase(answer, grounded, kb.index, encode=kb.matcher.encode)
