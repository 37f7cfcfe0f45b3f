"""`whichmodel ask` and `whichmodel eval`: parse, call kg.reasoning.recommend / explain.explain, print."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import kg
from app.evaluate import evaluate
from app.needs_eval import evaluate_needs, report_lines
from explain import Explanation, explain
from explain.llm import LLMBackend
from kg.errors import QuestionError, WhichModelError
from kg.reasoning.answer import Answer
from kg.reasoning.recommend import check_option
from kg.reasoning.training import needs_dir
from kg.sources.corpus import short_id
from kg.sources.yamlsafe import load_yaml, read_text

MAX_FILE_BYTES = 10_000_000


def register_ask(sub) -> None:
    p = sub.add_parser("ask", help="recommend a model family for a need, with cited reasons")
    p.add_argument("question", nargs="?", help="your need in plain words")
    p.add_argument("--file", type=Path, help="one question a line; with --json, one JSON object a line")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--task", help="the task, overriding what the text implies (e.g. 'image generation')")
    p.add_argument("--compute", choices=["small", "large"])
    p.add_argument("--data", choices=["small", "large"])
    p.add_argument("--pretrained", choices=["yes", "no"])
    p.add_argument("--priority", action="append", default=[], help="a top priority (repeatable): "
                   "quality, speed, stability, diversity, control, interpretability, likelihood, latent")
    p.add_argument("--llm", metavar="BASE_URL", help="phrase the explanation with an OpenAI-compatible server")
    p.add_argument("--llm-model", metavar="NAME", help="model name on that server")
    p.add_argument("--store", metavar="URL", help="read the graph from this SPARQL 1.1 query endpoint, which holds a "
                   "build `whichmodel publish` uploaded (the need parser and the embedding cache stay local)")
    p.set_defaults(run=run_ask)


def _questions(args) -> list[str]:
    if args.file:
        lines = read_text(args.file, QuestionError, MAX_FILE_BYTES).splitlines()
        return [line for line in lines if line.strip()]
    if args.question is None:
        raise QuestionError("give a question, or --file with one question a line")
    return [args.question]


def run_ask(args) -> int:
    # checked once here, so that a bad option is one error, not one for each question of --file
    overrides = {"task": check_option("task", args.task), "compute": args.compute, "data": args.data,
                 "pretrained": args.pretrained,
                 "priorities": [check_option("priority", p) for p in args.priority] or None}
    status, kb, backend = 0, kg.open(store=args.store) if args.store else kg.current(), _backend(args)
    for line_no, question in enumerate(_questions(args), start=1):
        try:
            answer = kb.recommend(question, **overrides)
        except QuestionError as exc:
            if not args.file:
                raise
            exc.file, exc.line = str(args.file), line_no
            print(f"whichmodel: error: {exc}", file=sys.stderr)
            status = 1
            continue
        shown = answer_json(answer, explain(answer, kb, backend))
        if args.json:
            print(json.dumps(shown, ensure_ascii=False, indent=None if args.file else 1))
        else:
            print(render_answer(shown))
    return status


def answer_json(answer: Answer, explanation: Explanation) -> dict:
    """The `--json` shape: the answer's fields, then its explanation's."""
    return {**answer.to_dict(), "explanation": explanation.text,
            "explanation_sentences": [s.to_dict() for s in explanation.sentences],
            "citations": explanation.citations, "explainer": explanation.backend,
            "explainer_note": explanation.note}


def _backend(args):
    if not args.llm:
        return None
    return LLMBackend.from_settings(base_url=args.llm, model=args.llm_model)


def render_answer(answer: dict) -> str:
    """The short human-readable answer: explanation, numbered sources, needs understood."""
    lines = [answer["explanation"], ""]
    if answer.get("explainer_note"):
        lines.insert(0, f"({answer['explainer_note']})")
    if answer["citations"]:
        lines.append("Sources:")
        for c in answer["citations"]:
            lines.append(f"  [{c['n']}] {short_id(c['doc'])} @{c['start']}-{c['end']}: {shown_quote(c)}")
        lines.append("Documents:")
        for doc, title in sorted(dict.fromkeys((c["doc"], c.get("title") or "") for c in answer["citations"])):
            lines.append(f"  {short_id(doc)}  {title} ({doc})" if title else f"  {short_id(doc)}  ({doc})")
    needs = ", ".join(f"{n['label']} ({n['kind'].replace('_', ' ')})" for n in answer["needs"])
    if needs:
        lines.append(f"Understood: {needs}")
    for change in answer.get("what_would_change", [])[:3]:
        lines.append(f"Would change: {change['change']} → {change['family']}")
    return "\n".join(lines).rstrip()


def shown_quote(citation: dict) -> str:
    """The quote as a reader sees it: `context: “quote”`, or the quote alone when it stands alone."""
    context = citation.get("context") or ""
    return f"{context}: “{citation['quote']}”" if context else f"“{citation['quote']}”"


def register_parser(sub) -> None:
    p = sub.add_parser("parser", help="fit the need parser on the need corpus (ontology/needs) for the current build")
    p.add_argument("--hold-out-dev", action="store_true",
                   help="keep the parser fitted on train.yaml alone, so that `whichmodel eval ontology/needs/dev.yaml` "
                        "measures it (by default it is fitted again on train and dev once dev has tuned it)")
    p.set_defaults(run=run_parser)


def run_parser(args) -> int:
    kb = kg.open(fit=False)
    figures = kb.fit_parser(hold_out_dev=args.hold_out_dev)
    seen = " and ".join(f"{name}.yaml" for name in kb.parser.fitted_on)
    print(f"fitted the need parser on {seen} into {kb.folder}; tuned on ontology/needs/dev.yaml "
          "(F1 there of the heads fitted on train.yaml):")
    for group, f in figures.items():
        used = "learned heads" if f["uses_model"] else "hand-written rules (they beat the heads)"
        print(f"  {group:<12} rules {f['rules_f1']:.3f}  heads {f['model_f1']:.3f}  -> {used}")
    return 0


def register_eval(sub) -> None:
    p = sub.add_parser("eval", help="accuracy on a question set, next to an embedding-only baseline")
    p.add_argument("file", type=Path, help="a YAML file in the format of shared/eval/dev.yaml, or a need "
                   "corpus file (ontology/needs/dev.yaml, tests/data/needs-test.yaml)")
    p.add_argument("-v", "--verbose", action="store_true", help="list the failures")
    p.set_defaults(run=run_eval)


def _pct(value) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def fitted_on_file(kb, path: Path) -> bool:
    """Whether the build's need parser was fitted on this need file."""
    parser = kb.parser
    return parser is not None and any(path.resolve() == (needs_dir() / f"{name}.yaml").resolve()
                                      for name in parser.fitted_on)


