"""Benchmark the recommender: warm latency over the dev set and cold-start wall times.

Prints figures only; run from the project root: `.venv/bin/python benchmarks/recommend.py`.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT.parent / "shared/eval/dev.yaml"
ROUNDS = 5
COLD_RUNS = 3


def load_questions() -> list[str]:
    import yaml
    return [case["q"] for case in yaml.safe_load(DEV_SET.read_text())["cases"]]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def time_each(questions: list[str], call, *, before=None) -> list[float]:
    """Milliseconds of call(question) over ROUNDS rounds, after one untimed warm-up round; before() runs
    untimed ahead of each call."""
    times = []
    for round_no in range(ROUNDS + 1):
        for q in questions:
            if before:
                before()
            start = time.perf_counter()
            call(q)
            elapsed = (time.perf_counter() - start) * 1000
            if round_no:
                times.append(elapsed)
    return times


def time_calls(questions: list[str], kb, *, clear_cache: bool, alternatives: bool = True) -> list[float]:
    """Milliseconds per recommend call (the embedding cache cleared before each, when asked)."""
    return time_each(questions, lambda q: kb.recommend(q, alternatives=alternatives),
                     before=kb.matcher._encode.cache_clear if clear_cache else None)


def time_process(argv: list[str]) -> float:
    """Median wall seconds of COLD_RUNS fresh processes."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    walls = []
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def measure_warm(questions: list[str]) -> list[tuple[str, list[float]]]:
    import kg
    start = time.perf_counter()
    kb = kg.open()
    _ = kb.matcher                      # the matcher loads the embedding model on first use
    print(f"kg.open() and the matcher: {time.perf_counter() - start:.2f} s")
    return [
        ("recommend, incl. embedding", time_calls(questions, kb, clear_cache=True)),
        ("recommend, excl. embedding", time_calls(questions, kb, clear_cache=False)),
        ("  same, alternatives=False", time_calls(questions, kb, clear_cache=False, alternatives=False)),
    ]


def measure_reference(questions: list[str]) -> list[float]:
    """The same-run reference: milliseconds to embed one question with sentence-transformers itself (torch,
    one thread), the plainest way to touch the model at all."""
    import torch
    from sentence_transformers import SentenceTransformer

    from kg.encoder.model import model_path
    torch.set_num_threads(1)
    model = SentenceTransformer(str(model_path()), device="cpu")
    return time_each(questions, lambda q: model.encode([q], normalize_embeddings=True))


def measure_cold() -> list[tuple[str, float]]:
    bin_dir = ROOT / ".venv/bin"
    cli = str(bin_dir / "whichmodel")
    return [
        ("whichmodel ask '...fast...'", time_process([cli, "ask", "Image generation must be as fast as possible."])),
        ("python -c 'import sentence_transformers'",
         time_process([str(bin_dir / "python"), "-c", "import sentence_transformers"])),
        ("whichmodel --help", time_process([cli, "--help"])),
        ("whichmodel sparql 'ASK { ?s ?p ?o }'", time_process([cli, "sparql", "ASK { ?s ?p ?o }"])),
    ]


def print_report(questions: list[str], warm: list[tuple[str, list[float]]], reference: list[float],
                 cold: list[tuple[str, float]]) -> None:
    print(f"\nmachine: {platform.system()} {platform.machine()}, cpu_count={os.cpu_count()}, "
          f"python {platform.python_version()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")
    print(f"dev set: {len(questions)} questions x {ROUNDS} rounds (after 1 warm-up round)\n")
    print(f"{'warm latency':<44}{'p50 ms':>10}{'p95 ms':>10}")
    for label, times in warm:
        print(f"{label:<44}{percentile(times, 50):>10.1f}{percentile(times, 95):>10.1f}")
    print(f"{'reference: sentence-transformers encode(q)':<44}{percentile(reference, 50):>10.1f}"
          f"{percentile(reference, 95):>10.1f}")
    whole = warm[0][1]
    print(f"{'ratio recommend incl. embedding / reference':<44}"
          f"{percentile(whole, 50) / percentile(reference, 50):>10.2f}"
          f"{percentile(whole, 95) / percentile(reference, 95):>10.2f}")
    print(f"\n{f'cold start (median of {COLD_RUNS} runs)':<44}{'wall s':>10}")
    for label, wall in cold:
        print(f"{label:<44}{wall:>10.2f}")
    ratio = cold[0][1] / cold[1][1]
    print(f"{'ratio ask / import sentence_transformers':<44}{ratio:>10.2f}")


def main() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    sys.path.insert(0, str(ROOT))
    questions = load_questions()
    warm = measure_warm(questions)
    reference = measure_reference(questions)
    cold = measure_cold()
    print_report(questions, warm, reference, cold)


if __name__ == "__main__":
    main()
