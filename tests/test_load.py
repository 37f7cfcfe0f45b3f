"""Load: 16 chat sessions and 16 SPARQL clients at once against the running `whichmodel serve`, for 60 s.

Bounded in count (32 clients) and time (WHICHMODEL_LOAD_SECONDS, default 60). The run is measured after a
warm-up that lasts until every chat session has filled its bounded history (app.chat.MAX_HISTORY turns; at
most WARM_UP_MAX s): a session's memory grows until then by design, so "steady" is judged after it.
The only failures allowed are the documented queue-full replies (Gradio's "queue is full"; the endpoint's
503 "all query workers are busy"). The server's memory (its process and its query workers) is sampled
every second and must not grow over the run. Figures go to the reliability report, not into asserts on speed.
"""
from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml
from test_endpoint import _SERVER, live_server  # noqa: F401 - the shared session server

from tests import tally

pytestmark = pytest.mark.reliability

CHAT_CLIENTS = SPARQL_CLIENTS = 16
WARM_UP, WARM_UP_MAX = 10.0, 240.0
ROOT = Path(__file__).resolve().parent.parent
FOLLOW_UPS = ["why not diffusion?", "compare VAE and GAN", "what would change your answer?"]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * pct / 100))] if ordered else float("nan")


def rss_mb(pid: int) -> float:
    """Resident memory of pid and its children (the query workers), in MB, from /proc."""
    pids = [pid] + [int(p) for p in _children(pid)]
    total = 0
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total / 1024


def _children(pid: int) -> list[str]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += (task / "children").read_text().split()
        except OSError:
            pass
    return found


class Tally:
    """Latencies and outcomes per kind, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = {"chat": [], "sparql": []}
        self.queue_full = {"chat": 0, "sparql": 0}
        self.errors: list[str] = []
        self.sent = [0] * CHAT_CLIENTS            # messages answered per chat session, warm-up included
        self.warm_up, self.filled = 0.0, False     # warm-up length; whether every history reached its bound

    def restart(self) -> None:
        """Forget the warm-up's latencies and queue-full counts (its errors still count)."""
        with self.lock:
            self.ms = {"chat": [], "sparql": []}
            self.queue_full = {"chat": 0, "sparql": 0}

    def ok(self, kind: str, started: float) -> None:
        with self.lock:
            self.ms[kind].append((time.perf_counter() - started) * 1000)

    def full(self, kind: str) -> None:
        with self.lock:
            self.queue_full[kind] += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what[:300])


def chat_session(url: str, questions: list[str], stop: threading.Event, seen: Tally, offset: int) -> None:
    """One browser-like session: a question, a follow-up, the next question… until stopped."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    i = offset
    while not stop.is_set():
        message = questions[i % len(questions)] if i % 2 == 0 else FOLLOW_UPS[i % len(FOLLOW_UPS)]
        started = time.perf_counter()
        try:
            reply, html, *_ = client.predict(message, api_name="/ask")
        except Exception as exc:
            if "queue is full" in str(exc).lower():
                seen.full("chat")
            else:
                seen.error(f"chat: {type(exc).__name__}: {exc}")
            stop.wait(0.2)                                  # back off like a polite client
            continue
        if not isinstance(reply, dict) or reply.get("kind") not in ("answer", "declined", "why_not", "compare",
                                                                    "change", "note") or "wm-log" not in html:
            seen.error(f"chat: unexpected reply to {message!r}: {str(reply)[:200]}")
        else:
            seen.ok("chat", started)
            seen.sent[offset] += 1
        i += 1


def sparql_client(endpoint: str, queries: list[str], stop: threading.Event, seen: Tally, offset: int) -> None:
    with httpx.Client(timeout=60) as client:
        i = offset
        while not stop.is_set():
            started = time.perf_counter()
            try:
                r = client.post(endpoint, content=queries[i % len(queries)].encode(),
                                headers={"Content-Type": "application/sparql-query",
                                         "Accept": "application/sparql-results+json"})
            except httpx.HTTPError as exc:
                seen.error(f"sparql: {type(exc).__name__}: {exc}")
                stop.wait(0.2)
                continue
            if r.status_code == 503 and "busy" in r.text:
                seen.full("sparql")
                stop.wait(0.2)
            elif r.status_code != 200 or "head" not in r.json():
                seen.error(f"sparql: {r.status_code} {r.text[:200]}")
            else:
                seen.ok("sparql", started)
            i += 1


def sample_memory(pid: int, stop: threading.Event, samples: list[tuple[float, float]]) -> None:
    start = time.monotonic()
    while not stop.wait(1.0):
        samples.append((time.monotonic() - start, rss_mb(pid)))


def warm_up(seen: Tally, stop: threading.Event) -> float:
    """Wait WARM_UP s, then until every chat session's history is at its bound (or WARM_UP_MAX s)."""
    from app.chat import MAX_HISTORY

    started = time.monotonic()
    stop.wait(WARM_UP)
    while min(seen.sent) <= MAX_HISTORY // 2 and time.monotonic() - started < WARM_UP_MAX and not seen.errors:
        stop.wait(1.0)
    seen.warm_up, seen.filled = round(time.monotonic() - started, 1), min(seen.sent) > MAX_HISTORY // 2
    return seen.warm_up


