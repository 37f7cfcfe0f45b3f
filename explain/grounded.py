"""The grounded explainer: 3-8 plain sentences built from the evidence alone, each one cited.

Every sentence names one family and, where it speaks of a property or use case, only cites
claims about that family and that property or use case. The wording varies with the evidence
(how many sources agree, whether a rule of a source applies, how strong a level is).
"""
from __future__ import annotations

import hashlib

from kg.index import KnowledgeIndex


class Citations:
    """Numbers citations in order of first use; the same claim keeps its number."""

    def __init__(self, index: KnowledgeIndex):
        self.index = index
        self.items: list[dict] = []
        self.by_claim: dict[str, int] = {}

    def add(self, citation: dict) -> int:
        claim = citation["claim"]
        if claim not in self.by_claim:
            from kg.corpus import load_corpus
            doc = load_corpus().get(citation["doc"])
            self.items.append({"n": len(self.items) + 1, **citation,
                               "title": doc.title if doc else "", "url": doc.url if doc else ""})
            self.by_claim[claim] = len(self.items)
        return self.by_claim[claim]


def _pick(options: list[str], *keys: str) -> str:
    digest = hashlib.sha256("|".join(keys).encode()).digest()
    return options[digest[0] % len(options)]


def _sentence(text: str, citations: list[dict], cites: Citations, family: str, *, prop: str = "",
              use_case: str = "", kind: str = "") -> dict:
    numbers = [cites.add(c) for c in citations]
    return {"text": text, "citations": numbers, "family": family, "property": prop,
            "use_case": use_case, "kind": kind}


def _sources(n: int) -> str:
    return "one source" if n == 1 else f"{n} sources" if n < 5 else "all five sources"


def _opening(rec: dict, answer: dict, cites: Citations) -> list[dict]:
    label, fam = rec["family"], rec["id"]
    out = []
    rules = [r for r in rec["reasons"] if r["kind"] == "rule"]
    uses = [r for r in rec["reasons"] if r["kind"] == "use_case"]
    if uses:
        first = uses[0]
        uc_label = first["text"].split(" is named for ", 1)[1].rsplit(" by ", 1)[0]
        n = len({c["doc"] for c in first["citations"]})
        text = _pick([f"Use {label}: {_sources(n)} name{'s' if n == 1 else ''} it for {uc_label}.",
                      f"{label} is the best fit here, and {_sources(n)} name{'s' if n == 1 else ''} it for {uc_label}.",
                      f"Go with {label}; {_sources(n)} cite{'s' if n == 1 else ''} it for {uc_label}."],
                     answer["question"], label)
        uc_id = next((u for u, c in _use_case_ids(rec)), "")
        out.append(_sentence(text, first["citations"], cites, fam, use_case=uc_id, kind="use_case"))
    for rule in rules[:2]:
        doc = rule["citations"][0]["doc"][:3]
        quote = rule["citations"][0]["quote"].strip(" -•")
        lead = "" if out else f"Use {label}. "
        out.append(_sentence(f"{lead}Source {doc} gives this rule for the situation: “{quote}”.",
                             rule["citations"], cites, fam, kind="rule"))
    return out


def _use_case_ids(rec: dict):
    for reason in rec["reasons"]:
        if reason["kind"] == "use_case":
            yield reason.get("use_case", ""), reason


def _properties(rec: dict, answer: dict, cites: Citations, index: KnowledgeIndex) -> list[dict]:
    out = []
    for reason in [r for r in rec["reasons"] if r["kind"] == "property"][:2]:
        prop = reason.get("property", "")
        words = reason["text"][len("Its "):]
        n = len({c["doc"] for c in reason["citations"]})
        text = _pick([f"That matters for what you asked: its {words}.",
                      f"On what you care about, its {words}.",
                      f"Its {words}, which is what you asked for."], rec["family"], prop)
        text = text.replace(f"({n} sources)", f"by {_sources(n)}").replace("(1 source)", "by one source")
        out.append(_sentence(text, reason["citations"], cites, rec["id"], prop=prop, kind="property"))
    return out


def _tradeoffs(rec: dict, cites: Citations) -> list[dict]:
    out = []
    for trade in rec["tradeoffs"][:2 if rec["tradeoffs"] and rec["tradeoffs"][0]["relevant"] else 1]:
        text = _pick([f"The trade-off to accept: its {trade['text']}.",
                      f"Expect a cost: its {trade['text']}.",
                      f"Be aware that its {trade['text']}."], rec["family"], trade["property"])
        out.append(_sentence(text, trade["citations"], cites, rec["id"], prop=trade.get("property_id", ""),
                             kind="tradeoff"))
    return out


def _runner_up(answer: dict, cites: Citations, index: KnowledgeIndex) -> list[dict]:
    recs = answer["recommendations"]
    if len(recs) < 2:
        return []
    runner = recs[1]
    change = next((c for c in answer.get("what_would_change", []) if c["family"] == runner["family"]), None)
    reason = next((r for r in runner["reasons"] if r["kind"] in ("property", "rule", "use_case")), None)
    specific = change_reason(change, runner["id"], index) if change else None
    if specific:
        reason = specific
    else:
        change = None
    if reason is None:
        return []
    if change:
        text = f"Pick {runner['family']} instead {change['change']}: {_lower(reason['text'])}."
    else:
        text = f"{runner['family']} is the runner-up: {_lower(reason['text'])}."
    return [_sentence(text, reason["citations"], cites, runner["id"], prop=reason.get("property", ""),
                      use_case=reason.get("use_case", ""), kind=reason["kind"])]


