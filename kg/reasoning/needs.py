"""From a person's free text to needs: use cases, modalities, priorities, constraints, or a decline.

Use cases and modalities are found by meaning (sentence embeddings of the question and its
clauses against each concept's labels, synonyms and the quotes that cite it) and by literal
mention. Priorities and constraints are found clause by clause from the vocabulary's labels and
a small lexicon of resource words, so that negation and indifference flip them: "speed is not a
concern" makes speed indifferent, "compute is not a problem" means plenty of compute.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.errors import QuestionError
from kg.reasoning import declines, priorities, resources
from kg.reasoning.declines import GENERATIVE, asks_about, decline_kind, plainly_out_of_scope, reason_of
from kg.reasoning.families import candidates, named_families, ruled_out, tool_choice
from kg.reasoning.index import KnowledgeIndex
from kg.reasoning.priorities import DEMOTED, INDIFFERENT, NO_HURRY, SOFT, rank_by_mention, read_priorities
from kg.reasoning.resources import data_size, hardware_size, lifted, pretrained_stated, resource_only

MAX_QUESTION_CHARS = 2000
USE_CASE_MIN = 0.50        # cosine similarity for a use case to count as meant
USE_CASE_SPAN = 0.08       # keep use cases within this of the best one
LITERAL_SCORE = 0.85       # a use case named literally in the question
USE_CASE_WEAK = 0.42       # when nothing reaches USE_CASE_MIN, the best use case from here up
MODALITY_MIN = 0.55
OFF_MODALITY = 0.8         # a use case of another modality than the ones the question names
FALLBACK_SCORE = 0.6       # a named modality's main use case when no use case of it matched
LONG_TEXT = 400            # a question this long is embedded apart from its clauses

_SMALL = re.compile(r"\b(small|little|limited|few|scarce|tiny|minuscule|puny|meagre|meager|near-zero|shoestring|"
                    r"low|modest|single|one|cheap|laptop|"
                    r"constrained|not much|not enough|lack|short on|no (big|large|much))\b", re.I)
_LARGE = re.compile(r"\b(large|big|lots|a lot|plenty|plentiful|huge|massive|abundant|many|unlimited|millions|"
                    r"ample|enough|cluster|not (a |an )?(problem|issue|concern|constraint|limit))\b", re.I)
_NEGATED_SIZE = re.compile(r"\b(no|not|without|nothing|never|(don'?t|doesn'?t|do not|does not) have)\s+"
                           r"(\w+\s+){0,2}$", re.I)
_COMPUTE = re.compile(r"\b(compute|computing|computational|gpus?|tpus?|hardware|resources|budget)\b", re.I)
_DATA = re.compile(r"\b(data|dataset|datasets|examples|samples|images to train|training set|records)\b", re.I)
_LATENCY = re.compile(r"\b(real[- ]?time|latency|instant(ly)?|interactive|on-device|mobile|\d+ ?fps|frames per second|"
                      r"(per|/) ?(second|sec|minute)|"
                      r"(thousands|hundreds|millions) (of )?([\w-]+ ){0,3}a (second|minute)|"
                      r"(in|under|within) (a|one) second|\d+ ?ms|milliseconds?|"
                      r"fraction of a second|on the fly|at load time|live (streams?|streaming|performances?|shows?|"
                      r"chat|audiences?|broadcasts?|gigs?)|(never|can'?t|cannot|must not|mustn'?t) (stall|lag)|"
                      r"without (lag|stalling|delay)|no (noticeable )?(delay|lag))\b", re.I)
# A clause that says what is NOT wanted ("we don't need to generate new images"): its task is not the need.
_NOT_WANTED = re.compile(r"\b(don'?t|dont|do not|doesn'?t|does not|no need to|not|never|nor)\s+(\w+\s+){0,3}?"
                         r"(generat\w*|creat\w*|produc\w*|synthesi\w*|make|making|change|replace|alter)\b|"
                         r"\b(don'?t|dont|do not|doesn'?t|does not) (need|want|care about) the\b|"
                         r"\b(nobody|no one|none of us)\b[\w\s']{0,25}\b(needs?|wants?|cares? about)\b", re.I)
_ONLY_NOT = re.compile(r"^\W*not (a |an )?[\w-]+( [\w-]+)?\W*$", re.I)     # a clause that is only "not captioning"
_SPLIT = re.compile(r"[.;!?\n]+|,\s+|\s+\bbut\b\s+|\s+\band\b\s+(?=(we|i|it|they|there|the|our|my)\b)", re.I)


@dataclass
class Needs:
    question: str
    use_cases: dict[str, float] = field(default_factory=dict)
    modalities: dict[str, float] = field(default_factory=dict)
    priorities: dict[str, float] = field(default_factory=dict)
    indifferent: set[str] = field(default_factory=set)
    constraints: set[str] = field(default_factory=set)
    avoid: set[str] = field(default_factory=set)          # families the question moves away from
    candidates: list[str] = field(default_factory=list)   # families a comparative question weighs ("X or Y")
    first: str = ""                                        # a property put above all else ("X matters most")
    demoted: set[str] = field(default_factory=set)        # properties put below others ("X is secondary")
    unwanted: set[str] = field(default_factory=set)       # use cases a clause says are not wanted
    task_named: bool = True                                # a task, medium or generative verb is worded
    declined: bool = False
    decline_kind: str = ""     # the kind of request declined (an OUT_OF_SCOPE key), "" when none is plain
    read_as: str = ""                                      # the question with misspellings corrected, as read
    out_of_scope: str = ""     # a kind of request not served, plainly nearer than any use case (the parser declines)

    @property
    def decline_reason(self) -> str:
        """What a decline tells the person: its kind's reason (kg.reasoning.declines.reason_of), "" if not declined."""
        return reason_of(self.decline_kind) if self.declined else ""

    @property
    def text(self) -> str:
        """What the readings work on: the corrected question (the question as typed when none)."""
        return self.read_as or self.question

    def as_list(self, index: KnowledgeIndex) -> list[dict]:
        out = [{"label": index.use_cases[u].label, "kind": "use_case", "id": u, "score": round(s, 3)}
               for u, s in self.use_cases.items()]
        out += [{"label": index.modalities[m].label, "kind": "modality", "id": m, "score": round(s, 3)}
                for m, s in self.modalities.items()]
        out += [{"label": index.properties[p].label, "kind": "secondary" if p in self.demoted else "priority",
                 "id": p, "score": round(w, 3)} for p, w in self.priorities.items()]
        out += [{"label": index.properties[p].label, "kind": "secondary", "id": p, "score": 0.0}
                for p in sorted(self.demoted - set(self.priorities) - self.indifferent)]
        out += [{"label": index.properties[p].label, "kind": "indifferent", "id": p, "score": 1.0}
                for p in sorted(self.indifferent)]
        out += [{"label": index.constraints[c].label, "kind": "constraint", "id": c, "score": 1.0}
                for c in sorted(self.constraints)]
        out += [{"label": index.families[f].label, "kind": "avoid", "id": f, "score": 1.0}
                for f in sorted(self.avoid)]
        return out


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")                      # C0/C1 controls, NUL, ESC
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")   # direction overrides
_SURROGATE = re.compile("[\ud800-\udfff]")                           # lone halves cannot be encoded