def run_load(url: str, seconds: float) -> tuple[Tally, list[tuple[float, float]], float]:
    """Start all clients, let them warm up, then measure for `seconds`; returns outcomes and memory samples."""
    cases = yaml.safe_load((ROOT.parent / "shared/eval/dev.yaml").read_text(encoding="utf-8"))["cases"]
    questions = [c["q"] for c in cases]
    queries = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "ontology/queries").glob("*.rq"))]
    stop, seen, samples = threading.Event(), Tally(), []
    threads = [threading.Thread(target=chat_session, args=(url, questions, stop, seen, i)) for i in
               range(CHAT_CLIENTS)]
    threads += [threading.Thread(target=sparql_client, args=(url + "sparql", queries, stop, seen, i)) for i in
                range(SPARQL_CLIENTS)]
    for thread in threads:
        thread.start()
    warm_up(seen, stop)
    seen.restart()
    sampler = threading.Thread(target=sample_memory, args=(_SERVER["proc"].pid, stop, samples))
    sampler.start()
    started = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for thread in threads + [sampler]:
        thread.join(120)
    return seen, samples, time.monotonic() - started


def test_sixteen_chat_and_sixteen_sparql_clients_for_a_minute(live_server):
    seconds = float(os.environ.get("WHICHMODEL_LOAD_SECONDS") or 60)
    seen, samples, wall = run_load(live_server, seconds)
    third = max(1, len(samples) // 3)
    first, last = [mb for _, mb in samples[:third]], [mb for _, mb in samples[-third:]]
    growth = statistics.median(last) - statistics.median(first)
    figures = {"seconds": round(wall, 1), "warm_up_seconds": seen.warm_up, "min_session_messages": min(seen.sent),
               "clients": CHAT_CLIENTS + SPARQL_CLIENTS, "errors": len(seen.errors),
               "memory_mb_first_third": round(statistics.median(first), 1),
               "memory_mb_last_third": round(statistics.median(last), 1), "memory_mb_growth": round(growth, 1)}
    for kind in ("chat", "sparql"):
        figures[kind] = {"requests": len(seen.ms[kind]), "queue_full": seen.queue_full[kind],
                         "per_s": round(len(seen.ms[kind]) / wall, 1),
                         "p50_ms": round(percentile(seen.ms[kind], 50)), "p95_ms": round(percentile(seen.ms[kind], 95))}
    tally.figure("load", figures)
    print(figures)
    assert not seen.errors, seen.errors[:5]
    assert seen.ms["chat"] and seen.ms["sparql"], figures
    assert seen.filled, f"the chat histories did not reach their bound within {WARM_UP_MAX} s: {figures}"
    # steady: the last third of the run holds no more than 5% (at least 40 MB) over the first third
    assert growth <= max(40.0, 0.05 * statistics.median(first)), figures
    assert httpx.get(live_server + "sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
