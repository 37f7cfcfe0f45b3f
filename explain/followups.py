"""Follow-up questions about an answer: why not X, compare X and Y, what would change the answer.

Each returns a turn: {"role": "assistant", "kind", "blocks", "citations", "data", "text"}, where blocks
are headings ("h"), paragraphs ("p": sentences with their citation numbers), tables and small print,
for any front end to render. Every statement about a family is cited.
"""
from __future__ import annotations

from explain.explanation import Citations, tidy
from explain.grounded import change_reason, quoted
from kg.reasoning.answer import Answer, is_decision_rule
from kg.reasoning.index import FAMILY_LABELS
from kg.reasoning.recommend import level_word, pick_claims, tradeoffs_for
from kg.reasoning.scoring import property_weights, rule_matches
from kg.sources.corpus import short_id


def blocks_text(blocks: list[dict]) -> str:
    """The plain text of blocks, citation markers included (for logs, the API and tests)."""
    def plain(sentences) -> str:
        return " ".join(t + (" " + "".join(f"[{n}]" for n in m) if m else "") for t, m in sentences)
    lines = []
    for b in blocks:
        if b["type"] == "table":
            lines += [" | ".join(b["head"])] + [" | ".join(plain([c]) for c in row) for row in b["rows"]]
        else:
            lines.append(plain(b["sentences"]) if b["type"] == "p" else b["text"])
    return "\n".join(lines)


def turn(kind: str, blocks: list[dict], citations: list | None = None, data: dict | None = None) -> dict:
    return {"role": "assistant", "kind": kind, "blocks": blocks, "citations": citations or [], "data": data or {},
            "text": blocks_text(blocks)}


def paragraph(*sentences) -> dict:
    return {"type": "p", "sentences": [s if isinstance(s, tuple) else (s, []) for s in sentences]}


def note(text: str) -> dict:
    return turn("note", [paragraph(text)])


