"""Follow-ups: a short message after an answer changes only what it says and keeps the rest.

"and for audio instead?" keeps the stated GPU and data limits and swaps the task; "what if we had way
more data?" swaps only the data constraint; "quality matters most now" puts quality first; "thanks"
is not a need at all.
"""
from __future__ import annotations

import copy
import re

from kg.reasoning.needs import Needs

MAX_FOLLOW_UP_WORDS = 14
NEW_TASK = 0.8      # a follow-up's use case this sure (or a kind of data it names) replaces the task asked before
_CUE = re.compile(r"^\W*(and|but|what about|what if|how about|same|ok(ay)?|now|also|instead|then|forget|"
                  r"actually|hypothetically|suppose|switch|change|make it|for|with|without|if|plus|except)\b", re.I)
_KINDS = ("compute", "data", "pretrained")


def is_follow_up(text: str, alone: Needs) -> bool:
    """Whether a message reads as a change to the previous need rather than a need of its own."""
    words = len(text.split())
    if words > MAX_FOLLOW_UP_WORDS:
        return False
    return bool(_CUE.search(text)) or not alone.use_cases or words <= 4


def opens_as_change(text: str) -> bool:
    """Whether a message opens as a change to something said before ("and …", "what if …", "if …")."""
    return bool(_CUE.search(text))


def changes_task(follow: Needs) -> bool:
    """Whether a follow-up names a new task: a kind of data ("and for audio instead?") or a use case read
    surely ("what about super-resolution?"). A weak guess from a word like "data" in "what if we had more
    data?" keeps the task asked before."""
    return bool(follow.modalities) or any(score >= NEW_TASK for score in follow.use_cases.values())


def _kind(constraint: str) -> str:
    return constraint.split("-")[0]


def merge(previous: Needs, follow: Needs, text: str) -> Needs:
    """The previous needs changed by what the follow-up states (see the module doc)."""
    if follow.declined and not (follow.use_cases or follow.constraints or follow.priorities or follow.indifferent):
        return follow                                   # "thanks": nothing to merge
    combined = copy.deepcopy(previous)
    combined.question = f"{previous.question} {text}"
    combined.read_as = f"{previous.text} {follow.text}"
    combined.declined, combined.decline_reason = False, ""
    if changes_task(follow):
        combined.use_cases = dict(follow.use_cases) or combined.use_cases
        combined.modalities = dict(follow.modalities)
    stated = {_kind(c) for c in follow.constraints}
    combined.constraints = {c for c in combined.constraints if _kind(c) not in stated} | set(follow.constraints)
    order = list(follow.priorities) + [p for p in previous.priorities if p not in follow.priorities]
    weights = sorted(set(previous.priorities.values()) | set(follow.priorities.values()), reverse=True) or [1.0]
    combined.priorities = {p: weights[min(i, len(weights) - 1)] for i, p in enumerate(order)
                           if p not in follow.indifferent}
    combined.indifferent = (previous.indifferent - set(follow.priorities)) | follow.indifferent
    combined.avoid = previous.avoid | follow.avoid
    combined.candidates = follow.candidates or previous.candidates
    combined.first = follow.first or ("" if follow.priorities else previous.first)
    return combined


__all__ = ["changes_task", "is_follow_up", "merge", "opens_as_change"]
