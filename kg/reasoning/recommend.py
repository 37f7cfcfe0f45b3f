"""recommend(): a question (and optional explicit constraints) -> a typed Answer with its evidence."""
from __future__ import annotations

import copy
from typing import Protocol

from kg.errors import QuestionError
from kg.reasoning.answer import (
    Answer,
    Conflict,
    Counterfactual,
    Levels,
    PropertyFit,
    Recommendation,
    RuleDisagreement,
    RuleMatch,
    TradeOff,
    UseCaseSupport,
    is_decision_rule,
)
from kg.reasoning.index import ClaimRef, KnowledgeIndex
from kg.reasoning.needs import MAX_QUESTION_CHARS, Needs, check_question
from kg.reasoning.parser import ORDER_WEIGHTS, read_needs
from kg.reasoning.scoring import (
    CONSTRAINT_WEIGHTS,
    FamilyScore,
    off_modality,
    property_weights,
    rule_matches,
    score_families,
)

TOP_N = 3
CHOICES = {"compute": ("small", "large"), "data": ("small", "large"), "pretrained": ("yes", "no")}
_CHOICE_IDS = {"compute": ("compute-small", "compute-large"), "data": ("data-small", "data-large"),
               "pretrained": ("pretrained-available", "pretrained-unavailable")}
RATED_PROPERTIES = ("sample-quality", "generation-speed", "training-stability", "diversity", "controllability",
                    "interpretability", "exact-likelihood", "latent-smoothness")


class Evidence(Protocol):
    """What recommending needs: the index over the graph, a matcher for free text and, when fitted, the
    learned need parser (a KnowledgeBase has all three)."""
    index: KnowledgeIndex
    matcher: object

# "X matters most" ranks by the sources' mean rating of X shrunk towards "moderate" as if PRIOR_SOURCES more
# sources had said "moderate": one source's "very high" does not outrank five sources' "high to very high".
PRIOR_SOURCES = 2


def pick_claims(claims: list[ClaimRef], limit: int = 3) -> list[ClaimRef]:
    """The claims to cite: one from every document (so that a sentence counting the sources cites
    each of them), then more from the same documents up to `limit` in all."""
    seen, first, rest = set(), [], []
    for claim in sorted(claims, key=lambda c: (c.via_model != "", c.doc, c.start)):
        (rest if claim.doc in seen else first).append(claim)
        seen.add(claim.doc)
    return first + rest[:max(0, limit - len(first))]


def rating_band(index: KnowledgeIndex, family: str, prop: str) -> int:
    """How well the sources' consensus rates the family on a property, 1 (worst for a user) to 5
    (best); 0 when no source rates it. Lower is better for needs such as compute."""
    consensus = index.consensus(family, prop)
    if consensus is None:
        return 0
    band = int(consensus[0] + 0.5)
    return band if index.properties[prop].higher_is_better else 6 - band


def level_word(index: KnowledgeIndex, rank: float) -> str:
    return index.levels.get(int(rank + 0.5), "moderate")


def levels_of(index: KnowledgeIndex, claims: list[ClaimRef]) -> Levels:
    """The levels the claims give (lowest and highest)."""
    ranks = sorted({c.rank for c in claims if c.rank})
    if not ranks:
        return Levels("unrated", "unrated")
    return Levels(index.levels[ranks[0]], index.levels[ranks[-1]])


def _reasons(index: KnowledgeIndex, needs: Needs, fs: FamilyScore) -> list:
    reasons: list = [RuleMatch(rule.action, rule.claim, rule.conditions, rule.id) for rule in fs.rules]
    for uc, claims in sorted(fs.use_case_claims.items(), key=lambda kv: -needs.use_cases.get(kv[0], 0)):
        reasons.append(UseCaseSupport(uc, index.use_cases[uc].label, pick_claims(claims)))
    weights = property_weights(needs)
    for prop, (_rank, sources, contribution) in sorted(fs.property_fit.items(), key=lambda kv: -kv[1][2]):
        if contribution <= 0 or prop not in weights:
            continue
        cited = pick_claims(index.level_claims[fs.family][prop])
        reasons.append(PropertyFit(prop, index.properties[prop].label, levels_of(index, cited), sources, cited))
    return reasons


def tradeoffs_for(index: KnowledgeIndex, needs: Needs, family: str, limit: int = 3) -> list[TradeOff]:
    """The properties on which the family does badly, those the need weighs first."""
    relevant = set(property_weights(needs))
    out = []
    for prop, claims in index.level_claims.get(family, {}).items():
        rank, sources = index.consensus(family, prop)
        bad = rank <= 2.5 if index.properties[prop].higher_is_better else rank >= 3.5
        if bad:
            out.append((prop in relevant, sources, prop, claims, rank))
    out.sort(key=lambda t: (not t[0], -t[1], t[2]))
    result = []
    for rel, _, prop, claims, rank in out[:limit]:
        cited = pick_claims(claims, 2)
        result.append(TradeOff(prop, index.properties[prop].label, level_word(index, rank),
                               levels_of(index, cited), rel, cited))
    return result