def change_reason(change: dict, family: str, index: KnowledgeIndex) -> dict | None:
    """Evidence that the change favours the family: a rule of a source, or a favourable rating."""
    from kg.recommend import cite_claims, level_phrase
    from kg.scoring import CONSTRAINT_WEIGHTS

    constraint = change.get("constraint", "")
    for rule in index.rules:
        if rule.family == family and constraint and constraint in rule.conditions.get("constraints", set()):
            quote = rule.claim.quote.strip(" -•")
            return {"kind": "rule", "citations": [rule.claim.citation()],
                    "text": f"source {rule.claim.doc[:3]} says “{quote}”"}
    prop = change.get("property") or next((p for p, _ in CONSTRAINT_WEIGHTS.get(constraint, [])), "")
    consensus = index.consensus(family, prop) if prop else None
    if not consensus:
        return None
    rank, n = consensus
    favourable = rank >= 3.5 if index.properties[prop].higher_is_better else rank <= 2.5
    if not favourable:
        return None
    citations = cite_claims(index.level_claims[family][prop])
    return {"kind": "property", "property": prop, "citations": citations,
            "text": f"its {index.properties[prop].label} is rated {level_phrase(index, citations)} by {_sources(n)}"}


def _lower(text: str) -> str:
    text = text.replace("Its ", "its ", 1) if text.startswith("Its ") else text
    return text.replace("(1 source)", "(one source)")


def _conflicts(rec: dict, cites: Citations, index: KnowledgeIndex) -> list[dict]:
    out = []
    for conflict in rec["conflicts"][:1]:
        sides = {}
        for c in conflict["citations"]:
            claim = index.claims[c["claim"]]
            sides.setdefault((c["doc"][:3], index.levels[claim.rank]), c)
        parts = [f"{doc} rates it {level}" for doc, level in sides]
        text = (f"The sources disagree on {rec['family']}'s {conflict['property']}: "
                + ", ".join(parts[:-1]) + f" while {parts[-1]}." if len(parts) > 1 else "")
        if text:
            out.append(_sentence(text, list(sides.values()), cites, rec["id"],
                                 prop=conflict.get("property_id", ""), kind="conflict"))
    return out


def _more(rec: dict, cites: Citations, index: KnowledgeIndex, wanted: int) -> list[dict]:
    """When the evidence for the need is thin: further use cases, then how the family works."""
    out = []
    for reason in [r for r in rec["reasons"] if r["kind"] == "use_case"][1:1 + wanted]:
        out.append(_sentence(f"It is also {reason['text'].split(' is ', 1)[1]}.", reason["citations"], cites,
                             rec["id"], use_case=reason.get("use_case", ""), kind="use_case"))
    mechanisms = sorted((c for c in index.claims.values() if c.family == rec["id"] and not c.via_model
                         and c.predicate == "mechanism" and len(c.quote) > 40), key=lambda c: (c.doc, c.start))
    for claim in mechanisms[:max(0, wanted - len(out))]:
        quote = claim.quote.strip(" -•")
        out.append(_sentence(f"How it works, in source {claim.doc[:3]}'s words: “{quote}”", [claim.citation()],
                             cites, rec["id"], kind="mechanism"))
    return out


def _with_markers(sentence: dict) -> str:
    """The sentence with its citation markers before its final punctuation."""
    text = sentence["text"]
    markers = "".join(f"[{n}]" for n in sentence["citations"])
    if text and text[-1] in ".!?":
        return f"{text[:-1]} {markers}{text[-1]}"
    return f"{text} {markers}"


def explain_answer(answer: dict, index: KnowledgeIndex) -> dict:
    """The grounded explanation of an answer from kg.recommend."""
    cites = Citations(index)
    if answer.get("declined"):
        text = f"I can't recommend a generative model family for this: {answer.get('decline_reason', '')}."
        return {"text": text, "sentences": [{"text": text, "citations": [], "kind": "decline"}],
                "citations": [], "backend": "grounded", "note": ""}
    rec = answer["recommendations"][0]
    sentences = _opening(rec, answer, cites)
    sentences += _properties(rec, answer, cites, index)
    sentences += _tradeoffs(rec, cites)
    sentences += _runner_up(answer, cites, index)
    sentences += _conflicts(rec, cites, index)
    sentences = [s for s in sentences if s["citations"]]
    if len(sentences) < 3:
        sentences += _more(rec, cites, index, 3 - len(sentences))
    sentences = sentences[:8]
    if sentences and rec["family"] not in sentences[0]["text"]:
        first = sentences[0]["text"]
        sentences[0]["text"] = f"Use {rec['family']}: {first[0].lower()}{first[1:]}"
    text = " ".join(_with_markers(s) for s in sentences)
    return {"text": text, "sentences": sentences, "citations": cites.items, "backend": "grounded", "note": ""}


__all__ = ["explain_answer"]
