"""The grounded explainer: 3-8 plain sentences built from the Answer's typed evidence, each one cited.

Every sentence names one family and, where it speaks of a property or use case, only cites claims
about that family and that property or use case. The wording varies with the evidence (how many
sources agree, whether a rule of a source applies, how strong a level is).
"""
from __future__ import annotations

import hashlib

from explain.explanation import Citations, Explanation, Sentence
from kg.reasoning.answer import (
    Answer,
    Counterfactual,
    PropertyFit,
    Recommendation,
    RuleMatch,
    UseCaseSupport,
    documents_of,
)
from kg.reasoning.index import FAMILY_LABELS, KnowledgeIndex
from kg.reasoning.recommend import conditions_phrase, levels_of, pick_claims, rating_band
from kg.reasoning.scoring import CONSTRAINT_WEIGHTS, property_weights, rule_matches
from kg.sources.corpus import Document, short_id


def _pick(options: list[str], *keys: str) -> str:
    digest = hashlib.sha256("|".join(keys).encode()).digest()
    return options[digest[0] % len(options)]


def sources_phrase(n: int) -> str:
    return "one source" if n == 1 else f"{n} sources" if n < 5 else "all five sources"


def _plural(n: int) -> str:
    return f"{n} source{'s' if n > 1 else ''}"


def _say(text: str, claims, cites: Citations, family: str, *, prop: str = "", use_case: str = "",
         kind: str = "", counts: int = 0) -> Sentence:
    """A sentence citing claims; `counts` is how many sources its words say agree (the contract: it cites
    a claim from exactly that many documents, see explain.check)."""
    return Sentence(text, cites.marks(claims), family, prop, use_case, kind, counts)


def quoted(claim) -> str:
    """A claim's quote in quotation marks, led by its context when the quote needs one to stand alone
    ("Decision Guide · For Text Generation: “Transformers (GPT, T5, LLaMA)”")."""
    quote = f"“{claim.quote.strip(' -•')}”"
    return f"{claim.context}: {quote}" if getattr(claim, "context", "") else quote


def uses_in_order(rec: Recommendation, needs) -> list[UseCaseSupport]:
    """The use cases the family is named for, the most on-point first: among those matched about as well as the
    best, one of a kind of data (super-resolution) before a generic one (high-fidelity generation), then the one
    more sources name."""
    uses = rec.reasons_of(UseCaseSupport)
    best = max((needs.use_cases.get(u.use_case, 0.0) for u in uses), default=0.0)

    def key(use):
        score = needs.use_cases.get(use.use_case, 0.0)
        generic = not any(c.obj for c in use.claims) or use.use_case in GENERIC_USE_CASES
        return score < best - NEAR_BEST, generic, -len(use.documents), -score
    return sorted(uses, key=key)


# use cases that name no kind of data or task of their own: a family named for them says less than one named
# for what was asked ("super-resolution" says more to someone upscaling photos than "high-fidelity generation")
GENERIC_USE_CASES = {"high-fidelity-generation", "conditional-generation", "research", "representation-learning"}
NEAR_BEST = 0.05


def rules_to_quote(rec: Recommendation, needs) -> list[RuleMatch]:
    """The decision rules to quote: those about the task asked first; one that holds only through a kind of data
    the need names in passing (002's "(e.g., text, images)" for text to speech) is left out."""
    best = max(needs.modalities.values(), default=0.0)
    main = {m for m, score in needs.modalities.items() if score >= best - NEAR_BEST}
    rules = [r for r in rec.reasons_of(RuleMatch) if r.decision
             and (not r.conditions.get("modalities") or not main or r.conditions["modalities"] & main)]
    return sorted(rules, key=lambda r: not r.conditions.get("use_cases"))


def _span(claim) -> tuple[str, int, int]:
    return claim.doc, claim.start, claim.end


def sole_family(index: KnowledgeIndex, family: str, use_case: str) -> bool:
    """No source names any other family for the use case (only Autoregressive for speech synthesis)."""
    return {f for f, uses in index.suited.items() if uses.get(use_case)} == {family}


