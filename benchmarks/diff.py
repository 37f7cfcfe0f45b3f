"""`whichmodel diff`: the time to answer the dev questions on the current and the previous build.

    .venv/bin/python benchmarks/diff.py            (needs a build with a previous generation)

Three ways, in one run, same questions, same builds (each build's concept embeddings cached on disk, as
after a first diff):
- reference: each build answers with its own encoder (what diff did before: every question embedded
  twice);
- shared: one encoder for both builds (each question and its clauses embedded once);
- saved: the previous generation's answers read from what the last diff saved (the usual case after
  `build`), only the current build answering.
Prints seconds and the ratio to the reference, and whether the reports are the same.
"""
from __future__ import annotations

import sys
import time

from explain.changes import (
    SharedEncoder,
    answer_all,
    answers_path,
    diff_snapshots,
    load_questions,
    previous_generation,
    snapshot_answers,
)
from kg.graph.store import generation_dir
from kg.reasoning.embedding import Embedder


def main(argv: list[str]) -> int:
    current, previous = generation_dir(), previous_generation()
    questions = load_questions()
    embedder = Embedder()
    embedder.encode(["warm up"])
    for folder in (current, previous):          # the concept embeddings cached, as after a first diff
        answer_all(folder, questions[:1], SharedEncoder(embedder))
        answers_path(folder).unlink(missing_ok=True)
    t0 = time.perf_counter()
    reference = [answer_all(f, questions, SharedEncoder(embedder)) for f in (previous, current)]
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    shared = SharedEncoder(embedder)
    one = [snapshot_answers(f, questions, shared) for f in (previous, current)]
    t_shared = time.perf_counter() - t0
    answers_path(current).unlink(missing_ok=True)
    t0 = time.perf_counter()
    two = [snapshot_answers(f, questions, SharedEncoder(embedder)) for f in (previous, current)]
    t_saved = time.perf_counter() - t0
    same = [diff_snapshots(*r).to_dict() for r in (reference, one, two)]
    print(f"{len(questions)} questions, {previous.name} -> {current.name}")
    print(f"{'reference (each build its own encoder)':<44} {t_ref:7.1f} s  1.00x")
    print(f"{'shared encoder':<44} {t_shared:7.1f} s  {t_shared / t_ref:.2f}x")
    print(f"{'previous answers saved by the last diff':<44} {t_saved:7.1f} s  {t_saved / t_ref:.2f}x")
    print(f"same report: {same[0] == same[1] == same[2]} ({same[0]['changed']} answers changed)")
    return 0 if same[0] == same[1] == same[2] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
