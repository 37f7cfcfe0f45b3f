"""The chat: plain functions (handle_message, refine, show_source, render_history) and the Gradio UI.
A turn in `history` is {"role": "user", "text"} or {"role": "assistant", "kind", "blocks", "citations", "text",
"data"}; rendering escapes all text (questions and quotes) and turns citation markers into buttons."""
from __future__ import annotations

import re
import threading

from app.transcript import EMPTY_SOURCE, EXAMPLES, blocks_text, last_reply, render_history, show_source
from kg.index import FAMILY_LABELS

ANY = "as asked"
MAX_MESSAGE = 2000
MAX_HISTORY = 60            # turns kept per session; older ones are dropped (bounded memory per session)
SESSIONS, SESSION_TTL = 500, 2 * 3600     # sessions kept in memory (oldest dropped first), and their lifetime in s
PRIORITIES = ("sample-quality", "generation-speed", "training-stability", "diversity", "controllability",
              "interpretability", "exact-likelihood", "latent-smoothness")
_WHY = re.compile(r"^\W*(why\s+(not|isn'?t|wasn'?t|didn'?t\s+you\s+pick)|what\s+about|how\s+about)\b", re.I)
_COMPARE = re.compile(r"\b(compare|comparison|versus|vs\.?|differences?\s+between)\b", re.I)
_CHANGE = re.compile(r"\b(what\s+(would|could)\s+change|change\s+your\s+(answer|mind)|what\s+if)\b", re.I)
_LOCK = threading.Lock()      # one recommend/needs computation at a time on the shared engine


def new_state() -> dict:
    return {"question": "", "overrides": {}, "answer": None}


def _engine(engine=None):
    from kg.recommend import default_engine
    return engine or default_engine()


def _turn(kind: str, blocks: list[dict], citations: list | None = None, data: dict | None = None) -> dict:
    return {"role": "assistant", "kind": kind, "blocks": blocks, "citations": citations or [], "data": data or {},
            "text": blocks_text(blocks)}


def _p(*sentences) -> dict:
    return {"type": "p", "sentences": [s if isinstance(s, tuple) else (s, []) for s in sentences]}


def _note(text: str) -> dict:
    return _turn("note", [_p(text)])


def _answer_turn(answer: dict, engine, heading: str) -> dict:
    from explain import explain

    if answer["declined"]:
        reason = answer.get("decline_reason", "")
        return _turn("declined", [
            _p("I help choose a generative model family for something you want to generate or model "
               f"({', '.join(FAMILY_LABELS.values())}), and back every reason with a quote you can check."),
            _p(f"I did not answer this one: {reason.rstrip('.')}." if reason else "I found no such need here."),
            {"type": "small", "text": "Try, for example: " + " · ".join(f"“{e}”" for e in EXAMPLES[:2])}],
            data={"declined": True, "decline_reason": reason})
    explanation = explain(answer, index=engine.index)
    recs = answer["recommendations"]
    ranking = ", ".join(f"{i}. {r['family']} ({r['score']})" for i, r in enumerate(recs, 1))
    needs = ", ".join(f"{n['label']} ({n['kind'].replace('_', ' ')})" for n in answer["needs"])
    other = recs[1]["family"] if len(recs) > 1 else "Diffusion"
    blocks = [{"type": "h", "text": heading + recs[0]["family"]},
              {"type": "p", "sentences": [(s["text"], s["citations"]) for s in explanation["sentences"]]},
              {"type": "small", "text": f"Ranking: {ranking}." + (f" Understood: {needs}." if needs else "")},
              {"type": "small", "text": f"Ask next: “why not {other}?”, “compare {recs[0]['family']} and "
                                        f"{other}” or “what would change your answer?”"}]
    data = {"recommendations": [{k: r[k] for k in ("family", "id", "score")} for r in recs],
            "needs": answer["needs"], "declined": False}
    return _turn("answer", blocks, explanation["citations"], data)


# ---------------------------------------------------------------- follow-ups
def families_in(text: str, index) -> list[str]:
    """Families named in text, in order of mention (the longest name wins where names overlap)."""
    hits = [(m.start(), m.end(), fam) for fam, concept in index.families.items() for alias in set(concept.texts + [fam])
            for m in re.finditer(rf"(?<![\w-]){re.escape(alias)}(?:e?s)?(?![\w-])", text, re.I)]
    taken = []
    for start, end, fam in sorted(hits, key=lambda h: h[0] - h[1]):
        if not any(start < e and s < end for s, e, _ in taken):
            taken.append((start, end, fam))
    return list(dict.fromkeys(f for _, _, f in sorted(taken)))


