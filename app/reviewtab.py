"""The Review tab: a document's candidate claims one at a time, with their passage; accept (optionally
edited), reject or skip. Every decision is written at once (kg.curation.review), so the terminal
review (`whichmodel review`) and this tab continue each other's work."""
from __future__ import annotations

import html

from kg.curation.review import decide, open_review
from kg.errors import WhichModelError
from kg.sources.candidates import candidates_dir

NOTHING = "<p>No candidates to review. Add a source with <code>whichmodel ingest PATH</code>.</p>"


def documents() -> list[str]:
    return [p.stem for p in sorted(candidates_dir().glob("*.yaml"))]


def _edits(text: str) -> dict:
    changes = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            changes[key.strip()] = value.strip()
    return changes


def card(doc_id: str | None, skipped: int = 0) -> tuple[str, int]:
    """The HTML of the next open candidate after `skipped` of them, and its index (-1: none)."""
    if not doc_id:
        return NOTHING, -1
    try:
        review = open_review(doc_id)
    except WhichModelError as exc:
        return f"<p class='wm-error'>{html.escape(str(exc))}</p>", -1
    items = review.open_items()
    if not items:
        return f"<p>All candidates of {html.escape(doc_id)} are decided: {review.file.counts()}.</p>", -1
    index = items[skipped % len(items)]
    cand = review.file.candidates[index]
    before, quote, after = (html.escape(p) for p in review.passage(index))
    why = cand.why or {}
    hints = [f"subject {why['subject']}"] if why.get("subject") else []
    hints += why.get("vocabulary", []) + [f"{n['claim']} ({n['similarity']})" for n in why.get("neighbours", [])]
    extra = " ".join(f"{k}={v}" for k, v in cand.extra.items())
    state = " <b>(vanished from the new version: edit its quote or reject)</b>" if cand.status == "vanished" else ""
    body = (f"<p>{len(items)} open · candidate #{index}{state}</p>"
            f"<p><b>{html.escape(cand.subject)}</b> {html.escape(cand.predicate)} "
            f"<b>{html.escape(str(cand.value))}</b> {html.escape(extra)}</p>"
            + (f"<p>context: {html.escape(cand.context)}</p>" if cand.context else "")
            + f"<blockquote class='wm-passage'>…{before}<mark>{quote}</mark>{after}…</blockquote>"
            + f"<p><small>why: {html.escape('; '.join(hints))}</small></p>")
    return body, index


def act(doc_id: str | None, index: int, action: str, edits: str, skipped: int) -> tuple[str, int, int, str]:
    """Record one decision; the next card, its index, the skip count, and a status line."""
    if not doc_id or index < 0:
        return (*card(doc_id, skipped), skipped, "")
    if action == "skip":
        skipped += 1
        return (*card(doc_id, skipped), skipped, "skipped")
    try:
        cand = decide(open_review(doc_id), int(index), action, _edits(edits) if action == "accept" else None)
        status = f"{cand.status}" + (f" as {cand.claim_id}" if cand.status == "accepted" else "")
    except WhichModelError as exc:
        return (*card(doc_id, skipped), skipped, f"not recorded: {exc}")
    return (*card(doc_id, skipped), skipped, status)


def review_tab(gr, tab, state) -> None:
    """The tab's components and events (called inside `with gr.Tab("Review")`)."""
    names = documents()
    gr.Markdown("Candidate claims proposed by `whichmodel ingest`. Accept writes the claim (edit it first with "
                "`field=value` lines: subject, predicate, value, quote, property, level); then "
                "`whichmodel build` and `whichmodel diff`.")
    doc = gr.Dropdown(names, value=names[0] if names else None, label="Document", elem_id="wm-review-doc")
    first, first_index = card(names[0] if names else None)
    shown = gr.HTML(first, elem_id="wm-review-card")
    index = gr.Number(first_index, visible=False, precision=0)
    skipped = gr.Number(0, visible=False, precision=0)
    edits = gr.Textbox(label="Edits (field=value, one a line)", lines=2, elem_id="wm-review-edits")
    with gr.Row():
        buttons = {a: gr.Button(a.capitalize(), elem_id=f"wm-review-{a}", size="sm",
                                variant="primary" if a == "accept" else "secondary")
                   for a in ("accept", "reject", "skip")}
    status = gr.Markdown("", elem_id="wm-review-status")
    doc.change(lambda d: (*card(d), 0, ""), [doc], [shown, index, skipped, status], api_visibility="private")
    for action, button in buttons.items():
        button.click(lambda d, i, e, s, a=action: act(d, int(i), a, e, int(s)), [doc, index, edits, skipped],
                     [shown, index, skipped, status], api_visibility="private")