class FollowUps:
    """Follow-ups about one answer (its needs are the answer's own, overrides included)."""

    def __init__(self, kb, answer: Answer | None):
        self.kb, self.index, self.answer = kb, kb.index, answer
        self.cites = Citations(kb.corpus)

    def rated(self, family: str, prop: str) -> tuple[str, list[int]] | None:
        """'high (2 sources)' with citations, from the consensus of the sources that rate it."""
        rank, n = self.index.consensus(family, prop) or (0, 0)
        return (f"{level_word(self.index, rank)} ({n} source{'s' if n > 1 else ''})",
                self.cites.marks(pick_claims(self.index.level_claims[family][prop], 2))) if n else None

    def why_not(self, family: str) -> dict:
        """Why another family is not first: rank, use-case support, the priorities side by side, its costs."""
        index, recs, needs = self.index, self.answer.recommendations, self.answer.needs
        top, label = recs[0], FAMILY_LABELS[family]
        if family == top.family:
            return note(f"{label} is already my first choice for this need; the reasons are above. Ask “what would "
                        "change your answer?” to see what would put another family first.")
        rank = next((i for i, r in enumerate(recs) if r.family == family), None)
        out = [(f"{label} is not among my top {len(recs)} for this need." if len(recs) > 1 else
                f"{label} is not among the families I recommend for this need.") if rank is None else
               f"{label} ranks {rank + 1} of {len(recs)} here, behind {top.label}."]
        for uc in sorted(needs.use_cases, key=lambda u: -needs.use_cases[u])[:2]:
            sentence = self._use_case(family, top, uc)
            if sentence:
                out.append(sentence)
        weights = property_weights(needs)
        for prop in sorted(weights, key=lambda p: -weights[p])[:3]:
            sentence = self._side_by_side(family, top, prop)
            if sentence:
                out.append(sentence)
        costs = [t for t in tradeoffs_for(index, needs, family, 3)
                 if t.property not in weights and t.property not in needs.indifferent][:2]
        for i, trade in enumerate(costs):
            opening = f"A cost of {label}" if i == 0 else "Another cost"
            out.append((f"{opening}: its {trade.label} is rated {trade.levels.phrase()}.",
                        self.cites.marks(trade.claims)))
        for rule in [r for r in index.rules if r.family == top.family and is_decision_rule(r.claim)
                     and rule_matches(r, needs)][:1]:       # a rule that holds in full, not a feature bullet
            out.append((tidy(f"Source {short_id(rule.claim.doc)} recommends {top.label} in this situation: "
                             f"{quoted(rule.claim)}."), self.cites.marks([rule.claim])))
        return turn("why_not", [{"type": "h", "text": f"Why not {label}?"}, paragraph(*out)], self.cites.items,
                    {"family": label})

    def catch(self, family: str) -> dict:
        """The costs of a family for this need ("what's the catch?"): the properties the sources rate it poorly
        on, those the need weighs first, each cited."""
        label = FAMILY_LABELS[family]
        costs = tradeoffs_for(self.index, self.answer.needs, family, 4)
        if not costs:
            return note(f"No source rates {label} poorly on any property.")
        out = [(f"Its {trade.label} is rated {trade.levels.phrase()}"
                + (", which your question cares about." if trade.relevant else "."), self.cites.marks(trade.claims))
               for trade in costs]
        return turn("catch", [{"type": "h", "text": f"The catch with {label}"}, paragraph(*out)], self.cites.items,
                    {"family": label})

    def _use_case(self, family: str, top, uc: str) -> tuple[str, list[int]] | None:
        index, label = self.index, FAMILY_LABELS[family]
        uc_label, bad = index.use_cases[uc].label, index.unsuited[family].get(uc, [])
        mine, theirs = index.suited[family].get(uc, []), index.suited[top.family].get(uc, [])
        n, n_top = len({c.doc for c in mine}), len({c.doc for c in theirs})
        if not (bad or mine or theirs):
            return None
        text = (f"A source says {label} is not suited to {uc_label}." if bad else
                f"{label} is named for {uc_label} by {n} source{'s' if n > 1 else ''}." if mine else
                f"No source names {label} for {uc_label}, while {n_top} name{'s' if n_top == 1 else ''} "
                f"{top.label} for it.")
        return text, self.cites.marks(pick_claims(bad, 2) if bad else pick_claims(mine or theirs))

    def _side_by_side(self, family: str, top, prop: str) -> tuple[str, list[int]] | None:
        label, plabel = FAMILY_LABELS[family], self.index.properties[prop].label
        mine, theirs = self.rated(family, prop), self.rated(top.family, prop)
        if not (mine or theirs):
            return None
        text = (f"On {plabel}, {label} is rated {mine[0]} against {theirs[0]} for {top.label}." if mine and theirs
                else f"No source rates {label}'s {plabel}; {top.label}'s is rated {theirs[0]}." if theirs
                else f"{label}'s {plabel} is rated {mine[0]}.")
        return text, (mine[1] if mine else []) + (theirs[1] if theirs else [])

    def compare(self, families: list[str]) -> dict:
        """Two families side by side over the properties the sources rate (consensus, cited)."""
        index, (a, b) = self.index, families[:2]
        la, lb = FAMILY_LABELS[a], FAMILY_LABELS[b]
        weights = property_weights(self.answer.needs) if self.answer else {}
        props = sorted((p for p in index.properties if index.consensus(a, p) or index.consensus(b, p)),
                       key=lambda p: (-weights.get(p, 0), index.properties[p].label))
        rows, better = [], {la: [], lb: []}
        for prop in props[:12]:
            concept, cells = index.properties[prop], []
            for fam in (a, b):
                text, marks = self.rated(fam, prop) or ("not rated", [])
                cells.append((text + ("; sources disagree" if (fam, prop) in index.conflicts else ""), marks))
            rows.append([(concept.label + (" ★" if prop in weights else ""), [])] + cells)
            ca, cb = index.consensus(a, prop), index.consensus(b, prop)
            if ca and cb and abs(ca[0] - cb[0]) >= 1:
                better[la if (ca[0] > cb[0]) == concept.higher_is_better else lb].append(concept.label)
        if not rows:
            return note(f"No source rates {la} or {lb} on any property.")
        intro = (f"{la} and {lb} side by side: each cell is the consensus of the sources that rate it"
                 + ("; ★ marks what your question cares about." if set(weights) & set(props[:12]) else "."))
        summary = [f"{fam} is rated clearly better on {', '.join(v[:4])}." for fam, v in better.items() if v]
        blocks = [{"type": "h", "text": f"{la} vs {lb}"}, paragraph(intro),
                  {"type": "table", "head": ["Property", la, lb], "rows": rows}]
        return turn("compare", blocks + ([paragraph(*summary)] if summary else []), self.cites.items,
                    {"families": [la, lb]})

    def what_would_change(self) -> dict:
        """The single changes that put another family first, each with the evidence that favours it."""
        top = self.answer.top.label
        reasons = {id(c): change_reason(c, self.index) for c in self.answer.changes}
        changes = [c for c in self.answer.changes if reasons[id(c)]]      # a change no claim bears out is not said
        if not changes:
            return note(f"No single change to your constraints or priorities puts another family ahead of {top}.")
        blocks = [{"type": "h", "text": f"What would change the answer ({top} now)"}]
        for change in changes:
            evidence = reasons[id(change)]
            said = evidence.get("change", change.change)
            head = f"{said[0].upper()}{said[1:]}, {FAMILY_LABELS[change.family]} would come first"
            blocks.append(paragraph((f"{head}: {evidence['text']}.", self.cites.marks(evidence["claims"]))))
        blocks.append({"type": "small", "text": "The controls on the right re-run the recommendation with a change."})
        return turn("change", blocks, self.cites.items, {"changes": [c.to_dict() for c in changes]})


__all__ = ["FollowUps", "turn", "paragraph", "note", "blocks_text"]
