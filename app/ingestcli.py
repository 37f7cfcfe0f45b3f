"""`whichmodel ingest | review | remove | diff`: add a source, review its candidate claims, take a source
out, and see which answers a build changed. Parsing and printing; the work is in kg.curation and
explain.changes."""
from __future__ import annotations

import json
import sys
from functools import partial
from pathlib import Path

from explain.changes import diff_builds
from explain.llm import LLMBackend
from explain.proposals import llm_candidates
from kg.curation.ingest import ingest, remove
from kg.curation.review import EDITABLE, decide, open_review
from kg.errors import IngestError
from kg.sources.library import write_atomic


def _ingest(sub) -> None:
    p = sub.add_parser("ingest", help="add a source document (Markdown, text, HTML, WordPress JSON, PDF) and "
                       "propose candidate claims for review")
    p.add_argument("path", type=Path)
    p.add_argument("--dry-run", action="store_true", help="write nothing; show the document and its candidates")
    p.add_argument("--json", action="store_true", help="print JSON: {document: {id, title, text}, candidates}")
    p.add_argument("--llm", metavar="BASE_URL", help="also ask an OpenAI-compatible server for candidates "
                   "(each must pass the same checks); default $WHICHMODEL_LLM_URL when --llm is given empty")
    p.set_defaults(run=run_ingest)


def run_ingest(args) -> int:
    extra = None
    if args.llm is not None:
        backend = LLMBackend.from_settings(args.llm or None)
        extra = partial(llm_candidates, backend)
    result = ingest(args.path, dry_run=args.dry_run, extra=extra)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return 0
    doc = result.document
    print(f"{doc.id}  {doc.format}  {len(doc.text)} chars  {doc.title or '(untitled)'}")
    if result.replaced:
        print(f"  replaces {result.replaced}: {result.kept} accepted claims re-found, "
              f"{len(result.vanished)} vanished (listed for review)")
        for cand in result.vanished:
            print(f"  VANISHED {cand.claim_id}: {cand.quote!r}")
    print(f"  {len(result.candidates)} candidate claims")
    for reason, count in result.dropped.items():
        print(f"  dropped {count} LLM proposals: {reason}")
    for cand in result.candidates:
        print(f"  {cand.subject:<14} {cand.predicate:<16} {str(cand.value)[:40]:<40}  "
              f"@{cand.start}: {cand.quote[:60]!r}")
    if args.dry_run:
        print("  (dry run: nothing written)")
    else:
        print(f"  wrote {len(result.written)} files; review with `whichmodel review {doc.id}`")
    return 0


def _review(sub) -> None:
    p = sub.add_parser("review", help="accept, edit, reject or skip a document's candidate claims")
    p.add_argument("id", nargs="?", help="document id or prefix (default: the first with open candidates)")
    p.set_defaults(run=run_review)


PROMPT = "[a]ccept  [e]dit  [r]eject  [s]kip  [q]uit > "


def _show(review, index: int, out) -> None:
    cand = review.file.candidates[index]
    before, quote, after = review.passage(index)
    state = "VANISHED from the new version; edit its quote or reject it" if cand.status == "vanished" else ""
    print(f"\n#{index}  {cand.subject} {cand.predicate} {cand.value!r} {cand.extra or ''}  {state}", file=out)
    if cand.context:
        print(f"   context: {cand.context}", file=out)
    print(f"   …{before[-120:]}»{quote}«{after[:120]}…".replace("\n", " ⏎ "), file=out)
    why = cand.why or {}
    hints = [f"subject {why['subject']}"] if why.get("subject") else []
    hints += why.get("vocabulary", []) + [f"{n['claim']} ({n['similarity']})" for n in why.get("neighbours", [])]
    if hints:
        print("   why: " + "; ".join(hints), file=out)


def _edits(read) -> dict:
    print(f"   field=value, one a line, empty line to finish ({', '.join(EDITABLE)})")
    changes = {}
    while (line := read("   ").strip()):
        key, _, value = line.partition("=")
        changes[key.strip()] = value.strip()
    return changes


def run_review(args, read=input, out=sys.stdout) -> int:
    review = open_review(args.id)
    items = review.open_items()
    print(f"{review.doc_id}: {len(items)} candidates to review ({review.file.counts()})", file=out)
    for index in items:
        _show(review, index, out)
        while True:
            try:
                answer = read(PROMPT).strip().lower()[:1]
            except EOFError:
                answer = "q"
            if answer == "q":
                print(f"stopped; resume with `whichmodel review {review.doc_id}`", file=out)
                return 0
            action = {"a": "accept", "e": "accept", "r": "reject", "s": "skip"}.get(answer)
            if action is None:
                continue
            try:
                cand = decide(review, index, action, _edits(read) if answer == "e" else None)
            except IngestError as exc:
                print(f"   not recorded: {exc}", file=out)
                continue
            print(f"   {cand.status}" + (f" as {cand.claim_id}" if cand.status == "accepted" else ""), file=out)
            break
    print(f"done: {review.file.counts()}; `whichmodel build` then `whichmodel diff`", file=out)
    return 0


def _remove(sub) -> None:
    p = sub.add_parser("remove", help="remove a source document with its claims and candidates")
    p.add_argument("id", help="the document's full id")
    p.set_defaults(run=run_remove)


def run_remove(args) -> int:
    for path in remove(args.id):
        print(f"removed {path}" if path.name != "documents.yaml" else f"updated {path}")
    print("run `whichmodel build` to rebuild without it")
    return 0


def _diff(sub) -> None:
    p = sub.add_parser("diff", help="after a build: the dev answers whose top family, reasons or conflicts changed")
    p.add_argument("--against", type=Path, help="a snapshot saved with --save (default: the previous build)")
    p.add_argument("--save", type=Path, help="save the current answers as a snapshot")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_diff)


def run_diff(args) -> int:
    before = None
    if args.against:
        try:
            before = json.loads(args.against.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IngestError(f"cannot read the snapshot: {exc}", file=str(args.against)) from None
    report, now = diff_builds(before=before)
    if args.save:
        write_atomic(args.save, json.dumps(now, ensure_ascii=False).encode("utf-8"))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(f"{report.after} against {report.before}: {len(report.changes)} of {report.questions} answers changed")
    for change in report.changes:
        d = change.to_dict()
        print(f"\n{change.question}\n  top: {d['before']} -> {d['after']}   changed: {', '.join(change.what)}")
        for key in ("reasons_added", "reasons_removed", "conflicts_added", "conflicts_removed"):
            for item in d[key]:
                print(f"  {key.replace('_', ' ')}: {item}")
        for ev in d["new_evidence"]:
            print(f"  new evidence {ev['claim']} ({ev['doc']}): {ev['quote'][:100]!r}")
    return 0


COMMANDS = [_ingest, _review, _remove, _diff]