def check_question(question: str) -> str:
    """The question as one clean line: controls become spaces, direction overrides go, lone
    surrogates become U+FFFD; QuestionError when nothing is left or it is too long."""
    text = _SURROGATE.sub("\ufffd", _BIDI.sub("", _CONTROL.sub(" ", str(question or ""))))
    text = " ".join(text.split())
    if not text:
        raise QuestionError("the question is empty: describe what you want to generate and your constraints")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return text


def split_clauses(text: str) -> list[str]:
    return [c.strip() for c in _SPLIT.split(text) if c and c.strip() and len(c.strip()) > 2
            and c.lower() not in ("we", "i", "it", "they", "there", "the", "our", "my")]


def _size_near(clause: str, start: int, end: int, previous: str) -> str:
    """small / large from the words around a resource word; coordination inherits ("little data and compute")."""
    before, after = clause[max(0, start - 40):start], clause[end:end + 45]
    near_before = re.split(r"\b(?:but|while|whereas)\b", before)[-1]
    small, large = _SMALL.search(near_before), _LARGE.search(near_before)
    if small or large:
        last = max((m for m in (small, large) if m), key=lambda m: m.start())
        if last is large and _NEGATED_SIZE.search(near_before[:last.start()]):
            return "small"                           # "no big GPU", "not so much data", "not a lot of compute"
        return "small" if last is small else "large"
    if re.search(r"\b(and|or|&)\s*$", before) and previous:
        return previous
    after = re.split(r"\b(?:but|while|whereas|and)\b", after)[0]
    if _SMALL.search(after) and not _LARGE.search(after):
        return "small"
    return "large" if _LARGE.search(after) else ""


