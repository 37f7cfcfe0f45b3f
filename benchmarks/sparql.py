"""Benchmark SPARQL: the 16 competency queries on rdflib, on our Oxigraph store and on bare pyoxigraph, what a
worker process adds per request, whether a query can be stopped inside the process, and a cold
`whichmodel sparql 'ASK {}'`. Ratios are against bare pyoxigraph (or a bare process), measured in this run.

Prints figures only; run from the project root: `.venv/bin/python benchmarks/sparql.py`.
"""
from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

import kg
from app.workers import WorkerPool, execute
from kg.graph.store import GRAPH_NT, GRAPH_TTL, read_output
from kg.sparql import vet
from kg.sparql.backends import RdflibStore

ROOT = Path(__file__).resolve().parents[1]

ROUNDS = 7
COLD_RUNS = 5
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def median_ms(run, rounds: int = ROUNDS) -> float:
    """Median milliseconds of `rounds` calls, after one untimed warm-up call."""
    run()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_run(store, text: str):
    answer = store.query(text)
    if isinstance(answer, ox.QueryBoolean):
        return bool(answer)
    return [tuple(row) for row in answer]


def queries() -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "ontology/queries").glob("*.rq"))]


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def loading(kb) -> None:
    """What the build could persist for the store, by time to a queryable store (median of 5 loads)."""
    ntriples, turtle = read_output(GRAPH_NT, kb.folder), read_output(GRAPH_TTL, kb.folder)

    def from_bytes(data, fmt):
        store = ox.Store()
        store.bulk_load(data, fmt)
        return store
    with tempfile.TemporaryDirectory() as tmp:
        disk = ox.Store(tmp)
        disk.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES)
        disk.flush()
        del disk
        figures = {"N-Triples into an in-memory pyoxigraph store (the build's graph.nt)":
                   median_ms(lambda: from_bytes(read_output(GRAPH_NT, kb.folder), ox.RdfFormat.N_TRIPLES), 5),
                   "Turtle into an in-memory pyoxigraph store": median_ms(
                       lambda: from_bytes(read_output(GRAPH_TTL, kb.folder), ox.RdfFormat.TURTLE), 5),
                   "an on-disk pyoxigraph store opened read-only": median_ms(
                       lambda: len(ox.Store.read_only(tmp)), 5),
                   "Turtle into rdflib (the reference engine)": median_ms(
                       lambda: Graph().parse(data=turtle, format="turtle"), 3)}
    print("Loading the built graph (ms, checksum check included where the build's file is read):")
    for what, ms in figures.items():
        print(f"  {ms:8.1f}  {what}")
    print()


def in_process(kb) -> None:
    bare = ox.Store()
    bare.bulk_load(read_output(GRAPH_NT, kb.folder), ox.RdfFormat.N_TRIPLES)
    reference = RdflibStore(kb.graph)
    print(f"In process, {len(bare)} triples, median of {ROUNDS} runs (ms); ratios against bare pyoxigraph")
    print(f"{'query':28} {'rdflib':>9} {'ours':>8} {'bare':>8} {'rdflib/bare':>12} {'ours/bare':>10} {'guard':>7}")
    totals, ratios_rdflib, ratios_ours = [0.0, 0.0, 0.0, 0.0], [], []
    for name, text in queries():
        vet.cache_clear()
        start = time.perf_counter()
        vetted = vet(text)
        guard = (time.perf_counter() - start) * 1000       # parsed once per text, then cached
        t_rdflib = median_ms(lambda vetted=vetted: reference.run(vetted, 10_000))
        t_ours = median_ms(lambda text=text: kb.query(text))          # the guard's cache hit included
        t_bare = median_ms(lambda text=text: bare_run(bare, text))
        for i, value in enumerate((t_rdflib, t_ours, t_bare, guard)):
            totals[i] += value
        ratios_rdflib.append(t_rdflib / t_bare)
        ratios_ours.append(t_ours / t_bare)
        print(f"{name:28} {t_rdflib:9.2f} {t_ours:8.2f} {t_bare:8.2f} {t_rdflib / t_bare:11.1f}x "
              f"{t_ours / t_bare:9.2f}x {guard:7.2f}")
    print(f"{'all 16':28} {totals[0]:9.1f} {totals[1]:8.1f} {totals[2]:8.1f} {totals[0] / totals[2]:11.1f}x "
          f"{totals[1] / totals[2]:9.2f}x {totals[3]:7.1f}")
    print(f"{'geometric mean of ratios':28} {'':9} {'':8} {'':8} {geomean(ratios_rdflib):11.1f}x "
          f"{geomean(ratios_ours):9.2f}x")


