"""Benchmark the running server: chat latency through the Gradio API and SPARQL throughput at /sparql.

Starts `whichmodel serve` on a free port, prints figures only (no speed asserts), and always stops the server.
Run from the project root: `.venv/bin/python benchmarks/serve.py`.
"""
from __future__ import annotations

import os
import platform
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT.parent / "shared/eval/dev.yaml"
QUERIES = sorted((ROOT / "ontology/queries").glob("*.rq"))
CHAT_QUESTIONS, CLIENTS, ROUNDS, SPARQL_BUDGET_S, START_TIMEOUT_S = 20, 8, 5, 60.0, 120.0


def find_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values) or [float("nan")]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([".venv/bin/whichmodel", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until_ready(proc: subprocess.Popen, port: int) -> float:
    """Seconds until GET /sparql?query=ASK{?s ?p ?o} answers 200."""
    url = f"http://127.0.0.1:{port}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
    start = time.perf_counter()
    while time.perf_counter() - start < START_TIMEOUT_S:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not ready after {START_TIMEOUT_S:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def load_questions() -> list[str]:
    import yaml
    return [case["q"] for case in yaml.safe_load(DEV_SET.read_text())["cases"]][:CHAT_QUESTIONS]


def measure_chat(port: int, questions: list[str]) -> list[float]:
    """Milliseconds per /ask call (message, with a fresh history and state each time)."""
    from gradio_client import Client
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    times = []
    for q in questions:
        start = time.perf_counter()
        client.predict(q, api_name="/ask")
        times.append((time.perf_counter() - start) * 1000)
    return times


def send_query(url: str, query: str) -> tuple[int, float]:
    """POST a query to a SPARQL endpoint's URL: (HTTP status or 0, milliseconds)."""
    request = urllib.request.Request(url, data=query.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-query",
                                              "Accept": "application/sparql-results+json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError):
        status = 0
    return status, (time.perf_counter() - start) * 1000


def run_client(port: int, queries: list[str], deadline: float) -> list[tuple[int, float]]:
    results = []
    for _ in range(ROUNDS):
        for query in queries:
            if time.perf_counter() > deadline:
                return results
            results.append(send_query(f"http://127.0.0.1:{port}/sparql", query))
    return results


def measure_sparql(port: int) -> tuple[list[tuple[int, float]], float]:
    queries = [path.read_text() for path in QUERIES]
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(run_client, port, queries, start + SPARQL_BUDGET_S) for _ in range(CLIENTS)]
        results = [r for f in futures for r in f.result()]
    return results, time.perf_counter() - start


def main() -> None:
    port = find_free_port()
    proc = start_server(port)
    try:
        ready = wait_until_ready(proc, port)
        chat = measure_chat(port, load_questions())
        sparql, wall = measure_sparql(port)
    finally:
        stop_server(proc)
    latencies = [ms for _, ms in sparql]
    errors = sum(1 for status, _ in sparql if status != 200)
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()} ({platform.system()})")
    print(f"server ready after {ready:.1f} s on port {port}")
    print(f"{'benchmark':<34}{'n':>6}{'errors':>8}{'req/s':>9}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'chat /ask (sequential)':<34}{len(chat):>6}{'-':>8}{len(chat) / (sum(chat) / 1000):>9.1f}"
          f"{percentile(chat, 50):>10.1f}{percentile(chat, 95):>10.1f}")
    print(f"{f'sparql POST ({CLIENTS} clients, {len(QUERIES)} queries)':<34}{len(sparql):>6}{errors:>8}"
          f"{len(sparql) / wall:>9.1f}{percentile(latencies, 50):>10.1f}{percentile(latencies, 95):>10.1f}")


if __name__ == "__main__":
    main()
