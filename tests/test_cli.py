"""The command line: each command's output and its clean errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_corpus_lists_and_prints(cli):
    code, out, err = cli("corpus")
    assert code == 0, err
    assert out.count("\n") == 5 and "004_f60c1d715e092981" in out
    code, out, err = cli("corpus", "003")
    assert code == 0, err
    assert "data—they" in out


def test_build_prints_counts(cli, build_dir):
    code, out, err = cli("build", "-o", str(build_dir))
    assert code == 0, err
    assert "claims from 5 documents" in out and "SHACL: conforms" in out


def test_claims_and_coverage_clean(cli):
    code, out, err = cli("claims")
    assert code == 0, err
    assert out.count("0 problems") == 5
    code, out, err = cli("coverage")
    assert code == 0, err
    assert out.count(" 0 uncited") == 5, out


def test_sparql_formats(cli):
    query = "PREFIX wm: <https://w3id.org/whichmodel#> SELECT (COUNT(?c) AS ?n) WHERE { ?c a wm:Claim }"
    code, out, err = cli("sparql", query, "--format", "json")
    assert code == 0, err
    assert int(json.loads(out)["results"]["bindings"][0]["n"]["value"]) >= 500
    code, out, err = cli("sparql", str(ROOT / "ontology/queries/03-hybrids.rq"))
    assert code == 0, err
    assert "Stable Diffusion" in out


def test_sparql_refusal_is_one_clean_line(cli):
    code, out, err = cli("sparql", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    assert code == 1
    assert err.startswith("whichmodel: error:") and "Traceback" not in err and "root:" not in out + err


def test_console_script_runs_fast_paths():
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "sparql" in proc.stdout and "build" in proc.stdout
    check = subprocess.run([sys.executable, "-c",
                            "import app.cli, kg, kg.sparql, sys; "
                            "print('sentence_transformers' in sys.modules, 'gradio' in sys.modules)"],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert check.stdout.strip() == "False False"
