"""A cold `whichmodel ask` runs on the build's ONNX export: in a fresh process it imports neither torch,
transformers, sentence-transformers, scikit-learn, gradio, rdflib nor networkx. (How fast it starts is
measured by benchmarks/coldstart.py, not here.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from kg.graph.lightview import load_light_view
from kg.graph.network import load_networkx
from kg.graph.store import NETWORK_JSON, read_output
from kg.reasoning.index import build_index
from tests.conftest import ROOT
from tests.faults import QUESTION

HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn", "gradio", "rdflib", "networkx", "pyshacl")
ASK = """
import json, sys
from app.cli import main
code = main(["ask", sys.argv[1], "--json"])
print(json.dumps({"code": code, "imported": [m for m in sys.argv[2].split(",") if m in sys.modules]}))
"""


def test_a_cold_ask_imports_no_torch_rdflib_or_gradio(built, build_dir):
    env = {**os.environ, "WHICHMODEL_BUILD_DIR": str(build_dir), "PYTHONPATH": str(ROOT)}
    env.pop("WHICHMODEL_ENCODER", None)
    run = subprocess.run([sys.executable, "-c", ASK, QUESTION, ",".join(HEAVY)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    answer_text, _, tail = run.stdout.rstrip().rpartition("\n")
    result = json.loads(tail)
    assert result == {"code": 0, "imported": []}, result
    assert json.loads(answer_text)["recommendations"][0]["family"]
    assert run.stderr == ""


def test_the_light_view_indexes_as_networkx_does(built, build_dir):
    data = read_output(NETWORK_JSON, build_dir)
    light, full = build_index(load_light_view(data)), build_index(load_networkx(data))
    assert light == full
    assert [r.id for r in light.rules] == [r.id for r in full.rules] and len(light.claims) > 500