def _conflicts(index: KnowledgeIndex, needs: Needs, family: str) -> list[Conflict]:
    weights = property_weights(needs)
    relevant = set(weights) | set(index.level_claims.get(family, {}))
    out = [Conflict(prop, index.properties[prop].label, c["summary"], prop in weights, c["sides"], c["kind"],
                    c["other"])
           for (fam, prop), found in sorted(index.conflicts.items()) if fam == family and prop in relevant
           for c in found]
    out.sort(key=lambda c: not c.relevant)
    return out


def variations(needs: Needs, index: KnowledgeIndex) -> list[tuple[str, Needs, dict]]:
    """Single changes to the stated constraints and priorities, each with its description."""
    out = []
    for a, b in _CHOICE_IDS.values():
        for have, other in ((a, b), (b, a)):
            if have in needs.constraints or other not in needs.constraints:
                changed = copy.deepcopy(needs)
                changed.constraints.discard(other)
                changed.constraints.add(have)
                if changed.constraints != needs.constraints:
                    out.append((f"if you had {constraint_phrase(index, have)}", changed, {"constraint": have}))
    for prop in RATED_PROPERTIES:
        changed = copy.deepcopy(needs)
        if prop in needs.priorities:
            changed.priorities.pop(prop)
            changed.first = "" if changed.first == prop else changed.first
            desc = f"if {index.properties[prop].label} did not matter"
        else:
            changed.priorities = {prop: ORDER_WEIGHTS[0], **{p: w for p, w in changed.priorities.items() if p != prop}}
            changed.indifferent.discard(prop)
            changed.first = prop
            desc = f"if {index.properties[prop].label} were your top priority"
        out.append((desc, changed, {"property": prop}))
    return out


CONSTRAINT_ORDER = ("pretrained-unavailable", "pretrained-available", "data-small", "data-large", "compute-small",
                    "compute-large", "latency-critical")     # the order 002 states a rule's resources in


def constraint_phrase(index: KnowledgeIndex, constraint: str) -> str:
    """What "if you had ..." takes: "a small dataset", "no pre-trained model", "a pre-trained model available"."""
    label = index.constraints[constraint].label
    return label if label.startswith(("no ", "a ", "an ")) else f"a {label}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def conditions_phrase(index: KnowledgeIndex, conditions: dict[str, set[str]], first: str = "") -> str:
    """All the resource and priority conditions of a rule as one "if" clause: "if you had no pre-trained
    model, a small dataset and a small compute budget" (the constraint `first` named first); "" if none."""
    constraints = sorted(conditions.get("constraints", set()),
                         key=lambda c: (c != first, CONSTRAINT_ORDER.index(c) if c in CONSTRAINT_ORDER else 99, c))
    had = [constraint_phrase(index, c) for c in constraints if not c.startswith("latency")]
    clauses = [f"you had {_join(had)}"] if had else []
    clauses += ["latency were critical" for c in constraints if c.startswith("latency")]
    clauses += [f"{index.properties[p].label} were a priority" for p in sorted(conditions.get("priorities", set()))
                if p in index.properties]
    clauses += [f"{index.properties[p].label} did not matter" for p in sorted(conditions.get("indifferent", set()))
                if p in index.properties]
    return f"if {_join(clauses)}" if clauses else ""


def first_key(index: KnowledgeIndex, family: str, prop: str) -> tuple[float, int]:
    """The sort key of a family when prop matters most (smaller first)."""
    mean, count = index.consensus(family, prop) or (3.0, 0)
    if not index.properties[prop].higher_is_better:     # low compute need is what a user wants
        mean = 6 - mean
    return -round((mean * count + 3.0 * PRIOR_SOURCES) / (count + PRIOR_SOURCES), 2), -count


def rank(index: KnowledgeIndex, needs: Needs) -> list[FamilyScore]:
    """The families with a positive score or named for a use case asked (NeRF for a 3D walkthrough on small
    compute: its cost is a trade-off to state, not a reason to say nothing), best first: by score, except that
    a property put above all else ranks the families named for the kind of data asked by how the sources rate
    it first, and a comparative question's families come first."""
    ranked = [fs for fs in score_families(index, needs) if fs.score > 0 or fs.use_case > 0]
    if needs.first:                 # by the sources' rating of it, then by how many give one, then by score
        ranked.sort(key=lambda fs: (off_modality(index, needs, fs.family), first_key(index, fs.family, needs.first)))
    if needs.candidates:
        ranked.sort(key=lambda fs: fs.family not in needs.candidates)
    return ranked


