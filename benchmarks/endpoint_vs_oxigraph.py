"""The SPARQL endpoint against a bare Oxigraph server, side by side in one run, one client.

Both serve the same build (its graph.nq, one named graph per document, default graph = their union):
`whichmodel serve` (guard, worker processes, time limit, row cap) and `oxigraph serve-read-only` (the
`oxigraph` package's server). One client sends the 16 competency queries in rounds to each in turn; the
figures are requests per second, p50 and p95, and the endpoint's rate as a share of Oxigraph's.

    .venv/bin/python benchmarks/endpoint_vs_oxigraph.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serve import QUERIES, find_free_port, percentile, send_query, start_server, stop_server, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 8


def oxigraph_binary() -> str:
    exe = Path(sys.executable).with_name("oxigraph")
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not found:
        sys.exit("the `oxigraph` server binary is missing: pip install -e '.[test]' installs it")
    return found


def start_oxigraph(folder: Path, port: int) -> subprocess.Popen:
    nquads = ROOT / "build" / "current" / "graph.nq"
    subprocess.run([oxigraph_binary(), "load", "--location", str(folder), "--file", str(nquads)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(folder), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if send_query(url, "ASK {}")[0] == 200:
            return
        time.sleep(0.2)
    sys.exit(f"no answer from {url}")


def measure(url: str, queries: list[str]) -> tuple[list[tuple[int, float]], float]:
    for query in queries:                      # one warm-up round: parse caches, page cache
        send_query(url, query)
    start, results = time.perf_counter(), []
    for _ in range(ROUNDS):
        results += [send_query(url, query) for query in queries]
    return results, time.perf_counter() - start


def report(name: str, results: list[tuple[int, float]], wall: float) -> float:
    ms = [m for _, m in results]
    errors = sum(status != 200 for status, _ in results)
    rate = len(results) / wall
    print(f"{name:<30}{len(results):>6}{errors:>8}{rate:>9.1f}{percentile(ms, 50):>10.1f}{percentile(ms, 95):>10.1f}")
    return rate


def main() -> None:
    queries = [path.read_text() for path in QUERIES]
    ours_port, oxi_port = find_free_port(), find_free_port()
    ours = start_server(ours_port)
    with tempfile.TemporaryDirectory(prefix="wm-oxigraph-") as folder:
        oxi = start_oxigraph(Path(folder), oxi_port)
        try:
            wait_until_ready(ours, ours_port)
            wait_for(f"http://127.0.0.1:{oxi_port}/query")
            print(f"{'one client, 16 queries x ' + str(ROUNDS):<30}{'n':>6}{'errors':>8}{'req/s':>9}{'p50 ms':>10}"
                  f"{'p95 ms':>10}")
            bare = report("oxigraph serve-read-only", *measure(f"http://127.0.0.1:{oxi_port}/query", queries))
            mine = report("whichmodel serve /sparql", *measure(f"http://127.0.0.1:{ours_port}/sparql", queries))
            print(f"whichmodel's rate is {mine / bare:.2f}x Oxigraph's (the target: at least 0.5x)")
        finally:
            stop_server(oxi)
            stop_server(ours)


if __name__ == "__main__":
    main()
