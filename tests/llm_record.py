"""Record a real OpenAI-compatible server's replies to a fixed set of needs, once, for replay in CI.

    python -m tests.llm_record --url http://127.0.0.1:8088/v1 --model gemma3-270m [--out FILE]
    python -m tests.llm_record --sentences     the sentences to label (tests/data/llm-sentences.yaml)

The needs: the generative ones of the dev set (../shared/eval/dev.yaml), then the first generative
needs of the need corpus's dev split (ontology/needs/dev.yaml). For each it keeps the reply's
content exactly as the model wrote it, how long it took, and which claim each evidence id stood for.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from pathlib import Path

import yaml

import kg
from explain import explain
from explain.llm import LLMBackend, parse_reply
from explain.support import SupportCheck, Verdict
from kg.errors import LLMUnavailable
from kg.reasoning.index import FAMILY_LABELS
from kg.reasoning.recommend import recommend
from tests.llm_replay import REPLIES, load_replies

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.yaml"
NEED_DEV = ROOT / "ontology" / "needs" / "dev.yaml"


def questions(dev_count: int = 8, corpus_count: int = 6) -> list[str]:
    dev = [c["q"] for c in yaml.safe_load(DEV_SET.read_text())["cases"] if not c.get("none")]
    corpus = [n["q"] for n in yaml.safe_load(NEED_DEV.read_text())["needs"] if not n.get("decline")]
    return dev[:dev_count] + corpus[:corpus_count]


class RecordingBackend(LLMBackend):
    """The real backend, keeping each reply's raw content and timing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.last: dict = {}

    def complete(self, messages: list[dict], deadline: float | None = None, ids: list[str] | None = None, **kw) -> str:
        started = time.monotonic()
        content = super().complete(messages, deadline, ids, **kw)
        self.last = {"content": content, "seconds": round(time.monotonic() - started, 2),
                     "prompt_sha256": hashlib.sha256(json.dumps(messages).encode()).hexdigest()}
        return content


def record(url: str, model: str, out: Path, timeout: float, part: str = "1/1") -> dict:
    """Replies to the needs of this part ("2/3": the second of every three), written to out."""
    knowledge = kg.current()
    backend = RecordingBackend(url.rstrip("/"), model, timeout=timeout)
    replies = []
    k, n = (int(x) for x in part.split("/"))
    for question in questions()[k - 1::n]:
        answer = recommend(question, kb=knowledge)
        if answer.declined:
            continue
        backend.last = {}
        result = explain(answer, knowledge, backend=backend)
        grounded = explain(answer, knowledge)
        evidence = {f"S{c['n']}": c["claim"] for c in grounded.citations}
        replies.append({"question": question, "pick": answer.top.label, **backend.last, "evidence": evidence,
                        "used": result.backend != "grounded", "note": result.note})
        print(f"{backend.last.get('seconds', '-')} s  used={result.backend != 'grounded'}  {question}", flush=True)
    data = {"model": model, "server": "llama-cpp-python[server] 0.3.36", "replies": replies}
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


SENTENCES = REPLIES.parent / "llm-sentences.yaml"


def cited(claim_ids: list[str], knowledge) -> list[dict]:
    out = []
    for claim_id in claim_ids:
        claim = knowledge.index.claims.get(claim_id)
        if claim is None:
            out.append({"claim": claim_id, "missing": True})
            continue
        out.append({"claim": claim.id, "family": FAMILY_LABELS.get(claim.family, claim.family),
                    "doc": claim.doc, "quote": claim.quote, "context": claim.context})
    return out


def llm_sentences(reply: dict, n: int, knowledge, prefix: str = "llm") -> list[dict]:
    try:
        raw = parse_reply(reply.get("content", ""))
    except LLMUnavailable:
        return []
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        cite = item.get("cite") if isinstance(item.get("cite"), list) else []
        ids = [c for c in cite if isinstance(c, str)]
        out.append({"id": f"{prefix}-{n:02d}-{i + 1}", "origin": "llm", "question": reply["question"],
                    "pick": reply["pick"], "text": item["text"].strip(), "cite_ids": ids,
                    "cites": cited([reply["evidence"][c] for c in ids if c in reply["evidence"]], knowledge),
                    "unknown_ids": [c for c in ids if c not in reply["evidence"]], "label": None})
    return out


def template_sentences(question: str, n: int, knowledge) -> list[dict]:
    answer = recommend(question, kb=knowledge)
    grounded = explain(answer, knowledge)
    by_number = {c["n"]: c["claim"] for c in grounded.citations}
    return [{"id": f"tpl-{n:02d}-{i + 1}", "origin": "template", "question": question, "pick": answer.top.label,
             "text": s.text, "cites": cited([by_number[k] for k in s.citations], knowledge), "label": None}
            for i, s in enumerate(grounded.sentences)]