def rule_disagreements(index: KnowledgeIndex, needs: Needs, top: Recommendation) -> list[RuleDisagreement]:
    """Decision rules of other documents that hold for these needs too (all their conditions) but name another
    family, beside the first family's own rule that shares a condition with them ("Diffusion if quality is
    priority" in 001, "Autoregressive if output quality is a priority" in 002). A document does not disagree
    when it also has a rule for the first family that the need does not contradict (002's Diffusion row "If
    high-quality samples are required and compute is available" beside its autoregressive row); feature
    bullets read as rules ("Fine-tunable: ... with minimal data") point to no family."""
    mine = [own for own in top.reasons_of(RuleMatch) if own.decision]
    holding = [rule for rule in index.rules if is_decision_rule(rule.claim) and rule_matches(rule, needs)]
    own_rules = [rule for rule in index.rules if rule.family == top.family and is_decision_rule(rule.claim)
                 and not contradicted(rule, needs)]
    out = []
    for rule in holding:
        if rule.family == top.family or any(r.claim.doc == rule.claim.doc and held(r, needs) >= held(rule, needs)
                                            for r in own_rules):
            continue              # a document with a rule for the first family as apt as this one does not disagree
        for own in mine:
            shared = any(own.conditions.get(k, set()) & v for k, v in rule.conditions.items())
            if shared and own.claim.doc != rule.claim.doc:
                out.append(RuleDisagreement(own, RuleMatch(rule.action, rule.claim, rule.conditions, rule.id),
                                            rule.family))
                break
    return out[:2]


_OPPOSITE = {a: b for pair in _CHOICE_IDS.values() for a, b in (pair, pair[::-1])}


def held(rule, needs: Needs) -> int:
    """How many of the rule's conditions the need states (a use case or modality condition counts once)."""
    c = rule.conditions
    priorities = set(needs.priorities) | {p for con in needs.constraints for p, _ in CONSTRAINT_WEIGHTS.get(con, [])}
    return (len(c.get("constraints", set()) & needs.constraints) + len(c.get("priorities", set()) & priorities)
            + len(c.get("indifferent", set()) & needs.indifferent)
            + bool((rule.use_cases_held or c.get("use_cases", set())) & set(needs.use_cases))
            + bool(c.get("modalities", set()) & set(needs.modalities)))


def contradicted(rule, needs: Needs) -> bool:
    """The need states the opposite of one of the rule's conditions (small compute against "compute is
    available", speed indifferent against "if speed is critical", another task than the rule's)."""
    c = rule.conditions
    if any(_OPPOSITE.get(con) in needs.constraints for con in c.get("constraints", set())):
        return True
    if c.get("priorities", set()) & needs.indifferent or c.get("indifferent", set()) & set(needs.priorities):
        return True
    if c.get("use_cases") and needs.use_cases and not (rule.use_cases_held or c["use_cases"]) & set(needs.use_cases):
        return True
    return bool(c.get("modalities") and needs.modalities and not c["modalities"] & set(needs.modalities))


def capable(index: KnowledgeIndex, needs: Needs, family: str) -> bool:
    """A source names the family for a use case asked or a wider one (image generation for faces), of the kind of
    data asked (NeRF's "gaming and animation" is 3D: no alternative for morphing 2D faces); with no use case
    asked, one named for the data asked."""
    best = max(needs.modalities.values(), default=0.0)
    asked = {m for m, score in needs.modalities.items() if score > 0 and score >= best - 0.1}
    if not needs.use_cases:
        return not off_modality(index, needs, family)
    wider = {b for uc in needs.use_cases if uc in index.use_cases for b in index.use_cases[uc].broader}
    named = [uc for uc in set(needs.use_cases) | wider if index.suited.get(family, {}).get(uc)]
    return any(not asked or not index.use_cases[uc].modalities or asked & set(index.use_cases[uc].modalities)
               for uc in named if uc in index.use_cases)


def what_would_change(index: KnowledgeIndex, needs: Needs, top: str) -> list[Counterfactual]:
    """Single changes that put another family first, one that can do what is asked (verified by re-ranking)."""
    changes = []
    for desc, changed, what in variations(needs, index):
        first = next((fs for fs in rank(index, changed) if fs.family == top or capable(index, needs, fs.family)),
                     None)
        if first and first.family != top and _better_on_it(index, changed, what, first.family, top):
            changes.append(Counterfactual(desc, first.family, round(first.score, 3), **what, needs=changed))
    return changes[:5]


def _better_on_it(index: KnowledgeIndex, changed: Needs, what: dict, other: str, top: str) -> bool:
    """A property put first changes the answer only to a family the sources rate better on it (a family as
    slow as the pick is no answer to "if speed were your top priority")."""
    prop = what.get("property")
    if not prop or changed.first != prop:
        return True
    return rating_band(index, other, prop) > rating_band(index, top, prop)


