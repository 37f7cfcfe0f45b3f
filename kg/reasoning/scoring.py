"""Scores for each family given needs: use-case support, property fit, matching decision rules."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from kg.reasoning.index import ClaimRef, KnowledgeIndex, Rule
from kg.reasoning.needs import Needs

W_USE_CASE, W_PROPERTY, W_RULE = 1.0, 1.0, 0.9
AVOID_PENALTY = 2.0
SHARPNESS = 0.06           # use-case weight falls by e for every 0.06 of similarity below the best
UNSUITED_PENALTY = 0.5
OFF_TASK_RULE = 0.25       # weight of a rule for a family with no support for the use cases asked
OFF_MODALITY = 0.25        # weight of a good property fit for a family no source names for the kind of data asked
# What a constraint implies about properties: (property, weight) pairs, and properties it makes moot.
CONSTRAINT_WEIGHTS = {
    "compute-small": [("compute-need", 1.0), ("training-complexity", 0.5)],
    "data-small": [("data-need", 1.0)],
    "latency-critical": [("generation-speed", 1.0)],
}
CONSTRAINT_MOOT = {"compute-large": {"compute-need"}, "data-large": {"data-need"}}
# A constraint whose cost another one takes away: with a pre-trained model to fine-tune, a small compute budget
# weighs no family's training cost (source 002's decision tree sends "Small Compute Available" with pre-trained
# models to fine-tuning a diffusion model, the most compute-hungry family).
WAIVED_BY = {"compute-small": "pretrained-available"}


@dataclass
class FamilyScore:
    family: str
    score: float = 0.0
    use_case: float = 0.0
    property: float = 0.0
    rule: float = 0.0
    use_case_claims: dict[str, list[ClaimRef]] = field(default_factory=dict)
    property_fit: dict[str, tuple[float, int, float]] = field(default_factory=dict)  # prop -> (rank, n, contribution)
    rules: list[Rule] = field(default_factory=list)


def property_weights(needs: Needs) -> dict[str, float]:
    weights = dict(needs.priorities)
    for constraint in sorted(needs.constraints):
        if WAIVED_BY.get(constraint) in needs.constraints:
            continue
        for prop, weight in CONSTRAINT_WEIGHTS.get(constraint, []):
            weights[prop] = max(weights.get(prop, 0.0), weight)
        for prop in CONSTRAINT_MOOT.get(constraint, set()):
            weights.pop(prop, None)
    for prop in needs.indifferent:
        weights.pop(prop, None)
    return weights


def _support(index: KnowledgeIndex, family: str, uc: str, needs: Needs) -> tuple[float, list[ClaimRef]]:
    """How many sources name the family for the use case (a claim stated as a rule's condition, "If output
    quality is a priority (e.g., text, images)", only where that rule holds for the need), and their claims."""
    claims = [c for c in index.suited.get(family, {}).get(uc, [])
              if c.id not in index.conditional or rule_matches(index.conditional[c.id], needs)]
    direct = {c.doc for c in claims if not c.via_model}
    via_model = {c.doc for c in claims if c.via_model} - direct
    return min(3.0, len(direct) + 0.5 * len(via_model)) / 3.0, claims


def off_modality(index: KnowledgeIndex, needs: Needs, family: str) -> bool:
    """The need's main kind of data (3D, audio, ...; photos *of* a scene are input, not what is asked) is one no
    source names the family for."""
    best = max(needs.modalities.values(), default=0.0)
    asked = {m for m, score in needs.modalities.items() if score > 0 and score >= best - 0.1}
    if not asked:
        return False
    return not asked & index.family_modalities.get(family, set())


def use_case_weights(needs: Needs) -> dict[str, float]:
    """Sharpened weights: the best-matching use case counts most, close seconds still count."""
    best = max(needs.use_cases.values(), default=0.0)
    return {uc: math.exp((score - best) / SHARPNESS) for uc, score in needs.use_cases.items()}


def _use_case_score(index: KnowledgeIndex, needs: Needs, fs: FamilyScore) -> None:
    weights = use_case_weights(needs)
    total = sum(weights.values()) or 1.0
    for uc, weight in weights.items():
        support, claims = _support(index, fs.family, uc, needs)
        if claims:
            fs.use_case_claims[uc] = claims
            fs.use_case += weight * (0.4 + 0.6 * support) / total
        if index.unsuited.get(fs.family, {}).get(uc):
            # a named variant that extends the family to the use case ("Dynamic NeRFs") halves the doubt
            extended = any(c.via_model for c in claims)
            fs.use_case -= UNSUITED_PENALTY * (0.5 if extended else 1.0) * weight / total


def _property_score(index: KnowledgeIndex, weights: dict[str, float], fs: FamilyScore) -> None:
    total = sum(weights.values()) or 1.0
    for prop, weight in weights.items():
        consensus = index.consensus(fs.family, prop)
        if consensus is None:
            fs.property += -0.15 * weight / total        # no source speaks to it: a small doubt
            continue
        rank, sources = consensus
        fit = (rank - 3.0) / 2.0
        if not index.properties[prop].higher_is_better:
            fit = -fit
        confidence = min(1.0, 0.6 + 0.2 * sources)
        contribution = weight * fit * confidence / total
        fs.property += contribution
        fs.property_fit[prop] = (rank, sources, contribution)


def rule_matches(rule: Rule, needs: Needs) -> bool:
    """All of a rule's conditions hold for these needs (use cases and modalities: any of them)."""
    c = rule.conditions
    if not c.get("constraints", set()) <= needs.constraints:
        return False
    if not c.get("priorities", set()) <= (set(needs.priorities) | _implied_priorities(needs)):
        return False
    if not c.get("indifferent", set()) <= needs.indifferent:
        return False
    if c.get("use_cases") and not (rule.use_cases_held or c["use_cases"]) & set(needs.use_cases):
        return False
    if c.get("modalities") and not c["modalities"] & set(needs.modalities):
        return False
    return any(c.values())


def _implied_priorities(needs: Needs) -> set[str]:
    return {p for con in needs.constraints for p, _ in CONSTRAINT_WEIGHTS.get(con, [])}


def _rule_score(index: KnowledgeIndex, needs: Needs, fs: FamilyScore) -> None:
    weights = use_case_weights(needs)
    # a rule for a family no source names for any of the use cases asked counts little (a decision guide's
    # rule about image models says nothing about text summarisation), unless it is a rule on resources
    # alone whose every condition the need states, three or more (002: "If No Pre-Trained Models Exist:
    # Small Data, Small Compute → Train a VAE" for anyone with little data and compute and no model)
    off_task = bool(needs.use_cases) and fs.use_case <= 0
    for rule in index.rules:
        if rule.family == fs.family and rule_matches(rule, needs):
            specificity = sum(len(v) > 0 for v in rule.conditions.values())
            # a rule about a use case counts as much as that use case was meant
            held = rule.use_cases_held or rule.conditions.get("use_cases", set())
            meant = max((weights[u] for u in held if u in weights), default=1.0)
            fs.rules.append(rule)
            fs.rule += (0.5 + 0.25 * specificity) * meant * (OFF_TASK_RULE if off_task and
                                                             not _exact_resource_rule(rule) else 1.0)
    fs.rule = min(fs.rule, 2.0)


def _credit_rule_constraints(fs: FamilyScore) -> None:
    """A source's rule that holds and names a constraint ("Small Compute Available → Fine-Tune a Diffusion
    Model" when a pre-trained model exists) has weighed that constraint for its family: the family's ratings
    on what the constraint is about (compute need) do not count against it again."""
    covered = {p for rule in fs.rules for con in rule.conditions.get("constraints", set())
               for p, _ in CONSTRAINT_WEIGHTS.get(con, [])}
    for prop in covered:
        rank, sources, contribution = fs.property_fit.get(prop, (0.0, 0, 0.0))
        if contribution < 0:
            fs.property -= contribution
            fs.property_fit[prop] = (rank, sources, 0.0)


def _exact_resource_rule(rule) -> bool:
    c = rule.conditions
    return not (c.get("use_cases") or c.get("modalities")) and len(c.get("constraints", set())) >= 3


def score_families(index: KnowledgeIndex, needs: Needs) -> list[FamilyScore]:
    """Every family scored and ranked (best first; ties broken by family id)."""
    weights = property_weights(needs)
    scores = []
    for family in index.families:
        fs = FamilyScore(family)
        _use_case_score(index, needs, fs)
        _property_score(index, weights, fs)
        _rule_score(index, needs, fs)
        _credit_rule_constraints(fs)
        if fs.use_case <= 0 < fs.property and off_modality(index, needs, family):
            fs.property *= OFF_MODALITY     # fast GANs do not win a 3D-scene need on speed alone
        fs.score = W_USE_CASE * fs.use_case + W_PROPERTY * fs.property + W_RULE * fs.rule
        if family in needs.avoid:
            fs.score -= AVOID_PENALTY
        if not needs.use_cases and not weights and not fs.rules:
            fs.score = 0.0
        scores.append(fs)
    return sorted(scores, key=lambda s: (-round(s.score, 9), s.family))