def write_sentences(out: Path = SENTENCES) -> int:
    """Every sentence of the recorded replies and of the template answers to the same needs, with the
    quotes each cites, unlabelled (a reader labels them apart)."""
    knowledge = kg.current()
    replies = {r["question"]: r for r in load_replies()["replies"]} if REPLIES.exists() else {}
    rows = []
    for n, question in enumerate(questions(), 1):
        if recommend(question, kb=knowledge).declined:
            continue
        if question in replies:
            rows += llm_sentences(replies[question], n, knowledge)
        rows += template_sentences(question, n, knowledge)
    header = ("# Sentences to label supported / unsupported by their cited quotes (with context), for the\n"
              "# free-text support check (explain/support.py). origin llm: a real model's reply (recorded in\n"
              "# llm-replies.json); template: the grounded explainer. Written by tests/llm_record.py.\n")
    out.write_text(header + yaml.safe_dump({"sentences": rows}, sort_keys=False, allow_unicode=True, width=110),
                   encoding="utf-8")
    return len(rows)


LABELS = REPLIES.parent / "llm-labels.yaml"


def read_labels(path: Path = LABELS) -> dict[str, str]:
    """id -> supported / unsupported, from a list of {id, label} (under `sentences` or `labels`) or a mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and not any(k in data for k in ("sentences", "labels")):
        return {str(k): str(v.get("label") if isinstance(v, dict) else v).lower() for k, v in data.items()}
    rows = data.get("sentences") or data.get("labels") if isinstance(data, dict) else data
    return {str(r["id"]): str(r["label"]).lower() for r in rows if r.get("label")}


def verdicts(knowledge, rows: list[dict]) -> dict[str, Verdict]:
    """The support check's verdict on each labelled sentence, as the LLM backend would reach it."""
    by_family = {label: fid for fid, label in FAMILY_LABELS.items()}
    out = {}
    for row in rows:
        check = SupportCheck(knowledge.index, row["question"], by_family[row["pick"]], knowledge.matcher.encode)
        if row.get("unknown_ids") or not row["cites"] or any(c.get("missing") for c in row["cites"]):
            out[row["id"]] = Verdict(False, "cites an id that is not in the evidence")
            continue
        text = re.sub(r"\s*\[[^\]]*\]", "", row["text"]).strip()
        out[row["id"]] = check.check(text, [knowledge.index.claims[c["claim"]] for c in row["cites"]])
    return out


def measure(knowledge, split: str = "all") -> dict:
    """Kept-supported and rejected-unsupported rates over the labelled sentences; split `tune` is the
    needs with an odd number, `held-out` the even ones, `all` both."""
    labels = read_labels()
    rows = [r for r in yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))["sentences"] if r["id"] in labels]
    # a sentence citing a claim since removed from the curated claims (it misread its quote) is left out
    retired = [r["id"] for r in rows if any(c.get("claim") and c["claim"] not in knowledge.index.claims
                                             for c in r["cites"])]
    rows = [r for r in rows if r["id"] not in retired]
    if split != "all":
        rows = [r for r in rows if (int(r["id"].split("-")[1]) % 2 == 1) == (split == "tune")]
    return {"split": split, "sentences": len(rows), "retired": retired,
            **rates(knowledge, rows, {r["id"]: labels[r["id"]] for r in rows})}


def rates(knowledge, rows: list[dict], labels: dict[str, str]) -> dict:
    """The check's verdicts on labelled rows: kept-supported and rejected-unsupported, and the ids it got wrong."""
    results = verdicts(knowledge, rows)
    figures = {}
    for kind, want in (("supported", True), ("unsupported", False)):
        ids = [r["id"] for r in rows if labels[r["id"]] == kind]
        right = [i for i in ids if results[i].ok == want]
        figures[kind] = len(ids)
        figures["kept_supported" if want else "rejected_unsupported"] = round(len(right) / len(ids), 3) if ids else None
        figures["wrong_" + kind] = [(i, results[i].reason) for i in ids if i not in right]
    return figures


def append_sentences(prefix: str, out: Path = SENTENCES) -> int:
    """Add the sentences of the replies now recorded under new ids (a later recording, after the
    file was handed to the reader), keeping every row already there."""
    knowledge = kg.current()
    text = out.read_text(encoding="utf-8")
    rows = yaml.safe_load(text)["sentences"]
    numbers = {q: n for n, q in enumerate(questions(), 1)}
    added = [row for reply in load_replies()["replies"]
             for row in llm_sentences(reply, numbers[reply["question"]], knowledge, prefix)]
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    out.write_text(header + yaml.safe_dump({"sentences": rows + added}, sort_keys=False, allow_unicode=True,
                                           width=110), encoding="utf-8")
    return len(added)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--model")
    parser.add_argument("--sentences", action="store_true")
    parser.add_argument("--append", metavar="PREFIX", help="add the recorded replies' sentences under new ids")
    parser.add_argument("--measure", choices=["all", "tune", "held-out"])
    parser.add_argument("--out", type=Path, default=REPLIES)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--part", default="1/1", help="k/n: record every n-th need from the k-th")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(kg.current(), args.measure), indent=1))
        return
    if args.append:
        print(append_sentences(args.append), "sentences added")
        return
    if args.sentences:
        print(write_sentences(), "sentences written")
        return
    record(args.url, args.model, args.out, args.timeout, args.part)


if __name__ == "__main__":
    main()