def worker_overhead(kb) -> None:
    """A query answered by a worker process (what the server does) against the same call in this process."""
    formats = {kind: ["json"] for kind in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")}
    texts = [text for _, text in queries()]
    pool = WorkerPool(1, build_dir=kb.folder, timeout=60).start()
    try:
        direct = median_ms(lambda: [execute(kb, t, formats, 10_000) for t in texts])
        pooled = median_ms(lambda: [pool.run(t, formats) for t in texts])
        ask_direct = median_ms(lambda: execute(kb, "ASK {}", formats, 10_000), 50)
        ask_pooled = median_ms(lambda: pool.run("ASK {}", formats), 50)
    finally:
        pool.close()
    print(f"\nWorker process (vet, run, write JSON): 16 queries {pooled:.1f} ms through a worker, {direct:.1f} ms "
          f"in process ({pooled / direct:.2f}x); ASK {{}} {ask_pooled:.2f} ms against {ask_direct:.2f} ms "
          f"(+{ask_pooled - ask_direct:.2f} ms a request)")


def stoppable_in_process(kb) -> None:
    """Whether time_limit (SIGALRM) stops a runaway Oxigraph query inside the process: run one in a child with a
    1 s limit and see whether it returns within 6 s."""
    code = ("import sys, kg; from pathlib import Path; from kg.sparql import time_limit; from kg.errors import "
            f"QueryTimeout\nkb = kg.open(Path(sys.argv[1]))\ntry:\n    with time_limit(1.0):\n"
            f"        kb.query({RUNAWAY!r})\nexcept QueryTimeout:\n    print('stopped')")
    start = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, "-c", code, str(kb.folder)], capture_output=True, text=True,
                             timeout=6, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.strip()
        verdict = f"returned after {time.perf_counter() - start:.1f} s ({out or 'not stopped'})"
    except subprocess.TimeoutExpired:
        verdict = "still running after 6 s: killed (pyoxigraph has no cancellation; the alarm's handler never runs)"
    print(f"A runaway cartesian product under time_limit(1 s) in process, on Oxigraph: {verdict}")


def cold(argv: list[str]) -> float:
    """Median wall seconds of COLD_RUNS fresh processes."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    walls = []
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def cold_start(kb) -> None:
    py = sys.executable
    bare = (f"import pyoxigraph as ox; s = ox.Store(); s.bulk_load(open({str(kb.folder / GRAPH_NT)!r}, 'rb').read(), "
            "ox.RdfFormat.N_TRIPLES); print(bool(s.query('ASK {}')))")
    nothing = cold([py, "-c", "pass"])
    reference = cold([py, "-c", bare])
    ours = cold([py, "-m", "app.cli", "sparql", "ASK {}"])
    on_rdflib = cold([py, "-m", "app.cli", "sparql", "ASK {}", "--store", "rdflib"])
    print(f"\nCold `whichmodel sparql 'ASK {{}}'`, median of {COLD_RUNS} processes: {ours:.2f} s on Oxigraph, "
          f"{on_rdflib:.2f} s on rdflib ({on_rdflib / ours:.1f}x); a bare pyoxigraph process loading the same "
          f"N-Triples and asking: {reference:.2f} s (ours {ours / reference:.1f}x); `python -c pass`: {nothing:.2f} s")


def main() -> None:
    kb = kg.open(fit=False)
    loading(kb)
    in_process(kb)
    worker_overhead(kb)
    stoppable_in_process(kb)
    cold_start(kb)


if __name__ == "__main__":
    main()