def _constraints(clause: str, needs: Needs) -> None:
    previous = ""
    resources = sorted([(m, "compute") for m in _COMPUTE.finditer(clause)] +
                       [(m, "data") for m in _DATA.finditer(clause)], key=lambda t: t[0].start())
    for match, kind in resources:
        size = _size_near(clause, match.start(), match.end(), previous)
        if size:
            needs.constraints.discard(f"{kind}-{'large' if size == 'small' else 'small'}")
            needs.constraints.add(f"{kind}-{size}")
            previous = size
    for kind in lifted(clause):
        needs.constraints.discard(f"{kind}-small")
        needs.constraints.add(f"{kind}-large")
    if not any(c.startswith("compute-") for c in needs.constraints) and (size := hardware_size(clause)):
        needs.constraints.add(f"compute-{size}")
    if not any(c.startswith("data-") for c in needs.constraints) and (size := data_size(clause)):
        needs.constraints.add(f"data-{size}")
    if (latency := _LATENCY.search(clause)) and not (INDIFFERENT.search(clause) or SOFT.search(clause)
                                                     or NO_HURRY.search(clause)) \
            and not DEMOTED.match(clause[latency.end():]):                 # "latency is a secondary worry"
        needs.constraints.add("latency-critical")


def latency_waived(text: str) -> bool:
    """Whether the text waves speed limits off or only wishes for them ("it doesn't need to be real-time",
    "real-time would be nice but it's not required")."""
    return bool(NO_HURRY.search(text)) or any(_LATENCY.search(c) and (INDIFFERENT.search(c) or SOFT.search(c))
                                              for c in split_clauses(text))


_LEXICON = (_SMALL, _LARGE, _NEGATED_SIZE, _COMPUTE, _DATA, _LATENCY, _NOT_WANTED, _ONLY_NOT, _SPLIT)
# Words of the reading's own that no pattern spells out whole (they sit behind a "pre-?" or "\w*").
_EXTRA_WORDS = ("pretrained pretraining finetune finetuned finetuning unlabeled unlabelled upscale upscaling "
                "diverge diverges diverging divergence codec codecs")


def _families_to_avoid(clause: str, index: KnowledgeIndex, needs: Needs) -> None:
    needs.avoid |= ruled_out(clause, index)


def _literal(text: str, concepts: dict, min_len: int = 5) -> dict[str, float]:
    """Concepts whose label or a synonym occurs literally (singular or plural) in the text."""
    found = {}
    for cid, concept in concepts.items():
        for term in concept.texts:
            if len(term) >= min_len and re.search(r"\b" + re.escape(term) + r"s?\b", text, re.I):
                found[cid] = LITERAL_SCORE
    return found


def _literal_use_cases(text: str, index: KnowledgeIndex) -> dict[str, float]:
    return _literal(text, index.use_cases)


def named_tasks(text: str, index: KnowledgeIndex) -> set[str]:
    """The kinds of data and use cases the text words itself ("and for audio instead?", "what about
    super-resolution?"), beyond limits and wishes ("it has to run on a phone")."""
    return set(_literal(text, index.modalities, 3)) | set(_literal_use_cases(text, index))


def names_task(text: str, index: KnowledgeIndex) -> bool:
    """Whether the text words a kind of data or a use case itself (see named_tasks)."""
    return bool(named_tasks(text, index))


