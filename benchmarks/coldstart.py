"""Cold start: `whichmodel ask` and `whichmodel serve` (until its page answers) in fresh processes, on the
build's ONNX encoder (onnxruntime) and on the reference (WHICHMODEL_ENCODER=sentence-transformers, the
torch path every start took before), against `python -c pass` and the bare imports, all in this run.

Prints figures only. Run from the project root after a build: `.venv/bin/python benchmarks/coldstart.py`
(the build and the need parser must be current: `whichmodel build && whichmodel parser`).
"""
from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from serve import find_free_port, stop_server

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("COLDSTART_RUNS", "5"))
QUESTION = "Real-time image generation for a mobile game, latency is critical"
REFERENCE = {"WHICHMODEL_ENCODER": "sentence-transformers"}


def environment(extra: dict | None = None) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONPATH": str(ROOT)}
    env.pop("WHICHMODEL_ENCODER", None)
    return {**env, **(extra or {})}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(argv: list[str], extra: dict | None = None) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of RUNS fresh processes."""
    walls, cpus = [], []
    for _ in range(RUNS):
        cpu, start = children_cpu(), time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=environment(extra), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def process_cpu(pid: int) -> float:
    """CPU seconds a process and its live descendants (the SPARQL workers) have used, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(process_cpu(c) for c in children)


def serve_ready(extra: dict | None = None, limit: float = 300.0) -> tuple[float, float]:
    """Seconds from starting `whichmodel serve` until its chat page answers 200, and the CPU seconds the
    server and its workers used until then."""
    port = find_free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT,
                            env=environment(extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < limit:
            if proc.poll() is not None:
                raise RuntimeError(f"whichmodel serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - start, process_cpu(proc.pid)
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("whichmodel serve did not answer in time")
    finally:
        stop_server(proc)


def main() -> None:
    python, cli = [sys.executable], [sys.executable, "-m", "app.cli"]
    rows = [
        ("python -c pass", time_command(python + ["-c", "pass"])),
        ("python -c 'import onnxruntime, tokenizers'", time_command(python + ["-c", "import onnxruntime, tokenizers"])),
        ("python -c 'import sentence_transformers'", time_command(python + ["-c", "import sentence_transformers"])),
        ("whichmodel --help", time_command(cli + ["--help"])),
        ("whichmodel ask (onnxruntime)", time_command(cli + ["ask", QUESTION])),
        ("whichmodel ask (sentence-transformers)", time_command(cli + ["ask", QUESTION], REFERENCE)),
    ]
    serve = [("whichmodel serve, page answers (onnxruntime)", [serve_ready() for _ in range(max(1, RUNS // 2))]),
             ("whichmodel serve, page answers (sentence-transformers)",
              [serve_ready(REFERENCE) for _ in range(max(1, RUNS // 2))])]
    gradio = time_command(python + ["-c", "import gradio"])
    load = os.getloadavg()
    print(f"machine: {platform.system()} {platform.machine()}, cpu_count={os.cpu_count()}, python "
          f"{platform.python_version()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"\n{f'cold start, median of {RUNS} runs':<56}{'wall s':>8}{'cpu s':>8}{'x pass':>8}")
    base = rows[0][1][0]
    for label, (wall, cpu) in rows:
        print(f"{label:<56}{wall:>8.2f}{cpu:>8.2f}{wall / base:>8.1f}")
    print(f"{'python -c import gradio':<56}{gradio[0]:>8.2f}{gradio[1]:>8.2f}{gradio[0] / base:>8.1f}")
    print()
    medians = [(label, statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
               for label, runs in serve]
    for label, wall, cpu in medians:
        print(f"{label:<56}{wall:>8.2f}{cpu:>8.2f}{wall / base:>8.1f}")
    ask, ref = rows[4][1], rows[5][1]
    print(f"\nask on onnxruntime / on sentence-transformers: {ask[0] / ref[0]:.2f}x wall, {ask[1] / ref[1]:.2f}x cpu")
    print(f"serve on onnxruntime / on sentence-transformers: {medians[0][1] / medians[1][1]:.2f}x wall, "
          f"{medians[0][2] / medians[1][2]:.2f}x cpu")


if __name__ == "__main__":
    main()
