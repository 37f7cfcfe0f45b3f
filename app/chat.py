"""The chat: plain functions (handle_message, refine, show_source, render_history) and the Gradio UI.
A turn in `history` is {"role": "user", "text"} or {"role": "assistant", "kind", "blocks", "citations", "text",
"data"}; rendering escapes all text (questions and quotes) and turns citation markers into buttons."""
from __future__ import annotations

import copy
import threading

import kg
from app.transcript import (
    EMPTY_SOURCE,
    EXAMPLES,
    last_reply,
    render_history,
    show_source,
)
from explain import explain
from explain.followups import FollowUps, note, paragraph, turn
from explain.grounded import near_tie
from kg.errors import QuestionError
from kg.reasoning.answer import Answer
from kg.reasoning.conversation import intent_after, is_thanks
from kg.reasoning.index import FAMILY_LABELS
from kg.reasoning.needs import Needs
from kg.reasoning.recommend import apply_overrides
from kg.reasoning.scoring import property_weights

ANY = "as asked"
MAX_MESSAGE = 2000
MAX_HISTORY = 60            # turns kept per session; older ones are dropped (bounded memory per session)
SESSIONS, SESSION_TTL = 500, 2 * 3600     # sessions kept in memory (oldest dropped first), and their lifetime in s
PRIORITIES = ("sample-quality", "generation-speed", "training-stability", "diversity", "controllability",
              "interpretability", "exact-likelihood", "latent-smoothness")
_LOCK = threading.Lock()      # one recommendation at a time on the shared knowledge base


def new_state() -> dict:
    """The conversation: the question (a follow-up's is the question it follows, plus it), the needs
    read from it before the controls' overrides, the overrides, and the answer shown."""
    return {"question": "", "needs": None, "overrides": {}, "answer": None, "asked": []}


def _kb(kb=None):
    return kb or kg.current()


def _answer_turn(answer: Answer, kb, heading: str, lead: str = "") -> dict:
    if answer.declined:
        reason = answer.decline_reason
        return turn("declined", [
            paragraph("I help choose a generative model family for something you want to generate or model "
                      f"({', '.join(FAMILY_LABELS.values())}), and back every reason with a quote you can check."),
            paragraph(f"I did not answer this one: {reason.rstrip('.')}." if reason else "I found no such need here."),
            {"type": "small", "text": "Try, for example: " + " · ".join(f"“{e}”" for e in EXAMPLES[:2])}],
            data={"declined": True, "decline_reason": reason})
    explanation = explain(answer, kb)
    recs = answer.recommendations
    lead = " ".join(t for t in (lead, unsupported(answer, kb.index)) if t)
    ranking = ", ".join(f"{i}. {r.label}" for i, r in enumerate(recs, 1))
    if near_tie(answer):
        ranking += f" ({recs[0].label} and {recs[1].label} nearly tied)"
    needs = needs_text(answer)
    other = recs[1].label if len(recs) > 1 else "Diffusion"
    blocks = [{"type": "h", "text": heading + recs[0].label}] + ([paragraph(lead)] if lead else []) + [
              {"type": "p", "sentences": [(s.text, s.citations) for s in explanation.sentences]},
              {"type": "small", "text": f"Ranking: {ranking}." + (f" Understood: {needs}." if needs else "")},
              {"type": "small", "text": f"Ask next: “why not {other}?”, “compare {recs[0].label} and "
                                        f"{other}” or “what would change your answer?”"}]
    data = {"recommendations": [{"family": r.label, "id": r.family, "score": r.score} for r in recs],
            "needs": answer.understood, "declined": False}
    return turn("answer", blocks, explanation.citations, data)


def unsupported(answer: Answer, index) -> str:
    """A plain warning when the top family wins with no source naming it for the task asked (say, audio after a
    follow-up), naming the best-supported family for it; "" otherwise."""
    recs, asked = answer.recommendations, list(answer.needs.use_cases)
    if not recs or not asked or recs[0].components.get("use_case", 0.0) > 0:
        return ""
    task = " or ".join(index.use_cases[u].label for u in asked[:2] if u in index.use_cases) or "this task"
    named = next((r.label for r in recs[1:] if r.components.get("use_case", 0.0) > 0), "")
    return (f"No source names {recs[0].label} for {task}: it ranks first on what you care about alone"
            + (f"; the best-ranked family the sources name for it is {named}." if named else "."))


def needs_text(answer: Answer) -> str:
    """The needs understood, in words: "audio generation (use case), latency is critical (constraint)"."""
    return ", ".join(f"{n['label']} ({n['kind'].replace('_', ' ')})" for n in answer.understood)