def primary_use_case(index: KnowledgeIndex, modality: str) -> str | None:
    """The use case that generating this modality means most plainly (fewest other modalities)."""
    options = [(len(c.modalities), "generation" not in c.label and "synthesis" not in c.label, cid)
               for cid, c in index.use_cases.items() if modality in c.modalities]
    return min(options)[2] if options else None


def _drop_subsumed(chosen: dict[str, float], index: KnowledgeIndex) -> dict[str, float]:
    """Drop a use case whose modalities are a strict part of a better-matching one's.

    "Text-to-image" (text and image) subsumes a weaker "text generation": text is its input.
    """
    kept: dict[str, float] = {}
    for uc, score in sorted(chosen.items(), key=lambda kv: -kv[1]):
        mods = set(index.use_cases[uc].modalities)
        if mods and any(mods < set(index.use_cases[k].modalities) for k in kept):
            continue
        kept[uc] = score
    return kept


def _fit_use_cases_to_modalities(needs: Needs, index: KnowledgeIndex, scores: dict[str, float]) -> None:
    """Prefer use cases of the modalities the question names; fall back on a modality's main use case."""
    named = {m for m, s in needs.modalities.items() if s >= LITERAL_SCORE - 1e-9}
    adjusted = dict(scores)
    if named:
        for uc, score in scores.items():
            mods = set(index.use_cases[uc].modalities)
            if mods and not mods & named:
                adjusted[uc] = score * OFF_MODALITY
    best = max(adjusted.values(), default=0.0)
    floor = USE_CASE_MIN if best >= USE_CASE_MIN else max(USE_CASE_WEAK, best)
    chosen = dict(sorted(((u, s) for u, s in adjusted.items() if s >= max(floor, best - USE_CASE_SPAN)),
                         key=lambda kv: -kv[1])[:4])
    for mod in sorted(named):
        main = primary_use_case(index, mod)
        if main and not any(mod in index.use_cases[u].modalities for u in chosen):
            # a modality named outright with no use case of it chosen: its main use case counts fully
            chosen[main] = max(adjusted.get(main, 0.0), best - USE_CASE_SPAN / 2, FALLBACK_SCORE)
    needs.use_cases = _drop_subsumed(chosen, index)


def score_texts(matcher, texts: list[str], kind: str) -> dict[str, float]:
    """Best similarity of any text with each concept. A long question is embedded apart from its
    clauses: one batch pads every clause to the question's length (a 2000-character question of
    63 clauses took 8 s that way, 0.3 s apart)."""
    if len(texts) == 1 or len(texts[0]) <= LONG_TEXT:
        return matcher.score(texts, kind)
    whole, parts = matcher.score(texts[:1], kind), matcher.score(texts[1:], kind)
    return {c: max(whole.get(c, -1.0), parts.get(c, -1.0)) for c in whole.keys() | parts.keys()}


