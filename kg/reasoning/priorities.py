"""Which properties a person wants, waves off or puts below others, and in what order: "speed is not a
concern", "realism comes second", "stability > speed > quality", "no mode collapse", from the vocabulary's
property labels and everyday cue words, clause by clause."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

from kg.reasoning.index import KnowledgeIndex


class Wanted(Protocol):
    """What this module reads into (kg.reasoning.needs.Needs has it)."""
    priorities: dict[str, float]
    indifferent: set[str]
    demoted: set[str]
    first: str

INDIFFERENT = re.compile(r"\b(not (a |an )?(concern|issue|problem|priority|important|matter|constraint|"
                          r"an issue|critical|needed|required)|don'?t care|doesn'?t matter|no need|"
                          r"(doesn'?t|don'?t|does not|do not|needn'?t) (need|have) to be|"
                          r"not care|whatever|irrelevant|unimportant|any (speed|quality))\b", re.I)
_STRONG = re.compile(r"\b(highest|best|top|maximum|must|critical|crucial|essential|as \w+ as possible|"
                     r"most important|priority|above all|state[- ]of[- ]the[- ]art|need)\b", re.I)
_ABOVE_ALL = re.compile(r"\b(matters? (the )?most|most important|above all|top priority|first and foremost|"
                        r"number one|#1|more than anything|all that matters|only thing that matters|"
                        r"nothing else matters|non-negotiable|is everything|priority one|(is|comes) first|"
                        r"the main thing|(is|are) the priority|"
                        r"(main|first|biggest|primary) (priority|concern|goal))\b", re.I)
# A property put below others ("quality is secondary", "realism comes second"): never the first priority.
DEMOTED = re.compile(r"\s*(is|are|comes?|being)?\s*(a |an |the )?(distant |close )?(secondary|second|less important|"
                      r"nice[- ]to[- ]have|a bonus|optional)\b", re.I)
SOFT = re.compile(r"\b(would be nice|nice[- ]to[- ]have|a bonus|optional)\b", re.I)   # wished, not required
# Words that name a property in everyday language, beyond the vocabulary's labels.
_PROPERTY_CUES = {
    "sample-quality": r"quality|realistic|realism|photorealistic|high-fidelity|fidelity|sharp|lifelike|"
                      r"convincing|stunning|beautiful|as good as (?:possible|it (?:can|gets)|they (?:can|get))|"
                      r"photo-?real\w*|crisp|polished|fluent|natural[- ]sounding|(?:nice|good)[- ]looking|"
                      r"(?:look|sound)(?:s|ing)? (?:real|natural|good|great|ok|okay|right|professional|human)|"
                      r"(?:look|sound)(?:s|ing)? like (?:an? )?(?:real|actual) \w+|"
                      r"fid|inception score|perceptual quality|gorgeous|faithful(?:ness|ly)?",
    "generation-speed": r"fast|faster|fastest|speed|speedy|snappy|quick|quickly|quickest|real[- ]time|latency|slow|"
                        r"slowly|instant|throughput|"
                        r"(?:render(?:ing)?|processing|inference|sampling|generation|waiting) times?",
    "training-stability": r"stable(?! diffusion)|stability|collaps\w*|unstable|diverg\w*|reliable training|"
                          r"robust training|"
                          r"babysit\w*|blow(s|ing)? up|blew up|pain(ful)? to train|(easy|easier|hard|tricky) to train|"
                          r"trains? reliably|fight\w* the training( loop)?",
    "diversity": r"diverse|diversity|variety|varied|variations|mode coverage|mode collapse",
    "controllability": r"control|controllable|controlled|steer\w*|conditional|guided|"
                       r"(?:respects?|follows?|sticks? to) the (?:sketch|layout|prompt|pose|outline|melody|script)",
    "interpretability": r"interpret(?:ab\w*|ation|ing|ed)?|explainab\w*|understand\w* (?:the model|what|why|how)|"
                        r"transparen\w*|explain\w* (?:to|why|how|what)|(?:be|get|have it) explained|"
                        r"what (?:the |each )?(?:latent |hidden )?(?:factors?|knobs?|dimensions?)[\w\s]{0,25} "
                        r"(?:mean|means|does|do)",
    "exact-likelihood": r"exact likelihoods?|likelihoods?|log-likelihood|probabilit(y|ies) of (each|every)|"
                        r"density estimation|exact density|nll|bits[ /-]?(?:per[ /-]?)?dim\w*|"
                        r"(?:exactly |tractabl[ey] )?computable probabilit\w*|exact probabilit\w*",
    "latent-smoothness": r"interpolat\w*|smooth\w*|latent space|morph\w*|blend\w*",
    "compute-need": r"cheap to train|low cost|efficient",
    "data-need": r"data[- ]efficient",
}


# "A matters more than B", "A over B", "A rather than B": B is put below A.
_OVER = re.compile(r"\b(?:matters? more(?: to (?:me|us))? than|counts? more than|(?:is |are )?more important"
                   r"(?: to (?:me|us))? than|over|rather than|ahead of)\s+(?:[\w-]+ (?:or|and|nor) )?"
                   r"(?:the |its |raw |pure |peak )?$", re.I)


def _after_comparison(clause: str, start: int) -> bool:
    """The property named at `start` is the lesser side of a comparison ("speed matters more than realism")."""
    return bool(_OVER.search(clause[:start]))


def _property_pattern(prop: str, concept) -> re.Pattern:
    """The pattern naming a property: its labels and cue words (compiled once per vocabulary)."""
    return _compiled_property_pattern(prop, tuple(concept.texts))


@lru_cache(maxsize=256)
def _compiled_property_pattern(prop: str, texts: tuple[str, ...]) -> re.Pattern:
    words = [re.escape(t) for t in texts if len(t) > 3]
    cue = _PROPERTY_CUES.get(prop, "")
    return re.compile(r"\b(" + "|".join(words + ([cue] if cue else [])) + r")\b", re.I)


def mention_order(text: str, index: KnowledgeIndex, props) -> dict[str, int]:
    """Where in the text each of these properties is first named (those it names): people list what matters
    most first ("stability > speed > quality", "first realism, then speed")."""
    found = {}
    for prop in props:
        concept = index.properties.get(prop)
        if concept is not None and (match := _property_pattern(prop, concept).search(text)):
            found[prop] = match.start()
    return found


def rank_by_mention(text: str, index: KnowledgeIndex, needs: Wanted) -> None:
    """A ranked list ("stability > speed > quality", "first realism, then speed") puts its first item first."""
    listed = [p for p in needs.priorities if p not in needs.demoted]
    if needs.first or len(listed) < 2:
        return
    order = sorted((at, p) for p, at in mention_order(text, index, listed).items())
    if len(order) >= 2 and _RANKED.search(text[order[0][0]:order[1][0]]):     # the cue stands between them
        needs.first = order[0][1]


# Time waved off in so many words ("it can take as long as it needs", "a few seconds per sample is fine").
NO_HURRY = re.compile(r"\b(as long as (it|they) (needs?|takes?|likes?|wants?)|takes? (its|their) time|no rush|"
                       r"not in a (rush|hurry)|(can|could|may) (wait|take) (a while|minutes|hours|all night)|"
                       r"(seconds|minutes|hours)( per [\w-]+)? (is|are) (fine|ok|okay|acceptable)|"
                       r"(idc|i don'?t care|doesn'?t matter|does not matter|no matter) how long|"
                       r"(fine|ok|okay|doesn'?t matter|does not matter) if (it|each( one)?|they) takes? "
                       r"(a while|long|ages|minutes|hours)|"
                       r"(forget|ignore|drop|scratch|scrap|never mind) (about )?(the |that |our )?"
                       r"(real[- ]?time|latency|speed)( part| thing| requirement| limit)?)\b", re.I)


def read_priorities(clause: str, index: KnowledgeIndex, needs: Wanted, before: tuple[str, ...] = ()) -> None:
    """The properties a clause wants, waves off (indifferent) or puts below others (demoted), into needs.
    `before`: what the clause before it wanted; a clause that only puts something above all ("…a real photo,
    nothing else matters") puts that first when it was one property."""
    if NO_HURRY.search(clause) and "generation-speed" in index.properties:
        needs.indifferent.add("generation-speed")
        needs.priorities.pop("generation-speed", None)
    named = False
    for prop, concept in index.properties.items():
        match = _property_pattern(prop, concept).search(clause)
        if not match:
            continue
        named = True
        if prop in ("compute-need", "data-need") and not _PROPERTY_CUES.get(prop):
            continue
        if _negated_near(clause, match.start(), match.end()):
            needs.indifferent.add(prop)
            needs.priorities.pop(prop, None)
        elif DEMOTED.match(clause[match.end():]) or SOFT.search(clause) or _after_comparison(clause, match.start()):
            needs.demoted.add(prop)
            needs.priorities[prop] = min(0.5, needs.priorities.get(prop, 0.5))
        elif prop not in needs.indifferent:
            weight = 1.5 if _STRONG.search(clause) else 1.0
            needs.priorities[prop] = max(weight, needs.priorities.get(prop, 0.0))
            if not needs.first and _ABOVE_ALL.search(clause):
                needs.first = prop
    if not named and not needs.first and len(before) == 1 and _ABOVE_ALL.search(clause):
        needs.first = before[0]


_RANKED = re.compile(r">|\b(then|followed by|second(ly)?|next|after that)\b", re.I)
_NEGATED_BEFORE = re.compile(r"\b(no|not|without|don'?t need|no need (for|of)|any|"
                             r"(don'?t|do not|doesn'?t) care (about|for)|"
                             r"(nobody|no one|none of us)\b[\w\s']{0,25}\b(needs?|wants?|cares? about)|"
                             r"regardless of|irrespective of|never mind)\s+(\w+\s+)?$|"
                             r"\b(no need for|don'?t need|do not need|not|no|without)\s+[\w-]+\s+(or|nor)\s+$|"
                             r"\b(dont|don't|do not|doesn'?t|does not)\s+(need|require|want)\b[\w\s']{0,40}$", re.I)
_FINE_IF = re.compile(r"\b(doesn'?t matter|does not matter|no matter|don'?t care|do not care|fine|ok|okay|"
                      r"no problem)\s+(if|that|when|whether)\b[\w\s']{0,25}$", re.I)
_TROUBLE = re.compile(r"collaps|unstable|instabilit|diverg|babysit|blow|blew|fight|pain|slow|blurry", re.I)
# The patterns whose literal words the reading listens for: a misspelling is corrected towards them.
LEXICON = (INDIFFERENT, NO_HURRY, _STRONG, _ABOVE_ALL, DEMOTED, SOFT, _OVER, _RANKED, _NEGATED_BEFORE, _FINE_IF,
           *(re.compile(cue) for cue in _PROPERTY_CUES.values()))


def _negated_near(clause: str, start: int, end: int) -> bool:
    """Whether the words right around a cue say it does not matter ("speed is not a concern"). A cue that
    names the trouble itself wants the property when negated ("no mode collapse", "without fighting the
    training loop", "never slow")."""
    before, after = clause[max(0, start - 60):start], clause[end:end + 40]
    if INDIFFERENT.search(after):
        return True
    trouble = _TROUBLE.search(clause[start:end])
    if trouble and (re.match(r"\s*(\w+\s+)?(is|are) (fine|ok|okay|acceptable|no problem)\b", after, re.I)
                    or _FINE_IF.search(before)):
        return True                                  # "slow generation is fine", "no matter if it's slow"
    if trouble:
        return False
    if _NEGATED_BEFORE.search(before):
        return True
    return bool(re.match(r"\s*(is|are)?\s*(not|n't|irrelevant|unimportant)\b", after, re.I)) and not \
        _TROUBLE.search(clause)


__all__ = ["INDIFFERENT", "NO_HURRY", "DEMOTED", "SOFT", "LEXICON", "mention_order", "rank_by_mention",
           "read_priorities"]
