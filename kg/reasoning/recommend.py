"""recommend(): a question (and optional explicit constraints) -> ranked families with cited reasons."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg import paths
from kg.errors import QuestionError
from kg.index import FAMILY_LABELS, ClaimRef, KnowledgeIndex, build_index
from kg.needs import MAX_QUESTION_CHARS, Needs, check_question, map_needs
from kg.scoring import FamilyScore, property_weights, rule_matches, score_families

TOP_N = 3
CHOICES = {"compute": ("small", "large"), "data": ("small", "large"), "pretrained": ("yes", "no")}


@dataclass
class Engine:
    """The loaded graph view, index and matcher; reuse it for warm calls."""
    index: KnowledgeIndex
    matcher: object

    @classmethod
    def load(cls, build_dir: Path | None = None) -> "Engine":
        """The engine over build_dir's outputs; with no folder given, over the default one, rebuilt
        first when missing or older than its sources. Raises BuildMissing when they are unusable."""
        from kg.embedding import Embedder
        from kg.matcher import Matcher
        from kg.store import is_current

        folder = build_dir or paths.build_dir()
        if not is_current(folder) and build_dir is None:
            import kg
            kg.build_graph(folder)
        index = load_index(folder)
        return cls(index, Matcher(index, Embedder(), folder))


def load_index(folder: Path) -> KnowledgeIndex:
    """The index over folder's network view (checked against its manifest)."""
    from kg.errors import BuildMissing
    from kg.network import load_networkx
    from kg.store import NETWORK_JSON, REBUILD, read_output

    data = read_output(NETWORK_JSON, folder)
    try:
        return build_index(load_networkx(data))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:  # malformed JSON, wrong shape
        raise BuildMissing(f"the built network view is corrupt ({type(exc).__name__}); {REBUILD}",
                           file=str(folder / NETWORK_JSON)) from None


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    return Engine.load()


def cite_claims(claims: list[ClaimRef], limit: int = 3) -> list[dict]:
    """Citations, one per document first, then more from the same documents."""
    seen, first, rest = set(), [], []
    for claim in sorted(claims, key=lambda c: (c.via_model != "", c.doc, c.start)):
        (rest if claim.doc in seen else first).append(claim)
        seen.add(claim.doc)
    return [c.citation() for c in (first + rest)[:limit]]


def level_word(index: KnowledgeIndex, rank: float) -> str:
    return index.levels.get(int(rank + 0.5), "moderate")


def level_phrase(index: KnowledgeIndex, citations: list[dict]) -> str:
    """The levels the cited claims give: one word when they agree, a range when they do not."""
    ranks = sorted({index.claims[c["claim"]].rank for c in citations if c["claim"] in index.claims})
    if not ranks:
        return "unrated"
    if len(ranks) == 1:
        return index.levels[ranks[0]]
    return f"between {index.levels[ranks[0]]} and {index.levels[ranks[-1]]}"


def _reasons(index: KnowledgeIndex, needs: Needs, fs: FamilyScore) -> list[dict]:
    label = FAMILY_LABELS[fs.family]
    reasons = []
    for rule in fs.rules:
        reasons.append({"kind": "rule", "text": f"Source {rule.claim.doc[:3]} recommends {label} in this "
                        f"situation (action: {rule.action})", "citations": [rule.claim.citation()]})
    for uc, claims in sorted(fs.use_case_claims.items(), key=lambda kv: -needs.use_cases.get(kv[0], 0)):
        docs = sorted({c.doc[:3] for c in claims})
        reasons.append({"kind": "use_case", "use_case": uc, "text": f"{label} is named for "
                        f"{index.use_cases[uc].label} by {len(docs)} source{'s' if len(docs) > 1 else ''}",
                        "citations": cite_claims(claims)})
    weights = property_weights(needs)
    for prop, (rank, sources, contribution) in sorted(fs.property_fit.items(), key=lambda kv: -kv[1][2]):
        if contribution <= 0 or prop not in weights:
            continue
        citations = cite_claims(index.level_claims[fs.family][prop])
        reasons.append({"kind": "property", "property": prop, "text": f"Its {index.properties[prop].label} is rated "
                        f"{level_phrase(index, citations)} ({sources} source{'s' if sources > 1 else ''})",
                        "citations": citations})
    return reasons


def tradeoffs_for(index: KnowledgeIndex, needs: Needs, family: str, limit: int = 3) -> list[dict]:
    relevant = set(property_weights(needs))
    out = []
    for prop, claims in index.level_claims.get(family, {}).items():
        consensus = index.consensus(family, prop)
        rank = consensus[0]
        bad = rank <= 2.5 if index.properties[prop].higher_is_better else rank >= 3.5
        if bad:
            out.append((prop in relevant, consensus[1], prop, claims, rank))
    out.sort(key=lambda t: (not t[0], -t[1], t[2]))
    result = []
    for rel, _, prop, claims, rank in out[:limit]:
        citations = cite_claims(claims, 2)
        result.append({"property": index.properties[prop].label, "property_id": prop,
                       "level": level_word(index, rank), "relevant": rel, "citations": citations,
                       "text": f"{index.properties[prop].label} is rated {level_phrase(index, citations)}"})
    return result