def _opening(rec: Recommendation, answer: Answer, cites: Citations, index: KnowledgeIndex) -> list[Sentence]:
    label, out = rec.label, []
    uses, rules = uses_in_order(rec, answer.needs), rules_to_quote(rec, answer.needs)[:2]
    ruled = {_span(r.claim) for r in rules}
    if uses and not {_span(c) for c in uses[0].claims} <= ruled:    # not the rule's own words said twice
        first, n = uses[0], len(uses[0].documents)
        s = "s" if n == 1 else ""
        text = _pick([f"Use {label}: {sources_phrase(n)} name{s} it for {first.label}.",
                      f"{label} is the best fit here, and {sources_phrase(n)} name{s} it for {first.label}.",
                      f"Go with {label}; {sources_phrase(n)} cite{s} it for {first.label}."],
                     answer.question, label)
        if sole_family(index, rec.family, first.use_case):   # why nothing else is offered, whatever its costs
            does = "does" if n == 1 else "do"
            text = f"Use {label}, the only family the sources name for {first.label} ({sources_phrase(n)} {does})."
        out.append(_say(text, first.claims, cites, rec.family, use_case=first.use_case, kind="use_case", counts=n))
    for rule in rules:
        if rule.claim.id in cites.by_claim or _span(rule.claim) in cites.by_span:
            continue
        lead = "" if out else f"Use {label}. "
        source = short_id(rule.claim.doc)
        out.append(_say(f"{lead}Source {source} gives this rule for the situation: {quoted(rule.claim)}.",
                        rule.claims, cites, rec.family, kind="rule"))
    return out


def _rated(label: str, claims, index: KnowledgeIndex) -> tuple[str, bool]:
    """'sample quality is rated high', and whether the words name their one source: one document giving two
    levels is of two minds, not a range ('rated low in one place and moderate in another by source 004')."""
    levels = levels_of(index, claims)
    if len(documents_of(claims)) == 1 and levels.low != levels.high:
        return f"{label} is rated {by_source(claims, index)}", True
    return f"{label} is rated {levels.phrase()}", False


def _rating(fit: PropertyFit, claims, index: KnowledgeIndex) -> str:
    """'sample quality is rated high by 3 sources' (the count is the documents cited when they are all)."""
    words, sourced = _rated(fit.label, claims, index)
    if sourced:
        return words
    n = len(documents_of(claims))
    return f"{words} by {sources_phrase(n)}" if fit.sources == n else f"{words} ({_plural(fit.sources)})"


def _fresh(claims, others, cites: Citations) -> list:
    """The claims, each one whose quote is cited already for something else swapped for another claim of the
    same document on the same property when there is one (the same documents, new words)."""
    out = []
    for claim in claims:
        if _span(claim) in cites.by_span:
            claim = next((o for o in others if o.doc == claim.doc and not o.via_model and o not in out
                          and o not in claims and _span(o) not in cites.by_span), claim)
        out.append(claim)
    return out