def _answer(needs: Needs, overrides: dict, kb) -> Answer:
    """The answer to needs with the controls' overrides applied (the needs themselves stay as read)."""
    with _LOCK:
        return kb.answer(apply_overrides(copy.deepcopy(needs), kb.index, kb.matcher, **overrides))


def _follow_up(message: str, answer: Answer | None, kb) -> Answer | None:
    if answer is None:
        return None
    with _LOCK:
        return kb.follow_up(answer, message)


def _not_a_need(message: str, declined: Answer, kb) -> dict:
    """"thanks", "ok cool" are acknowledged; anything else (the weather, a recipe) is declined as a first
    question would be."""
    if is_thanks(message):
        return note("Glad it helps. Describe another need, or change this one: “what if we had more data?”, "
                    "“and for audio instead?”, “why not GAN?”.")
    return _answer_turn(declined, kb, "")


def bounded(history: list) -> list:
    """The last MAX_HISTORY turns (starting at a question), so a long session's memory stays bounded."""
    if len(history) <= MAX_HISTORY:
        return history
    kept = history[-MAX_HISTORY:]
    first = next((i for i, turn in enumerate(kept) if turn["role"] == "user"), 0)
    return kept[first:]


def handle_message(history: list, state: dict, message: str, *, kb=None) -> tuple[list, dict]:
    """One chat message: a follow-up about the current answer, or a new question."""
    history, state = _handle(history, state, message, kb)
    return bounded(history), state


def _handle(history: list, state: dict, message: str, kb) -> tuple[list, dict]:
    message, history, state = (message or "").strip(), list(history or []), dict(state or new_state())
    if not message:
        return history, state
    history.append({"role": "user", "text": message[:MAX_MESSAGE]})
    if len(message) > MAX_MESSAGE:
        history.append(note(f"Your question is {len(message):,} characters long, longer than the {MAX_MESSAGE:,} "
                            f"I read; shorten it by {len(message) - MAX_MESSAGE:,} characters (it is still in the box) "
                            "and ask again."))
        return history, state
    kb = _kb(kb)
    answer = state.get("answer")
    intent = intent_after(message, answer, kb.index)
    if intent.kind == "compare":
        history.append(FollowUps(kb, answer).compare(list(intent.families)))
    elif intent.kind == "why-not":
        history.append(FollowUps(kb, answer).why_not(intent.families[0]))
    elif intent.kind == "catch":
        history.append(FollowUps(kb, answer).catch(intent.families[0]))
    elif intent.kind == "what-would-change":
        history.append(FollowUps(kb, answer).what_would_change())
    elif intent.kind == "ask-first":
        history.append(note("Ask for a recommendation first; then I can say why not another family or what would "
                            "change the answer."))
    else:
        try:
            follow = _follow_up(message, answer, kb)
            if follow is not None and follow.declined:      # not a need: kept answer, and refines still apply
                history.append(_not_a_need(message, follow, kb))
                return history, state
            with _LOCK:
                needs = follow.needs if follow is not None else kb.understand(message)
        except QuestionError as exc:
            history.append(note(f"I could not use that question: {exc}"))
            return history, state
        question = needs.question
        new = _answer(needs, {}, kb)
        asked = [*state.get("asked", []), message] if follow is not None else [message]
        state = {"question": question, "needs": needs, "overrides": {}, "answer": new, "asked": asked}
        history.append(_answer_turn(new, kb, "Follow-up: " if follow is not None else "Recommendation: "))
    return history, state


def overrides_text(overrides: dict, index) -> str:
    """The controls' overrides in words: "compute small, top priority sample quality"."""
    def word(key, value) -> str:
        if key == "priorities":
            names = [index.properties[p].label if p in index.properties else p for p in value]
            return "top priority " + ", ".join(names)
        return f"{'pre-trained model' if key == 'pretrained' else key} {value}"
    return ", ".join(word(k, v) for k, v in overrides.items())


def refine(history: list, state: dict, *, compute: str = ANY, data: str = ANY, pretrained: str = ANY,
           priority: str = ANY, kb=None) -> tuple[list, dict]:
    """Re-run the current question with the controls' values overriding what its text implies."""
    history, state = list(history or []), dict(state or new_state())
    if not state.get("question"):
        history.append(note("Ask a question first; the controls then refine its answer."))
        return history, state
    overrides = {k: v for k, v in (("compute", compute), ("data", data), ("pretrained", pretrained)) if v and v != ANY}
    overrides.update({"priorities": [priority]} if priority and priority != ANY else {})
    if overrides == state.get("overrides", {}) and state.get("answer") is not None:
        return history, state            # the same values again (a control's repeated event): nothing new to say
    kb = _kb(kb)
    before, answer = state.get("answer"), _answer(state["needs"], overrides, kb)
    state = {**state, "overrides": overrides, "answer": answer}
    shown = overrides_text(overrides, kb.index) or "as asked"
    history.append(_answer_turn(answer, kb, f"Refined ({shown}): ", unchanged(before, answer, shown)))
    return bounded(history), state