def run_eval(args) -> int:
    data = load_yaml(args.file, WhichModelError)
    if isinstance(data, dict) and "needs" in data:          # the need corpus's format
        kb = kg.current()
        print("\n".join(report_lines(str(args.file), evaluate_needs(args.file, kb), verbose=args.verbose)))
        if fitted_on_file(kb, args.file):
            print(f"note: the need parser was fitted on {args.file.name}, so these figures do not measure it; run "
                  "`whichmodel parser --hold-out-dev` first for a measure")
        return 0
    result = evaluate(args.file)
    product, baseline = result["product"], result["baseline"]
    print(f"{result['cases']} questions from {args.file}")
    print(f"{'':22}{'whichmodel':>12}{'baseline':>12}")
    for name, label in (("top1", "top-1 accuracy"), ("top3", "top-3 recall"), ("cite", "citation hit rate"),
                        ("declines", "decline accuracy")):
        print(f"{label:22}{_pct(product.rate(name)):>12}{_pct(baseline.rate(name)):>12}")
    faith = result["faithfulness"]
    if faith:
        print(f"{'citation coverage':22}{_pct(faith['coverage']):>12}")
        print(f"{'citation validity':22}{_pct(faith['validity']):>12}")
        print(f"{'citation precision':22}{_pct(faith['precision']):>12}")
        print(f"{'source-count mismatches':22}{faith['count_mismatches']:>7} of {faith['counting_sentences']}")
        print(f"{'short quotes, no context':22}{_pct(faith['short_quotes_share']):>12}")
    if args.verbose:
        for failure in product.failures:
            print(f"  miss {failure}")
    return 0
