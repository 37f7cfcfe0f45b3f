"""How many citations shown in answers have a quote too short to check and no context.

Over the answers to the dev set (../shared/eval/dev.yaml) and the need corpus's dev split
(ontology/needs/dev.yaml), with the grounded explainer: of every citation an answer shows, the
share whose quote is under 4 words, and the share of those that come without a context (the
issue's target: at most 2% of shown citations). Run from the project root after a build:
`.venv/bin/python benchmarks/quote_context.py`.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = (ROOT.parent / "shared/eval/dev.yaml", ROOT / "ontology/needs/dev.yaml")


def questions(path: Path) -> list[str]:
    import yaml
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [item["q"] for item in data.get("cases") or data.get("needs") or []]


def shown_citations(kb, question: str) -> list[dict]:
    from explain import explain
    answer = kb.recommend(question)
    return [] if answer.declined else explain(answer, kb).citations


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import kg
    from explain.check import SHORT_QUOTE_WORDS, needs_context
    from kg.sources.context import word_count

    kb = kg.current()
    for path in SETS:
        cited = [c for q in questions(path) for c in shown_citations(kb, q)]
        short = [c for c in cited if word_count(c["quote"]) < SHORT_QUOTE_WORDS]
        bare = [c for c in cited if needs_context(c)]
        share = len(bare) / len(cited) if cited else 0.0
        print(f"{path.name} ({path.parent.name}): {len(cited)} shown citations, {len(short)} "
              f"({len(short) / max(1, len(cited)):.1%}) quote under {SHORT_QUOTE_WORDS} words, "
              f"{len(bare)} ({share:.1%}) of those without a context")
        for c in bare[:10]:
            print(f"  no context: {c['claim']}: “{c['quote']}”")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