_AHEAD = {"use_case": "more sources name it for your task", "property": "it is rated better on what you care about",
          "rule": "a source's decision rule points to it"}


def unchanged(before: Answer | None, after: Answer, shown: str) -> str:
    """One plain sentence when a refine leaves the top family where it was, saying why; "" when it changed."""
    if before is None or before.declined or after.declined or not (before.recommendations and after.recommendations):
        return ""
    top = after.recommendations[0]
    if top.family != before.top.family:
        return ""
    weighed = property_weights(after.needs)
    changed = {p for p, w in weighed.items() if w != property_weights(before.needs).get(p)}
    against = [t for t in top.tradeoffs if t.property in changed]
    shown = "the question as asked" if shown == "as asked" else f"“{shown}”"
    cost = (f"{shown} counts against it (its {against[0].label} is rated {against[0].level}), but"
            if against else f"{shown} does not change the ranking:")
    if len(after.recommendations) < 2:
        return f"The answer stays {top.label}: {cost} no other family fits the rest of your need."
    runner = after.recommendations[1]
    lead = max(_AHEAD, key=lambda k: top.components.get(k, 0.0) - runner.components.get(k, 0.0))
    return f"The answer stays {top.label}: {cost} it stays ahead of {runner.label} because {_AHEAD[lead]}."


# ---------------------------------------------------------------- the Gradio UI
CLICK_JS = ("element.addEventListener('click', (event) => { const b = event.target.closest('[data-cite]'); "
            "if (!b) return; event.preventDefault(); window.wmCite = b; "
            "element.querySelectorAll('.wm-cite.wm-active').forEach((c) => c.classList.remove('wm-active')); "
            "b.classList.add('wm-active'); "
            "trigger('click', {turn: Number(b.dataset.turn), n: Number(b.dataset.cite)}); });")
# After each reply: the log scrolls (inside itself) to the newest exchange, then the page scrolls so that the
# reply's start and, when it fits, the input below the log are both on screen.
REVEAL_JS = """
const reveal = () => {
  const log = element.querySelector('.wm-log'); if (!log) return;
  const turns = log.querySelectorAll(':scope > .wm-msg'); if (turns.length < 2) return;
  const last = turns[turns.length - 1], user = last.previousElementSibling;
  const first = user && user.classList.contains('wm-user') &&
    user.offsetHeight + last.offsetHeight <= log.clientHeight ? user : last;
  log.scrollTop += first.getBoundingClientRect().top - log.getBoundingClientRect().top - 4;
  const input = document.querySelector('#wm-input'); if (!input) return;
  const top = first.getBoundingClientRect().top, bottom = input.getBoundingClientRect().bottom;
  let by = Math.max(0, bottom + 8 - window.innerHeight);
  if (top - by < 8) by = top - 8;
  if (Math.abs(by) > 1) window.scrollBy({top: by, behavior: 'instant'});
};
watch('value', () => requestAnimationFrame(reveal));
"""
# The character counter under the input: typing, pasting and the box being cleared after a question (no event
# tells of that: counted when the chat changes and by a light poll; the live region is rewritten only when its
# text changes, so that a screen reader is not told the same count again).
COUNT_JS = """
const max = MAX, out = element.querySelector('.wm-count') || element;
const update = () => {
  const box = document.querySelector('#wm-input textarea'); if (!box) return;
  const n = box.value.trim().length, over = n - max;       // as the server counts it
  const text = over > 0 ? `${n.toLocaleString('en')} / ${max.toLocaleString('en')} characters: too long ` +
    `by ${over.toLocaleString('en')}. Shorten your question to ask it.` : `${n.toLocaleString('en')} / ` +
    `${max.toLocaleString('en')} characters`;
  if (out.textContent !== text) out.textContent = text;
  out.classList.toggle('wm-over', over > 0);
};
document.addEventListener('input', (e) => { if (e.target.closest && e.target.closest('#wm-input')) update(); });
let watched = null;                 // the box is cleared as the answer arrives: count when the chat changes
const watchLog = () => { const log = document.querySelector('#wm-chat'); if (!log || log === watched) return;
  new MutationObserver(update).observe(log, {childList: true, subtree: true}); watched = log; };
setInterval(() => { watchLog(); update(); }, 100); update();
""".replace("MAX", str(MAX_MESSAGE))
# A citation's source, on a phone a drawer over the bottom of the screen (its close button hides it), with the tapped
# marker moved just above the drawer; beside the chat, its highlighted quote is scrolled into view.
SOURCE_JS = """
element.addEventListener('click', (event) => { if (!event.target.closest('.wm-close')) return;
  const panel = element.querySelector('.wm-source'); if (panel) panel.classList.add('wm-closed'); });
const quote = (panel) => {              // beside the chat: the highlighted quote scrolled into view
  const mark = panel.querySelector('mark'), box = panel.querySelector('.wm-passage'); if (!mark || !box) return;
  box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 48;
  const r = mark.getBoundingClientRect(), below = r.bottom + 16 - window.innerHeight;
  if (below > 0) window.scrollBy({top: Math.min(below, r.top - 8), behavior: 'instant'});
};
const beside = () => {
  const panel = element.querySelector('.wm-source:not(.wm-empty)'), b = window.wmCite;
  if (panel && getComputedStyle(panel).position !== 'fixed') { quote(panel); return; }
  if (!panel || !b || !b.isConnected) return;
  const gap = () => b.getBoundingClientRect().bottom - (panel.getBoundingClientRect().top - 12);
  if (gap() <= 0 && b.getBoundingClientRect().top >= 0) return;
  const log = b.closest('.wm-log'); if (log) log.scrollTop += gap();
  if (Math.abs(gap()) > 1) window.scrollBy({top: gap(), behavior: 'instant'});
};
watch('value', () => requestAnimationFrame(beside));
"""


