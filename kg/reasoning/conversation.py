"""Follow-ups: what a message after an answer asks for, and the need it leaves.

A message about the answer ("compare them", "why not GAN?", "is a GAN any good for that?", "what's the
catch?") keeps the answer and asks about it; "thanks" is not a need at all; a change ("and for audio
instead?", "what if we had way more data?", "can it run on the iPad itself?") keeps the stated limits
and wishes and changes only what it says; anything else is a new question.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from kg.reasoning.answer import Answer
from kg.reasoning.families import named_families
from kg.reasoning.index import KnowledgeIndex
from kg.reasoning.needs import Needs, latency_waived, named_tasks, names_task

MAX_FOLLOW_UP_WORDS = 14
NEW_TASK = 0.8      # a follow-up's use case this sure (or a kind of data it names) replaces the task asked before
_CUE = re.compile(r"^\W*(and|but|what about|what if|how about|same|ok(ay)?|now|also|instead|then|forget|"
                  r"actually|hypothetically|suppose|switch|change|make it|for|with|without|if|plus|except|"
                  r"forgot|oh|hmm|turns out|scratch|ignore|never ?mind|nvm)\b", re.I)
# Words that point back at what was said before ("can it run on the iPad itself?", "the same but …").
_BACK = re.compile(r"\b(it|that|this|those|them|these|same|instead|the one|also|too|anything else)\b", re.I)
# The kinds of declined request that ask for another kind of machine learning (kg.reasoning.declines.OUT_OF_SCOPE).
TASK_KINDS = ("prediction", "detection", "segmentation", "estimation", "transcription")

_WHY = re.compile(r"^\W*(why\s+(not|isn'?t|wasn'?t|didn'?t\s+you\s+pick)|what\s+about|how\s+about)\b", re.I)
_COMPARE = re.compile(r"\b(compare|comparison|versus|vs\.?|differences?\s+between|tradeoffs?\s+(vs|versus|against|"
                      r"with))\b", re.I)
_CHANGE = re.compile(r"\b(what\s+(would|could)\s+change|change\s+your\s+(answer|mind))\b", re.I)
_THEM = re.compile(r"^\W*(compare|comparison)\s+(them|the two|these|those|both|the top two)\W*$", re.I)
_THANKS = re.compile(r"^\W*(thanks?|thank\s+you|thx|ty|cheers|ok(ay)?|cool|great|nice|got\s+it|perfect|awesome|"
                     r"makes\s+sense|sounds\s+good|good|fine|alright|bye)\b[^?]{0,30}$", re.I)
# A family weighed for the need just answered ("is a GAN any good for that?", "would a VAE work here?").
_FITS = re.compile(r"\b(any good|good (enough|for|at)|a good (fit|choice|idea|option|pick)|better|worse|suitable|"
                   r"work(s)? (for|here|as well)|do the job|make sense|viable|an option)\b", re.I)
# The costs of the family just recommended ("what's the catch?", "any downsides to it?").
_CATCH = re.compile(r"\b(catch|downsides?|drawbacks?|weakness(es)?|cons|pitfalls?|limitations?|gotchas?|"
                    r"what could go wrong)\b", re.I)


@dataclass(frozen=True)
class Intent:
    """What a message after an answer asks for. kind: "compare" (families), "why-not" (a family), "catch"
    (a family's costs), "what-would-change", "ask-first" (a question about an answer not yet given), or
    "need" (a change to the need, or a new question: see is_follow_up and merge)."""
    kind: str
    families: tuple[str, ...] = ()

    @property
    def keeps_answer(self) -> bool:
        """Whether the answer before stays the answer (the message asks about it)."""
        return self.kind in ("compare", "why-not", "catch", "what-would-change")


def read_intent(message: str, named: list[str], recommended: list[str]) -> Intent:
    """What a message asks for, given the families it names and those the answer before recommends (first
    first; none when there was no answer)."""
    answered = bool(recommended)
    if _THEM.search(message) and len(recommended) >= 2:
        return Intent("compare", tuple(recommended[:2]))
    if _COMPARE.search(message) and (len(named) >= 2 or (named and answered)):
        return Intent("compare", tuple(named if len(named) >= 2 else [recommended[0], named[0]]))
    asked = "?" in message
    if answered and named and (_WHY.search(message) or (asked and _FITS.search(message) and _BACK.search(message))):
        return Intent("why-not", (named[0],))
    if answered and asked and _CATCH.search(message) and len(message) < 120 and (named or _BACK.search(message)):
        return Intent("catch", ((named or recommended)[0],))
    if _CHANGE.search(message) and answered and len(message) < 80:
        return Intent("what-would-change")
    if (_WHY.search(message) or _CHANGE.search(message)) and not answered and len(message) < 40:
        return Intent("ask-first")
    return Intent("need")


def intent_after(message: str, answer: Answer | None, index: KnowledgeIndex) -> Intent:
    """What a message asks for after this answer (None: no answer yet), the families it names read here."""
    recommended = [r.family for r in answer.recommendations] if answer and not answer.declined else []
    return read_intent(message, named_families(message, index), recommended)


def is_thanks(message: str) -> bool:
    """Whether a message that asks for nothing is an acknowledgement ("thanks", "ok cool")."""
    return bool(_THANKS.search(message))


def is_follow_up(text: str, index: KnowledgeIndex, before: Needs | None = None) -> bool:
    """Whether a message reads as a change to the need before it rather than a need of its own: a short one
    unless it names a task of its own without opening as a change; a longer one when it opens as a change,
    points back at what was said, or names no task but the one before ("just my macbook air, no cloud, and
    i'd rather not start from somebody else's model", "The code can't leave the building …" after a question
    about code: limits for the task before; one that states nothing stays declined, see merge)."""
    words = len(text.split())
    new_task = _names_new_task(text, index, before)
    if words <= MAX_FOLLOW_UP_WORDS:
        return opens_as_change(text) or words <= 4 or not new_task
    names_only_the_task_before = before is not None and not new_task
    return opens_as_change(text) or bool(_BACK.search(text)) or names_only_the_task_before


def _names_new_task(text: str, index: KnowledgeIndex, before: Needs | None) -> bool:
    """Whether the text words a kind of data or a use case that the need before (if any) did not have."""
    named = named_tasks(text, index)
    return bool(named - set(before.modalities) - set(before.use_cases)) if before is not None else bool(named)


def opens_as_change(text: str) -> bool:
    """Whether a message opens as a change to something said before ("and …", "what if …", "if …")."""
    return bool(_CUE.search(text))


def changes_task(follow: Needs, index: KnowledgeIndex) -> bool:
    """Whether a follow-up names a new task: it words a kind of data or a use case ("and for audio instead?",
    "what about super-resolution?") and reads it surely. A task guessed from a message that words only limits
    or wishes ("quality over everything else", "what if we had more data?") keeps the task asked before."""
    if not names_task(follow.text, index):
        return False
    return bool(follow.modalities) or any(score >= NEW_TASK for score in follow.use_cases.values())


def _another_task(follow: Needs, text: str) -> bool:
    """A declined follow-up that asks for a task whichmodel does not serve (predicting, detecting, …), beyond a
    short change that opens as one ("and if we had 20k labelled beats?")."""
    short_change = len(text.split()) <= MAX_FOLLOW_UP_WORDS and opens_as_change(text)
    return follow.decline_kind in TASK_KINDS and not short_change


def _kind(constraint: str) -> str:
    return constraint.split("-")[0]


def merge(previous: Needs, follow: Needs, text: str, index: KnowledgeIndex) -> Needs:
    """The previous needs changed by what the follow-up states (see the module doc)."""
    stated = follow.use_cases or follow.constraints or follow.priorities or follow.indifferent or follow.avoid
    if follow.declined and (not stated or _another_task(follow, text)):
        return follow              # "thanks"; "and what about classifying the beats themselves? we have 20k …"
    combined = copy.deepcopy(previous)
    combined.question = f"{previous.question} {text}"
    combined.read_as = f"{previous.text} {follow.text}"
    combined.declined, combined.decline_kind = False, ""
    if changes_task(follow, index):
        combined.use_cases = dict(follow.use_cases) or combined.use_cases
        combined.modalities = dict(follow.modalities)
    kinds = {_kind(c) for c in follow.constraints}
    combined.constraints = {c for c in combined.constraints if _kind(c) not in kinds} | set(follow.constraints)
    if latency_waived(follow.text) or "generation-speed" in follow.indifferent:
        combined.constraints.discard("latency-critical")         # "a few seconds per sample is fine"
    order = list(follow.priorities) + [p for p in previous.priorities if p not in follow.priorities]
    weights = sorted(set(previous.priorities.values()) | set(follow.priorities.values()), reverse=True) or [1.0]
    combined.priorities = {p: weights[min(i, len(weights) - 1)] for i, p in enumerate(order)
                           if p not in follow.indifferent}
    combined.indifferent = (previous.indifferent - set(follow.priorities)) | follow.indifferent
    combined.avoid = previous.avoid | follow.avoid
    combined.candidates = follow.candidates or previous.candidates
    combined.first = follow.first or ("" if follow.priorities else previous.first)
    return combined


__all__ = ["Intent", "intent_after", "changes_task", "is_follow_up", "is_thanks", "merge", "opens_as_change",
           "read_intent"]