def _conflicts(index: KnowledgeIndex, needs: Needs, family: str) -> list[dict]:
    relevant = set(property_weights(needs)) | {p for p, c in index.level_claims.get(family, {}).items()}
    out = []
    for (fam, prop), conflict in sorted(index.conflicts.items()):
        if fam == family and prop in relevant:
            out.append({"property": index.properties[prop].label, "property_id": prop,
                        "summary": conflict["summary"],
                        "relevant": prop in property_weights(needs),
                        "citations": [c.citation() for c in conflict["sides"]]})
    out.sort(key=lambda c: not c["relevant"])
    return out


def _variations(needs: Needs, index: KnowledgeIndex) -> list[tuple[str, Needs, dict]]:
    """Single changes to the stated constraints and priorities, each with its description."""
    pairs = [("compute-small", "compute-large"), ("data-small", "data-large"),
             ("pretrained-available", "pretrained-unavailable")]
    out = []
    for a, b in pairs:
        for have, other in ((a, b), (b, a)):
            if have in needs.constraints or other not in needs.constraints:
                changed = copy.deepcopy(needs)
                changed.constraints.discard(other)
                changed.constraints.add(have)
                if changed.constraints != needs.constraints:
                    out.append((f"if you had a {index.constraints[have].label}", changed, {"constraint": have}))
    for prop in ("sample-quality", "generation-speed", "training-stability", "diversity", "controllability",
                 "interpretability", "exact-likelihood", "latent-smoothness"):
        changed = copy.deepcopy(needs)
        if prop in needs.priorities:
            changed.priorities.pop(prop)
            desc = f"if {index.properties[prop].label} did not matter"
        else:
            changed.priorities[prop] = 1.5
            changed.indifferent.discard(prop)
            desc = f"if {index.properties[prop].label} were your top priority"
        out.append((desc, changed, {"property": prop}))
    return out


def _what_would_change(index: KnowledgeIndex, needs: Needs, top: str) -> list[dict]:
    changes = []
    for desc, changed, what in _variations(needs, index):
        ranked = score_families(index, changed)
        if ranked[0].family != top and ranked[0].score > 0:
            changes.append({"change": desc, "family": FAMILY_LABELS[ranked[0].family], "id": ranked[0].family,
                            "score": round(ranked[0].score, 3), **what})
    return changes[:5]


def _recommendation(index: KnowledgeIndex, needs: Needs, fs: FamilyScore) -> dict:
    return {"family": FAMILY_LABELS[fs.family], "id": fs.family, "score": round(fs.score, 3),
            "components": {"use_case": round(fs.use_case, 3), "property": round(fs.property, 3),
                           "rule": round(fs.rule, 3)},
            "reasons": _reasons(index, needs, fs), "tradeoffs": tradeoffs_for(index, needs, fs.family),
            "conflicts": _conflicts(index, needs, fs.family)}


def apply_overrides(needs: Needs, index: KnowledgeIndex, matcher, *, task: str | None = None,
                    compute: str | None = None, data: str | None = None, pretrained: str | None = None,
                    priorities: list[str] | None = None) -> Needs:
    """Explicit choices win over what the text implies."""
    for name, value in (("compute", compute), ("data", data), ("pretrained", pretrained)):
        if value is None:
            continue
        if value not in CHOICES[name]:
            raise QuestionError(f"--{name} must be one of {', '.join(CHOICES[name])}, not {value!r}")
        ids = {"compute": ("compute-small", "compute-large"), "data": ("data-small", "data-large"),
               "pretrained": ("pretrained-available", "pretrained-unavailable")}[name]
        needs.constraints -= set(ids)
        needs.constraints.add(ids[CHOICES[name].index(value)])
    for wanted in priorities or []:
        prop = _resolve_property(check_option("priority", wanted), index, matcher)
        needs.priorities[prop] = 1.5
        needs.indifferent.discard(prop)
    if task:
        scores = matcher.score([check_option("task", task)], "use_case")
        best = max(scores, key=scores.get)
        needs.use_cases = {best: 1.0}
    if task or compute or data or pretrained or priorities:
        needs.declined, needs.decline_reason = False, ""
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


def recommend(question: str, *, task: str | None = None, compute: str | None = None,
              data: str | None = None, pretrained: str | None = None,
              priorities: list[str] | None = None, engine: Engine | None = None,
              alternatives: bool = True) -> dict:
    """Map the question to needs, rank the families and return the answer with its evidence."""
    engine = engine or default_engine()
    index = engine.index
    needs = map_needs(question, index, engine.matcher)
    needs = apply_overrides(needs, index, engine.matcher, task=task, compute=compute, data=data,
                            pretrained=pretrained, priorities=priorities)
    answer = {"question": needs.question, "declined": needs.declined, "decline_reason": needs.decline_reason,
              "needs": needs.as_list(index), "recommendations": [], "runner_up": None,
              "what_would_change": []}
    if needs.declined:
        return answer
    ranked = [fs for fs in score_families(index, needs) if fs.score > 0]
    if not ranked:
        answer["declined"] = True
        answer["decline_reason"] = "no source says anything about the needs found in this question"
        return answer
    answer["recommendations"] = [_recommendation(index, needs, fs) for fs in ranked[:TOP_N]]
    if len(ranked) > 1:
        answer["runner_up"] = FAMILY_LABELS[ranked[1].family]
    if alternatives:
        answer["what_would_change"] = _what_would_change(index, needs, ranked[0].family)
    return answer


__all__ = ["recommend", "Engine", "default_engine", "rule_matches", "cite_claims", "level_word", "level_phrase",
           "tradeoffs_for"]