def build_ui(get_kb=None, tabs=()):
    """The Blocks: the chat with its controls and source panel, then each (title, build(gr, state)) of tabs."""
    import os
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    get_kb = get_kb or _kb
    index = get_kb().index
    choices = [(ANY, ANY)] + [(index.properties[p].label, p) for p in PRIORITIES if p in index.properties]

    def on_send(message, history, state):
        before = (state or {}).get("question")
        history, state = handle_message(history, state, message, kb=get_kb())
        reset = [ANY] * 4 if state.get("question") != before else [gr.skip()] * 4
        too_long = len((message or "").strip()) > MAX_MESSAGE        # kept in the box, to be shortened
        return [last_reply(history), render_history(history), gr.skip() if too_long else "", *reset, history, state]

    def on_refine(compute, data, pretrained, priority, history, state):
        shown = len(history or [])
        history, state = refine(history, state, compute=compute, data=data, pretrained=pretrained,
                                priority=priority, kb=get_kb())
        if len(history) == shown:             # nothing new (the same values again): the page stays as it is
            return gr.skip(), gr.skip(), history, state
        return last_reply(history), render_history(history), history, state

    def on_cite(history, evt):
        return show_source(history, evt._data.get("turn", -1), evt._data.get("n", -1))
    on_cite.__annotations__["evt"] = gr.EventData      # resolved here: gradio is imported in this function

    with gr.Blocks(title="whichmodel", analytics_enabled=False) as demo:
        gr.Markdown("## whichmodel\nWhich generative model family for your task? Every reason cites its source.")
        history = gr.State([], time_to_live=SESSION_TTL)
        state = gr.State(new_state(), time_to_live=SESSION_TTL)
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                log = gr.HTML(render_history([]), js_on_load=CLICK_JS + REVEAL_JS, elem_id="wm-chat")
                gr.HTML(f'<div class="wm-count" aria-live="polite">0 / {MAX_MESSAGE:,} characters</div>',
                        js_on_load=COUNT_JS, elem_id="wm-count", padding=False)
                with gr.Row(elem_id="wm-ask-row"):
                    msg = gr.Textbox(show_label=False, placeholder="Describe what you want to generate, and "
                                     "your constraints…", scale=5, elem_id="wm-input", lines=1, max_lines=6)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="wm-send", min_width=64)
                reply = gr.JSON(visible=False)
            with gr.Column(scale=2):
                with gr.Group():
                    compute = gr.Radio([ANY, "small", "large"], value=ANY, label="Compute budget")
                    data = gr.Radio([ANY, "small", "large"], value=ANY, label="Training data")
                    pretrained = gr.Radio([ANY, "yes", "no"], value=ANY, label="Pre-trained model available")
                    priority = gr.Dropdown(choices, value=ANY, label="Top priority")
                source = gr.HTML(EMPTY_SOURCE, elem_id="wm-source", js_on_load=SOURCE_JS)
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