def map_needs(question: str, index: KnowledgeIndex, matcher, *, keep_on_decline: bool = False) -> Needs:
    """The needs a question states. matcher scores texts against concepts (see kg.reasoning.matcher).
    A declined question's use cases, modalities and priorities are cleared unless keep_on_decline."""
    needs = Needs(question=check_question(question))
    needs.read_as = text = reading(needs.question, matcher)      # misspellings read as the words meant
    clauses = split_clauses(text) or [text]
    before: tuple[str, ...] = ()
    for clause in clauses:
        _constraints(clause, needs)
        had = dict(needs.priorities)
        read_priorities(clause, index, needs, before)
        before = tuple(p for p, weight in needs.priorities.items() if weight > had.get(p, 0.0))
        _families_to_avoid(clause, index, needs)
    rank_by_mention(text, index, needs)
    if said := pretrained_stated(text):
        needs.constraints.add(f"pretrained-{said}")
    if "latency-critical" in needs.constraints and "generation-speed" not in needs.indifferent:
        needs.priorities["generation-speed"] = max(1.5, needs.priorities.get("generation-speed", 0))
    wanted = [c for c in clauses if not _not_wanted(c, index)] or clauses
    if len(wanted) < len(clauses):
        needs.unwanted = _unwanted(matcher, [c for c in clauses if c not in wanted])
    scores = score_texts(matcher, [text] + (task_clauses(text) or wanted), "use_case")
    for uc, score in _literal_use_cases(text, index).items():
        scores[uc] = max(scores.get(uc, 0.0), score)
    best = max(scores.values(), default=0.0)
    if not (needs.priorities or needs.constraints or needs.indifferent):    # a stated limit or wish is a need's
        needs.out_of_scope = plainly_out_of_scope(score_texts(matcher, [text] + clauses, "out_of_scope"), best)
    needs.out_of_scope = needs.out_of_scope or ("software" if tool_choice(text, index) else "")
    mods = score_texts(matcher, [text] + clauses, "modality")
    literal_mods = _literal(text, index.modalities, 3)
    for mod, score in literal_mods.items():
        mods[mod] = max(mods.get(mod, 0.0), score)
    needs.task_named = bool(literal_mods or _literal_use_cases(text, index) or GENERATIVE.search(text))
    needs.modalities = {m: s for m, s in sorted(mods.items(), key=lambda kv: -kv[1]) if s >= MODALITY_MIN}
    _fit_use_cases_to_modalities(needs, index, scores)
    needs.candidates = [] if asks_about(text) else candidates(text, index, needs.avoid)
    if not needs.candidates:                # "GAN or transformer for …?" is a generative question
        _decide_decline(needs, max(needs.use_cases.values(), default=best),
                        " ".join(c for c in clauses if not _NOT_WANTED.search(c)))
    if needs.declined and not keep_on_decline:
        needs.use_cases, needs.modalities, needs.priorities = {}, {}, {}
    return needs


def reading(question: str, matcher) -> str:
    """The question as it is read: each misspelt word replaced by the word it is a slip for (see
    kg.reasoning.spelling); the question as typed stays on the Needs."""
    speller = getattr(matcher, "speller", None)
    return speller.correct(question) if speller is not None else question


def task_clauses(text: str) -> list[str]:
    """The clauses that may name the task: not those saying what is not wanted, nor those that only state a
    resource ("~300 images", "one consumer GPU" name no task)."""
    return [c for c in split_clauses(text) if not _NOT_WANTED.search(c)
            and not (resource_only(c) and not GENERATIVE.search(c))]


def rule_words() -> list[str]:
    """The words the hand-written reading listens for (the literal words of its, the resource lexicon's and
    the decline words' patterns): a misspelling is corrected towards them too ("pretrianed", "laptpo")."""
    patterns = [p.pattern for p in (*_LEXICON, *priorities.LEXICON, *resources.LEXICON, *declines.LEXICON)]
    return [_EXTRA_WORDS] + [" ".join(re.findall(r"(?<![\\?])\b[a-z]{5,}\b(?![\\(\[?])", p)) for p in patterns]


def _not_wanted(clause: str, index: KnowledgeIndex) -> bool:
    """A clause saying what is not wanted: a task ("we don't need to generate new images"), or a clause that
    is only "not X" ("Not captioning, the reverse: …"; "not GANs" rules out a family instead)."""
    return bool(_NOT_WANTED.search(clause)) or bool(_ONLY_NOT.match(clause) and not named_families(clause, index))


def _unwanted(matcher, clauses: list[str]) -> set[str]:
    """The use cases that clauses saying what is not wanted point at most plainly."""
    scores = matcher.score(clauses, "use_case")
    best = max(scores.values(), default=0.0)
    return {u for u, s in scores.items() if s >= max(USE_CASE_MIN, best - 0.02)}


def _decide_decline(needs: Needs, best_use_case: float, wanted: str) -> None:
    """Decline a question that asks for no generation (kg.reasoning.declines)."""
    kind = decline_kind(needs.text, wanted, best_use_case=best_use_case,
                        stated=bool(needs.priorities or needs.constraints), unwanted=bool(needs.unwanted))
    if kind is not None:
        needs.declined, needs.decline_kind = True, kind


__all__ = ["Needs", "map_needs", "names_task", "named_tasks", "check_question", "split_clauses", "latency_waived",
           "task_clauses", "rule_words", "reading", "score_texts"]
