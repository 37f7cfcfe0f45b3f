"""Counts of what the reliability suite tried, per entry point, written to test-artifacts/reliability.json.

Tests call `record(kind, entry_point, n)`; kinds are "hostile" (inputs tried), "fault"
(faults injected) and "load" (figures of the load run). The README reports these numbers.
"""
from __future__ import annotations

import json
import threading
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "test-artifacts" / "reliability.json"

_lock = threading.Lock()
_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_figures: dict[str, object] = {}


def record(kind: str, entry_point: str, n: int = 1) -> None:
    with _lock:
        _counts[kind][entry_point] += n


def figure(name: str, value) -> None:
    with _lock:
        _figures[name] = value


def report() -> dict:
    with _lock:
        return {"counts": {k: dict(sorted(v.items())) for k, v in sorted(_counts.items())},
                "figures": dict(sorted(_figures.items()))}


def write(extra: dict) -> Path | None:
    data = report()
    if not data["counts"] and not data["figures"]:
        return None
    data.update(extra)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    tmp = REPORT.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(REPORT)
    return REPORT