def by_source(claims, index: KnowledgeIndex) -> str:
    """'moderate by source 000 and very high by source 004': the level each cited source gives (where the
    sources disagree, said once, in the sentence that rates the property)."""
    per_doc: dict[str, list[int]] = {}
    for claim in claims:
        per_doc.setdefault(short_id(claim.doc), []).append(claim.rank)
    groups: dict[str, list[str]] = {}
    for doc, ranks in sorted(per_doc.items()):
        levels = [index.levels[r] for r in sorted(set(ranks)) if r]
        said = levels[0] if len(levels) == 1 else f"{levels[0]} in one place and {levels[-1]} in another"
        groups.setdefault(said, []).append(doc)
    parts = [f"{said} by source{'s' if len(docs) > 1 else ''} {_and(docs)}" for said, docs in groups.items()]
    return _and(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _merged(claims, conflict) -> list:
    """The claims a rating sentence cites, with the sides of the disagreement it states."""
    return list({c.id: c for c in [*claims, *conflict.sides]}.values())


def _properties(rec: Recommendation, cites: Citations, index: KnowledgeIndex, needs,
                conflict=None) -> list[Sentence]:
    out = []
    for fit in [f for f in rec.reasons_of(PropertyFit) if f.property not in needs.demoted][:2]:
        claims, counts = _fresh(fit.claims, index.level_claims[rec.family][fit.property], cites), fit.sources
        words = _rating(fit, claims, index)
        if conflict and conflict.property == fit.property:
            claims, counts = _merged(claims, conflict), 0
            words = f"{fit.label} is rated {by_source(claims, index)}"
        given = _constraint_behind(fit.property, needs, index)
        text = f"Given {given}, its {words}." if given else \
            _pick([f"That matters for what you asked: its {words}.",
                   f"On what you care about, its {words}.",
                   f"Its {words}, which is what you asked for."], rec.label, fit.property)
        if fit.property == needs.first:       # the ranking put this property above all else: say so
            text = f"You put {fit.label} first, and {rec.label}'s {words}."
        out.append(_say(text, claims, cites, rec.family, prop=fit.property, kind="property", counts=counts))
    return out


def _constraint_behind(prop: str, needs, index: KnowledgeIndex) -> str:
    """The constraint that makes a property count when the person did not ask for it ("a small compute budget"
    for training complexity), or "" when they asked for it."""
    if prop in needs.priorities:
        return ""
    for constraint in sorted(needs.constraints):
        if any(p == prop for p, _ in CONSTRAINT_WEIGHTS.get(constraint, [])):
            label = index.constraints[constraint].label
            return f"that {label}" if " is " in label or " are " in label else f"a {label}"
    return ""


def shown_tradeoffs(rec: Recommendation, needs) -> list:
    """One trade-off, two when the first is on what the need weighs; one the person said does not matter last."""
    ordered = sorted(rec.tradeoffs, key=lambda t: t.property in needs.indifferent)
    return ordered[:2 if ordered and ordered[0].relevant else 1]


def _tradeoffs(rec: Recommendation, cites: Citations, index: KnowledgeIndex, needs, conflict=None) -> list[Sentence]:
    out = []
    used = set()
    for trade in shown_tradeoffs(rec, needs):
        # a quote cited already for another property ("Difficult to train" for complexity, then stability) is
        # not cited again for this one when the sources give others
        claims = [c for c in trade.claims if _span(c) not in cites.by_span] or trade.claims
        words, _ = _rated(trade.label, claims, index)
        if conflict and conflict.property == trade.property:
            claims = _merged(claims, conflict)
            words = f"{trade.label} is rated {by_source(claims, index)}"
        phrasings = [f"The trade-off to accept: its {words}.", f"Expect a cost: its {words}.",
                     f"Be aware that its {words}."]
        text = _pick([t for t in phrasings if t.split(":")[0][:12] not in used], rec.label, trade.label)
        if trade.property in needs.indifferent:     # not a cost to someone who said it does not matter
            text = f"Its {words}, which you said does not matter."
        used.add(text.split(":")[0][:12])
        out.append(_say(text, claims, cites, rec.family, prop=trade.property, kind="tradeoff"))
    return out


def reason_clause(reason, family_label: str) -> str:
    """A reason as a clause to follow a colon."""
    if isinstance(reason, UseCaseSupport):
        n = len(reason.documents)
        return f"{family_label} is named for {reason.label} by {sources_phrase(n)}"
    if isinstance(reason, PropertyFit):
        count = "one source" if reason.sources == 1 else _plural(reason.sources)
        return f"its {reason.label} is rated {reason.levels.phrase()} ({count})"
    return f"source {short_id(reason.claim.doc)} recommends {family_label} in this situation: {quoted(reason.claim)}"


def change_reason(change: Counterfactual, index: KnowledgeIndex) -> dict | None:
    """Evidence that the change favours its family: a rule of a source, or a favourable rating;
    {kind, claims, property, text} or None when the graph holds none."""
    constraint, family = change.constraint, change.family
    for rule in index.rules:       # the branch of a source's rule that holds once the change is made
        if rule.family == family and constraint and constraint in rule.conditions.get("constraints", set()) \
                and (change.needs is None or rule_matches(rule, change.needs)):
            return {"kind": "rule", "claims": [rule.claim], "property": "",
                    "change": conditions_phrase(index, rule.conditions, constraint) or change.change,
                    "text": f"source {short_id(rule.claim.doc)} says {quoted(rule.claim)}"}
    if change.property and change.needs is not None and change.property not in change.needs.priorities:
        return None                 # "if sample quality did not matter": its rating is no reason for the change
    prop = change.property or next((p for p, _ in CONSTRAINT_WEIGHTS.get(constraint, [])), "")
    consensus = index.consensus(family, prop) if prop else None
    if not consensus:
        return None
    rank, n = consensus
    favourable = rank >= 3.5 if index.properties[prop].higher_is_better else rank <= 2.5
    if not favourable:
        return None
    claims = pick_claims(index.level_claims[family][prop])
    return {"kind": "property", "property": prop, "claims": claims, "counts": n,
            "text": f"its {index.properties[prop].label} is rated {levels_of(index, claims).phrase()} "
                    f"by {sources_phrase(n)}"}


NEAR_TIE = 0.93          # a runner-up scoring at least this share of the first "fits about equally"


def near_tie(answer: Answer) -> bool:
    top, runner = answer.top, answer.runner_up
    return bool(top and runner and top.score > 0 and runner.score >= NEAR_TIE * top.score)


def _edge(answer: Answer, cites: Citations, index: KnowledgeIndex) -> list[Sentence]:
    """For a near-tie: what puts the first ahead, on a property the need weighs, both ratings cited."""
    top, runner = answer.top, answer.runner_up
    weights = property_weights(answer.needs)
    for prop in sorted(weights, key=lambda p: -weights[p]):
        mine, theirs = rating_band(index, top.family, prop), rating_band(index, runner.family, prop)
        if mine and theirs and mine > theirs:
            ours, other = index.level_claims[top.family][prop], index.level_claims[runner.family][prop]
            a, b = pick_claims(ours), pick_claims(other)
            label = index.properties[prop].label
            text = (f"{top.label} and {runner.label} fit this need about equally; {top.label} edges ahead on "
                    f"{label}, rated {levels_of(index, a).phrase()} against {levels_of(index, b).phrase()}.")
            return [Sentence(text, cites.marks(a + b), top.family, prop, kind="near_tie")]
    return []


def _runner_up(answer: Answer, cites: Citations, index: KnowledgeIndex) -> list[Sentence]:
    runner = answer.runner_up
    if runner is None:
        return []
    if near_tie(answer):
        edge = _edge(answer, cites, index)
        if edge:
            return edge
    change = next((c for c in answer.changes if c.family == runner.family), None)
    evidence = change_reason(change, index) if change else None
    if evidence:
        return [_say(f"Pick {runner.label} instead {evidence.get('change', change.change)}: {evidence['text']}.",
                     evidence["claims"],
                     cites, runner.family, prop=evidence["property"], kind=evidence["kind"],
                     counts=evidence.get("counts", 0))]
    reason = next((r for r in runner.reasons if not isinstance(r, RuleMatch) or r.decision), None)
    if reason is None:
        return []
    if isinstance(reason, RuleMatch) and any(d.other.claim.id == reason.claim.id for d in answer.rule_disagreements):
        return []                     # the disagreement between the rules says it, quoting both
    counts = len(reason.documents) if isinstance(reason, UseCaseSupport) else getattr(reason, "sources", 0)
    return [_say(f"{runner.label} is the runner-up: {reason_clause(reason, runner.label)}.", reason.claims, cites,
                 runner.family, prop=getattr(reason, "property", ""), use_case=getattr(reason, "use_case", ""),
                 kind=reason.kind, counts=counts)]


def conflict_to_show(rec: Recommendation, shown: set[str]):
    """The disagreement between sources to state: one that bears on what the person asked or a trade-off shown."""
    return next((c for c in rec.conflicts if c.relevant or c.property in shown), None)


def _conflicts(rec: Recommendation, cites: Citations, index: KnowledgeIndex, chosen) -> list[Sentence]:
    """The disagreement as a sentence of its own (when no rating sentence states it already)."""
    out = []
    for conflict in [chosen] if chosen else []:
        if conflict.kind == "comparison":
            out.append(_comparison_conflict(rec, conflict, cites, index))
            continue
        sides = {}
        for claim in sorted(conflict.sides, key=lambda c: (c.doc, c.rank)):
            sides.setdefault((short_id(claim.doc), index.levels[claim.rank]), claim)
        if conflict.kind == "within-document" and len(sides) > 1:
            (doc, low), (_, high) = list(sides)
            text = (f"Source {doc} is of two minds on {rec.label}'s {conflict.label}: it rates it {low} in one "
                    f"place and {high} in another.")
            out.append(_say(text, list(sides.values()), cites, rec.family, prop=conflict.property, kind="conflict"))
            continue
        parts = [f"{doc} rates it {level}" for doc, level in sides]
        if len(parts) > 1:
            text = (f"The sources disagree on {rec.label}'s {conflict.label}: " + ", ".join(parts[:-1])
                    + f" while {parts[-1]}.")
            out.append(_say(text, list(sides.values()), cites, rec.family, prop=conflict.property, kind="conflict"))
    return out


def _comparison_conflict(rec: Recommendation, conflict, cites: Citations, index: KnowledgeIndex) -> Sentence:
    """'Source 000 says Diffusion is better than GAN on training complexity, while source 004 rates
    Diffusion's very high and GAN's high.' (the comparison, then the other source's two ratings)."""
    said, mine, theirs = conflict.sides[:3]
    other = FAMILY_LABELS.get(conflict.other, conflict.other)
    rated = index.properties[mine.prop].label if mine.prop in index.properties else conflict.label
    text = (f"The sources disagree on how {rec.label} compares with {other}: source {short_id(said.doc)} says it does "
            f"{said.value} on {conflict.label}, while source {short_id(mine.doc)} rates {rec.label}'s {rated} "
            f"{index.levels[mine.rank]} and {other}'s {index.levels[theirs.rank]}.")
    return _say(text, [said, mine, theirs], cites, rec.family, prop=conflict.property, kind="conflict")


def _rule_disagreements(answer: Answer, cites: Citations) -> list[Sentence]:
    """Where two sources' rules both hold and name different families, say so and quote both."""
    out = []
    for d in answer.rule_disagreements[:1]:
        mine, other = d.first.claim, d.other.claim
        text = (f"The sources' rules disagree here: source {short_id(mine.doc)} points to {FAMILY_LABELS[mine.family]} "
                f"({quoted(mine)}) while source {short_id(other.doc)} points to {FAMILY_LABELS[d.other_family]} "
                f"({quoted(other)}).")
        out.append(Sentence(text, cites.marks([mine, other]), "", kind="rule_disagreement"))
    return out


def _more(rec: Recommendation, cites: Citations, index: KnowledgeIndex, wanted: int, needs) -> list[Sentence]:
    """When the evidence for the need is thin: further use cases, then how the family works."""
    out = []
    shown = set(cites.by_claim)
    for use in [u for u in uses_in_order(rec, needs) if not {c.id for c in u.claims} <= shown][:wanted]:
        n = len(use.documents)
        out.append(_say(f"It is also named for {use.label} by {sources_phrase(n)}.", use.claims,
                        cites, rec.family, use_case=use.use_case, kind="use_case", counts=n))
    mechanisms = sorted((c for c in index.claims.values() if c.family == rec.family and not c.via_model
                         and c.predicate == "mechanism" and len(c.quote) > 40), key=lambda c: (c.doc, c.start))
    for claim in mechanisms[:max(0, wanted - len(out))]:
        out.append(_say(f"How it works, in source {short_id(claim.doc)}'s words: “{claim.quote.strip(' -•')}”", [claim],
                        cites, rec.family, kind="mechanism"))
    return out


def decline_explanation(answer: Answer) -> Explanation:
    text = f"I can't recommend a generative model family for this: {answer.decline_reason}."
    return Explanation([Sentence(text, [], kind="decline")], [], text=text)


def explain_answer(answer: Answer, index: KnowledgeIndex, corpus: dict[str, Document]) -> Explanation:
    """The grounded explanation of an answer."""
    if answer.declined:
        return decline_explanation(answer)
    cites, rec = Citations(corpus), answer.top
    tradeoff_props = {t.property for t in shown_tradeoffs(rec, answer.needs)}
    conflict = conflict_to_show(rec, tradeoff_props)
    rated = tradeoff_props | {f.property for f in rec.reasons_of(PropertyFit)[:2]}
    merged = conflict if conflict and conflict.kind != "comparison" and conflict.property in rated else None
    sentences = _opening(rec, answer, cites, index)
    sentences += _properties(rec, cites, index, answer.needs, merged)
    sentences += _tradeoffs(rec, cites, index, answer.needs, merged)
    sentences += _runner_up(answer, cites, index)
    sentences += _rule_disagreements(answer, cites)
    sentences += _conflicts(rec, cites, index, None if merged else conflict)
    sentences = [s for s in sentences if s.citations]
    if len(sentences) < 3:
        sentences += _more(rec, cites, index, 3 - len(sentences), answer.needs)
    sentences = sentences[:8]
    if sentences and (rec.label not in sentences[0].text or sentences[0].kind == "property"):
        first = sentences[0].text
        sentences[0].text = f"Use {rec.label}: {first[0].lower()}{first[1:]}"
    return Explanation(sentences, cites.items)


__all__ = ["explain_answer", "change_reason", "reason_clause", "sources_phrase", "decline_explanation", "near_tie"]