class FollowUps:
    """Follow-up questions about the current answer; every statement about a family is cited."""

    def __init__(self, state: dict, engine):
        from explain.grounded import Citations
        self.state, self.engine, self.index, self.cites = state, engine, engine.index, Citations(engine.index)

    def needs(self):
        from kg.needs import map_needs
        from kg.recommend import apply_overrides
        with _LOCK:
            return apply_overrides(map_needs(self.state["question"], self.index, self.engine.matcher), self.index,
                                   self.engine.matcher, **self.state["overrides"])

    def marks(self, citations: list[dict]) -> list[int]:
        return [self.cites.add(c) for c in citations]

    def rated(self, family: str, prop: str) -> tuple[str, list[int]] | None:
        """'high (2 sources)' with citations, from the consensus of the sources that rate it."""
        from kg.recommend import cite_claims, level_word
        rank, n = self.index.consensus(family, prop) or (0, 0)
        return (f"{level_word(self.index, rank)} ({n} source{'s' if n > 1 else ''})",
                self.marks(cite_claims(self.index.level_claims[family][prop], 2))) if n else None

    def why_not(self, family: str) -> dict:
        """Why another family is not first: rank, use-case support, the priorities side by side, its costs."""
        from kg.recommend import cite_claims, tradeoffs_for
        from kg.scoring import property_weights, rule_matches
        index, recs = self.index, self.state["answer"]["recommendations"]
        top, label = recs[0], FAMILY_LABELS[family]
        if family == top["id"]:
            return _note(f"{label} is already my first choice for this need; the reasons are above. Ask “what would "
                         "change your answer?” to see what would put another family first.")
        needs = self.needs()
        rank = next((i for i, r in enumerate(recs) if r["id"] == family), None)
        out = [f"{label} is not among my top {len(recs)} for this need." if rank is None else
               f"{label} ranks {rank + 1} of {len(recs)} here (score {recs[rank]['score']} against {top['score']} "
               f"for {top['family']})."]
        for uc in sorted(needs.use_cases, key=lambda u: -needs.use_cases[u])[:2]:
            uc_label, bad = index.use_cases[uc].label, index.unsuited[family].get(uc, [])
            mine, theirs = index.suited[family].get(uc, []), index.suited[top["id"]].get(uc, [])
            n, n_top = len({c.doc for c in mine}), len({c.doc for c in theirs})
            if bad or mine or theirs:
                out.append((f"A source says {label} is not suited to {uc_label}." if bad else
                            f"{label} is named for {uc_label} by {n} source{'s' if n > 1 else ''}." if mine else
                            f"No source names {label} for {uc_label}, while {n_top} name{'s' if n_top == 1 else ''} "
                            f"{top['family']} for it.", self.marks(cite_claims(bad, 2) if bad else cite_claims(mine or theirs))))
        weights = property_weights(needs)
        for prop in sorted(weights, key=lambda p: -weights[p])[:3]:
            mine, theirs, plabel = self.rated(family, prop), self.rated(top["id"], prop), index.properties[prop].label
            if mine or theirs:
                out.append((f"On {plabel}, {label} is rated {mine[0]} against {theirs[0]} for {top['family']}."
                             if mine and theirs else f"No source rates {label}'s {plabel}; {top['family']}'s is rated "
                             f"{theirs[0]}." if theirs else f"{label}'s {plabel} is rated {mine[0]}.",
                             (mine[1] if mine else []) + (theirs[1] if theirs else [])))
        for trade in [t for t in tradeoffs_for(index, needs, family, 3) if t["property_id"] not in weights][:2]:
            out.append((f"A cost of {label}: its {trade['text']}.", self.marks(trade["citations"])))
        for rule in [r for r in index.rules if r.family == top["id"] and rule_matches(r, needs)][:1]:
            out.append((f"Source {rule.claim.doc[:3]} recommends {top['family']} in this situation: "
                        f"“{rule.claim.quote.strip(' -•')}”.", self.marks([rule.claim.citation()])))
        return _turn("why_not", [{"type": "h", "text": f"Why not {label}?"}, _p(*out)], self.cites.items,
                     {"family": label})

    def compare(self, families: list[str]) -> dict:
        """Two families side by side over the properties the sources rate (consensus, cited)."""
        from kg.scoring import property_weights
        index, (a, b) = self.index, families[:2]
        la, lb = FAMILY_LABELS[a], FAMILY_LABELS[b]
        weights = property_weights(self.needs()) if self.state.get("question") else {}
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
            return _note(f"No source rates {la} or {lb} on any property.")
        intro = (f"{la} and {lb} side by side: each cell is the consensus of the sources that rate it"
                 + ("; ★ marks what your question cares about." if set(weights) & set(props[:12]) else "."))
        summary = [f"{fam} is rated clearly better on {', '.join(v[:4])}." for fam, v in better.items() if v]
        blocks = [{"type": "h", "text": f"{la} vs {lb}"}, _p(intro),
                  {"type": "table", "head": ["Property", la, lb], "rows": rows}] + ([_p(*summary)] if summary else [])
        return _turn("compare", blocks, self.cites.items, {"families": [la, lb]})

    def what_would_change(self) -> dict:
        """The single changes that put another family first, each with the evidence that favours it."""
        from explain.grounded import change_reason
        answer = self.state["answer"]
        top, changes = answer["recommendations"][0]["family"], answer.get("what_would_change") or []
        if not changes:
            return _note(f"No single change to your constraints or priorities puts another family ahead of {top}.")
        blocks = [{"type": "h", "text": f"What would change the answer ({top} now)"}]
        for change in changes:
            evidence = change_reason(change, change["id"], self.index)
            head = f"{change['change'][0].upper()}{change['change'][1:]}, {change['family']} would come first"
            blocks.append(_p((f"{head}: {evidence['text']}." if evidence else f"{head}.",
                              self.marks(evidence["citations"]) if evidence else [])))
        blocks.append({"type": "small", "text": "The controls on the right re-run the recommendation with a change."})
        return _turn("change", blocks, self.cites.items, {"changes": changes})


