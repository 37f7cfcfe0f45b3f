"""Benchmark scale: synthetic graphs of about 200k and 2M triples (the build's claims, rules and annotations
replicated under new IRIs, in the same document graphs), loaded and queried with the 16 competency queries
through the library (kg.sparql on Oxigraph) and through the SPARQL endpoint (the server's app with its worker
processes at their default limits: $WHICHMODEL_WORKER_MEMORY_MB or 2048 MB of address space each).

Figures: load time, per-query times (total, and the geometric mean of the ratios against the real build measured
in this run), peak memory (the library's process; the endpoint's largest worker), and errors. Prints figures only;
run from the project root: `.venv/bin/python benchmarks/scale.py [--sizes 200000,2000000]` (`make bench-scale`).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kg  # noqa: E402 - after the path
from kg.graph.store import GRAPH_NQ, read_output, write_outputs  # noqa: E402

REPLICATED = re.compile(rb"<https://w3id\.org/whichmodel/(claim|rule)/")
ROUNDS = 3
JSON = "application/sparql-results+json"


def queries() -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "ontology/queries").glob("*.rq"))]


def synthetic(nquads: bytes, target: int) -> bytes:
    """The build's quads, with every line naming a claim or a rule copied under new IRIs (claim/rN-…) until
    there are about `target` quads."""
    lines = nquads.splitlines(keepends=True)
    replicated = [line for line in lines if REPLICATED.search(line)]
    copies = max(0, math.ceil((target - len(lines)) / len(replicated)))
    out = list(lines)
    for n in range(1, copies + 1):
        tag = f"r{n}-".encode()
        out.extend(REPLICATED.sub(lambda m, tag=tag: m.group(0) + tag, line) for line in replicated)
    return b"".join(out)


def write_build(data: bytes, folder: Path) -> Path:
    """A build folder holding only graph.nq (all the SPARQL stores and workers read)."""
    write_outputs({GRAPH_NQ: data}, {"synthetic": True, "files": [GRAPH_NQ]}, folder)
    return folder


# ------------------------------------------------------------------------------------ library (child process)
def library(folder: str) -> None:
    """In a fresh process: load the store, run every query ROUNDS times; print JSON figures."""
    import resource

    from kg.sparql import run_query
    from kg.sparql.backends import open_store

    start = time.perf_counter()
    store = open_store("oxigraph", Path(folder))
    load = time.perf_counter() - start
    times, rows = {}, {}
    for name, text in queries():
        best = math.inf
        for _ in range(ROUNDS):
            start = time.perf_counter()
            result = run_query(store, text)
            best = min(best, time.perf_counter() - start)
        times[name], rows[name] = best * 1000, len(result.rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"triples": len(store), "load_s": load, "ms": times, "rows": rows, "peak_mb": peak}))


def run_library(folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--library", str(folder)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------ endpoint
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVE = """
import sys, uvicorn
from app.server import create_app
uvicorn.run(create_app(build_dir=sys.argv[1], ui=False), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_endpoint(folder: Path) -> dict:
    """Start the endpoint on folder, time until it answers, run every query ROUNDS times over HTTP."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(folder), str(port)], cwd=ROOT)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the endpoint exited ({proc.returncode})")
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        ready = time.perf_counter() - start
        times, errors = {}, 0
        with httpx.Client(timeout=60) as client:
            for name, text in queries():
                best = math.inf
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    reply = client.post(url, data={"query": text}, headers={"Accept": JSON})
                    best = min(best, time.perf_counter() - start)
                    errors += reply.status_code != 200
                times[name] = best * 1000
        workers = _children(proc.pid)
        peak = max((_peak_mb(pid) for pid in workers), default=0.0)
        return {"ready_s": ready, "ms": times, "errors": errors, "worker_peak_mb": peak, "workers": len(workers)}
    finally:
        proc.terminate()
        proc.wait(30)


# ------------------------------------------------------------------------------------ report
def geomean(values) -> float:
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values))


def measure(label: str, data: bytes, parent: Path) -> dict:
    folder = write_build(data, parent / label)
    figures = {"label": label, "library": run_library(folder), "endpoint": run_endpoint(folder)}
    print(f"  measured {label}: {figures['library']['triples']:,} triples", file=sys.stderr, flush=True)
    return figures


def report(results: list[dict]) -> None:
    base = results[0]
    print("| graph | triples | library: load | library: 16 queries | ratio to the build (geomean) | library: peak RSS "
          "| endpoint: ready | endpoint: 16 queries | ratio | endpoint: largest worker | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        lib, end = r["library"], r["endpoint"]
        lib_ratio = geomean(lib["ms"][q] / base["library"]["ms"][q] for q in lib["ms"])
        end_ratio = geomean(end["ms"][q] / base["endpoint"]["ms"][q] for q in end["ms"])
        print(f"| {r['label']} | {lib['triples']:,} | {lib['load_s']:.2f} s | {sum(lib['ms'].values()):.0f} ms | "
              f"{lib_ratio:.1f}x | {lib['peak_mb']:.0f} MB | {end['ready_s']:.1f} s | "
              f"{sum(end['ms'].values()):.0f} ms | {end_ratio:.1f}x | {end['worker_peak_mb']:.0f} MB | "
              f"{end['errors']} |")
    slowest = max(results[-1]["library"]["ms"].items(), key=lambda kv: kv[1])
    print(f"\nslowest query on the largest graph (library): {slowest[0]} {slowest[1]:.0f} ms; rows per query there: "
          + ", ".join(f"{k[:2]} {v}" for k, v in results[-1]["library"]["rows"].items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200000,2000000", help="target triples, comma-separated")
    parser.add_argument("--library", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.library:
        library(args.library)
        return
    import os

    kb = kg.open(fit=False)
    nquads = read_output(GRAPH_NQ, kb.folder)
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="whichmodel-scale-") as tmp:
        results = [measure("build", nquads, Path(tmp))]
        for size in (int(s) for s in args.sizes.split(",")):
            results.append(measure(f"{size // 1000}k", synthetic(nquads, size), Path(tmp)))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    report(results)


if __name__ == "__main__":
    main()