def _recommendation(index: KnowledgeIndex, needs: Needs, fs: FamilyScore) -> Recommendation:
    return Recommendation(fs.family, round(fs.score, 3),
                          {"use_case": round(fs.use_case, 3), "property": round(fs.property, 3),
                           "rule": round(fs.rule, 3)},
                          _reasons(index, needs, fs), tradeoffs_for(index, needs, fs.family),
                          _conflicts(index, needs, fs.family))


def apply_overrides(needs: Needs, index: KnowledgeIndex, matcher, *, task: str | None = None,
                    compute: str | None = None, data: str | None = None, pretrained: str | None = None,
                    priorities: list[str] | None = None) -> Needs:
    """Explicit choices win over what the text implies."""
    for name, value in (("compute", compute), ("data", data), ("pretrained", pretrained)):
        if value is None:
            continue
        if value not in CHOICES[name]:
            raise QuestionError(f"--{name} must be one of {', '.join(CHOICES[name])}, not {value!r}")
        ids = _CHOICE_IDS[name]
        needs.constraints -= set(ids)
        needs.constraints.add(ids[CHOICES[name].index(value)])
    if priorities:                  # the chosen priorities come first, in the order given; the others follow
        chosen = list(dict.fromkeys(_resolve_property(check_option("priority", p), index, matcher)
                                    for p in priorities))
        order = chosen + [p for p in needs.priorities if p not in chosen]
        needs.priorities = {p: ORDER_WEIGHTS[min(i, len(ORDER_WEIGHTS) - 1)] for i, p in enumerate(order)}
        needs.indifferent -= set(chosen)
        needs.first = chosen[0]
    if task:
        scores = matcher.score([check_option("task", task)], "use_case")
        best = max(scores, key=scores.get)
        needs.use_cases = {best: 1.0}
    if task or compute or data or pretrained or priorities:
        needs.declined, needs.decline_kind = False, ""
    return needs


def check_option(name: str, value: str | None) -> str | None:
    """A free-text override (--task, --priority) cleaned like a question; QuestionError naming it."""
    if value is None:
        return None
    try:
        return check_question(value)
    except QuestionError:
        raise QuestionError(f"--{name} needs a non-empty text of at most {MAX_QUESTION_CHARS} characters") from None


def _resolve_property(text: str, index: KnowledgeIndex, matcher) -> str:
    key = text.strip().lower()
    for pid, concept in index.properties.items():
        if key == pid or key in (t.lower() for t in concept.texts) or key in pid.split("-"):
            return pid
    scores = matcher.score([text], "property")
    return max(scores, key=scores.get)


def understand(question: str, kb: Evidence, **overrides) -> Needs:
    """The needs of a question, with explicit choices (task, compute, data, pretrained, priorities) applied."""
    needs = read_needs(question, kb.index, kb.matcher, getattr(kb, "parser", None))
    return apply_overrides(needs, kb.index, kb.matcher, **overrides)


def answer_needs(needs: Needs, index: KnowledgeIndex, *, alternatives: bool = True) -> Answer:
    """Rank the families for needs and gather the evidence for the first TOP_N."""
    answer = Answer(needs, needs.as_list(index), declined=needs.declined, decline_reason=needs.decline_reason)
    if needs.declined:
        return answer
    ranked = rank(index, needs)
    if not ranked:
        answer.declined = True
        answer.decline_reason = "no source says anything about the needs found in this question"
        return answer
    ranked = ranked[:1] + [fs for fs in ranked[1:] if capable(index, needs, fs.family)]   # alternatives that can do it
    answer.recommendations = [_recommendation(index, needs, fs) for fs in ranked[:TOP_N]]
    answer.rule_disagreements = rule_disagreements(index, needs, answer.recommendations[0])
    if alternatives:
        answer.changes = what_would_change(index, needs, ranked[0].family)
    return answer


def recommend(question: str, *, kb: Evidence, task: str | None = None, compute: str | None = None,
              data: str | None = None, pretrained: str | None = None,
              priorities: list[str] | None = None, alternatives: bool = True) -> Answer:
    """Map the question to needs, rank the families and return the answer with its evidence."""
    needs = understand(question, kb, task=task, compute=compute, data=data, pretrained=pretrained,
                       priorities=priorities)
    return answer_needs(needs, kb.index, alternatives=alternatives)


__all__ = ["recommend", "understand", "answer_needs", "rank", "rating_band", "apply_overrides", "check_option",
           "pick_claims", "level_word", "levels_of", "constraint_phrase", "conditions_phrase", "tradeoffs_for",
           "what_would_change", "variations", "capable", "contradicted", "held", "CHOICES"]