def _recommend(question: str, overrides: dict, engine) -> dict:
    from kg.recommend import recommend
    with _LOCK:
        return recommend(question, engine=engine, **overrides)


def bounded(history: list) -> list:
    """The last MAX_HISTORY turns (starting at a question), so a long session's memory stays bounded."""
    if len(history) <= MAX_HISTORY:
        return history
    kept = history[-MAX_HISTORY:]
    first = next((i for i, turn in enumerate(kept) if turn["role"] == "user"), 0)
    return kept[first:]


def handle_message(history: list, state: dict, message: str, *, engine=None) -> tuple[list, dict]:
    """One chat message: a follow-up about the current answer, or a new question."""
    history, state = _handle(history, state, message, engine)
    return bounded(history), state


def _handle(history: list, state: dict, message: str, engine) -> tuple[list, dict]:
    message, history, state = (message or "").strip(), list(history or []), dict(state or new_state())
    if not message:
        return history, state
    history.append({"role": "user", "text": message[:MAX_MESSAGE]})
    if len(message) > MAX_MESSAGE:
        history.append(_note(f"That is longer than {MAX_MESSAGE} characters; please describe your need briefly."))
        return history, state
    engine = _engine(engine)
    named = families_in(message, engine.index)
    answered = bool(state.get("answer") and state["answer"]["recommendations"])
    if _COMPARE.search(message) and (len(named) >= 2 or (named and answered)):
        history.append(FollowUps(state, engine).compare(named if len(named) >= 2 else
                               [state["answer"]["recommendations"][0]["id"], named[0]]))
    elif _WHY.search(message) and named and answered:
        history.append(FollowUps(state, engine).why_not(named[0]))
    elif _CHANGE.search(message) and answered and len(message) < 80:
        history.append(FollowUps(state, engine).what_would_change())
    elif (_WHY.search(message) or _CHANGE.search(message)) and not answered and len(message) < 40:
        history.append(_note("Ask for a recommendation first; then I can say why not another family or what would "
                             "change the answer."))
    else:
        from kg.errors import QuestionError
        try:
            answer = _recommend(message, {}, engine)
        except QuestionError as exc:
            history.append(_note(f"I could not use that question: {exc}"))
            return history, state
        state = {"question": message, "overrides": {}, "answer": answer}
        history.append(_answer_turn(answer, engine, "Recommendation: "))
    return history, state


