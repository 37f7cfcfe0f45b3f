"""The Review tab: a document's candidate claims one at a time, with their passage; accept (optionally
edited), reject or skip. Every decision is written at once (kg.curation.review), so the terminal
review (`whichmodel review`) and this tab continue each other's work."""
from __future__ import annotations

import html

from kg.curation.review import decide, open_review
from kg.errors import WhichModelError
from kg.reasoning.index import FAMILY_LABELS
from kg.sources.candidates import Candidate, candidates_dir

NOTHING = "<p>No candidates to review. Add a source with <code>whichmodel ingest PATH</code>.</p>"


def documents() -> list[str]:
    return [p.stem for p in sorted(candidates_dir().glob("*.yaml"))]


# What a candidate claims, in words ({family}, {value} and the candidate's extra fields).
CLAIMS = {"strength": "a strength: {value}", "weakness": "a weakness: {value}",
          "suited_for": "suited for {value}", "not_suited_for": "not suited for {value}",
          "handles_modality": "handles {value} data", "has_level": "its {property} is rated {value}",
          "example": "{value} is an example of it", "hybrid_of": "a hybrid of {value}",
          "introduced": "introduced {value}", "mechanism": "how it works: {value}",
          "recommended_when": "recommended when {when}: {value}", "compared": "{value} than {than} on {property}"}


def claimed(cand: Candidate) -> tuple[str, str]:
    """The family (its label) and what the candidate claims about it, in plain words."""
    fields = {k: str(v).replace("-", " ").replace("_", " ") for k, v in cand.extra.items()}
    fields["value"] = str(cand.value).replace("_", " ")
    if cand.predicate in ("suited_for", "not_suited_for", "handles_modality", "has_level"):
        fields["value"] = fields["value"].replace("-", " ")
    try:
        text = CLAIMS[cand.predicate].format_map(fields)
    except KeyError:
        text = f"{cand.predicate.replace('_', ' ')}: {fields['value']}"
    if cand.predicate in ("strength", "weakness") and "property" in fields:
        text += f" ({fields['property']}" + (f": {fields['level']})" if "level" in fields else ")")
    return FAMILY_LABELS.get(cand.subject, cand.subject), text


def _details(cand: Candidate, index: int) -> str:
    """The ids a curator may need (the candidate's fields, the vocabulary and nearest curated claims matched)."""
    why = cand.why or {}
    nearest = ", ".join(f"{n['claim']} ({n['similarity']})" for n in why.get("neighbours", []))
    extra = " ".join(f"{k}={v}" for k, v in cand.extra.items())
    parts = [f"candidate index {index}", f"subject={cand.subject} predicate={cand.predicate} value={cand.value} "
             f"{extra}".strip()]
    parts += ([f"matched vocabulary: {', '.join(why['vocabulary'])}"] if why.get("vocabulary") else [])
    parts += [f"nearest curated claims: {nearest}"] if nearest else []
    return (f"<details class='wm-review-details'><summary>Details</summary><small>"
            f"{html.escape(' · '.join(parts))}</small></details>")


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
    family, claim = claimed(cand)
    state = " <b>(vanished from the new version: edit its quote or reject)</b>" if cand.status == "vanished" else ""
    body = (f"<p class='wm-review-count'>Candidate {skipped % len(items) + 1} of {len(items)} open{state}</p>"
            f"<p class='wm-review-claim'><b>{html.escape(family)}</b>: {html.escape(claim)}</p>"
            + (f"<p>where: {html.escape(cand.context)}</p>" if cand.context else "")
            + f"<blockquote class='wm-passage'>…{before}<mark>{quote}</mark>{after}…</blockquote>"
            + _details(cand, index))
    return body, index


def reopened(current: str | None) -> tuple[list[str], str | None]:
    """The documents to review now (one ingested while the server runs included) and the one to show: the
    current one if it is still there, else the first."""
    names = documents()
    return names, current if current in names else (names[0] if names else None)


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

    def reopen(current):
        names, value = reopened(current)
        return gr.update(choices=names, value=value), *card(value), 0, ""
    tab.select(reopen, [doc], [doc, shown, index, skipped, status], api_visibility="private")
    for action, button in buttons.items():
        button.click(lambda d, i, e, s, a=action: act(d, int(i), a, e, int(s)), [doc, index, edits, skipped],
                     [shown, index, skipped, status], api_visibility="private")