def refine(history: list, state: dict, *, compute: str = ANY, data: str = ANY, pretrained: str = ANY,
           priority: str = ANY, engine=None) -> tuple[list, dict]:
    """Re-run the current question with the controls' values overriding what its text implies."""
    history, state = list(history or []), dict(state or new_state())
    if not state.get("question"):
        history.append(_note("Ask a question first; the controls then refine its answer."))
        return history, state
    overrides = {k: v for k, v in (("compute", compute), ("data", data), ("pretrained", pretrained)) if v and v != ANY}
    overrides.update({"priorities": [priority]} if priority and priority != ANY else {})
    engine = _engine(engine)
    answer = _recommend(state["question"], overrides, engine)
    state = {"question": state["question"], "overrides": overrides, "answer": answer}
    shown = ", ".join(f"{k} {v[0] if isinstance(v, list) else v}" for k, v in overrides.items()) or "as asked"
    history.append(_answer_turn(answer, engine, f"Refined ({shown}): "))
    return bounded(history), state


# ---------------------------------------------------------------- the Gradio UI
CLICK_JS = ("element.addEventListener('click', (event) => { const b = event.target.closest('[data-cite]'); "
            "if (!b) return; event.preventDefault(); "
            "trigger('click', {turn: Number(b.dataset.turn), n: Number(b.dataset.cite)}); });")


def build_ui(get_engine=None, tabs=()):
    """The Blocks: the chat with its controls and source panel, then each (title, build(gr, state)) of tabs."""
    import os
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    get_engine = get_engine or _engine
    index = get_engine().index
    choices = [(ANY, ANY)] + [(index.properties[p].label, p) for p in PRIORITIES if p in index.properties]

    def on_send(message, history, state):
        before = (state or {}).get("question")
        history, state = handle_message(history, state, message, engine=get_engine())
        reset = [ANY] * 4 if state.get("question") != before else [gr.skip()] * 4
        return [last_reply(history), render_history(history), "", *reset, history, state]

    def on_refine(compute, data, pretrained, priority, history, state):
        history, state = refine(history, state, compute=compute, data=data, pretrained=pretrained,
                                priority=priority, engine=get_engine())
        return last_reply(history), render_history(history), history, state

    def on_cite(history, evt):
        return show_source(history, evt._data.get("turn", -1), evt._data.get("n", -1))
    on_cite.__annotations__["evt"] = gr.EventData      # resolved here: gradio is imported in this function

    with gr.Blocks(title="whichmodel", analytics_enabled=False) as demo:
        gr.Markdown("## whichmodel\nWhich generative model family for your task? Every reason cites its source.")
        history = gr.State([], time_to_live=SESSION_TTL)
        state = gr.State(new_state(), time_to_live=SESSION_TTL)
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    log = gr.HTML(render_history([]), js_on_load=CLICK_JS, elem_id="wm-chat", min_height=460,
                                  max_height=640, autoscroll=True)
                    with gr.Row():
                        msg = gr.Textbox(show_label=False, placeholder="Describe what you want to generate, and "
                                         "your constraints…", scale=5, max_length=MAX_MESSAGE, elem_id="wm-input")
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="wm-send")
                    reply = gr.JSON(visible=False)
                with gr.Column(scale=2):
                    with gr.Group():
                        compute = gr.Radio([ANY, "small", "large"], value=ANY, label="Compute budget")
                        data = gr.Radio([ANY, "small", "large"], value=ANY, label="Training data")
                        pretrained = gr.Radio([ANY, "yes", "no"], value=ANY, label="Pre-trained model available")
                        priority = gr.Dropdown(choices, value=ANY, label="Top priority")
                    source = gr.HTML(EMPTY_SOURCE, elem_id="wm-source")
        controls = [compute, data, pretrained, priority]
        outputs = [reply, log, msg, *controls, history, state]
        send.click(on_send, [msg, history, state], outputs, api_name="ask")
        msg.submit(on_send, [msg, history, state], outputs, api_visibility="private")
        for control in controls:
            control.input(on_refine, [*controls, history, state], [reply, log, history, state],
                          api_visibility="private")
        log.click(on_cite, [history], [source], api_visibility="private")
        for title, build in tabs:
            with gr.Tab(title) as tab:
                build(gr, tab, state)
    demo.state_session_capacity = SESSIONS       # Gradio's own default keeps 10 000 sessions
    return demo
