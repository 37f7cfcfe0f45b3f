"""Shared fixtures: the real graph, built once per session from the real ontology and corpus."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# gradio_client asks huggingface_hub for a token; keep it from reading the user's ~/.cache token file
os.environ.setdefault("HF_TOKEN_PATH", str(Path(__file__).resolve().parent / "no-hf-token"))

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "eval" / "dev.yaml"


def pytest_configure(config):
    """The audit hook watches the whole session (see tests/audit.py)."""
    from tests import audit

    audit.install()


def pytest_sessionfinish(session, exitstatus):
    """Any escape outside a guarded section (network beyond loopback, a file read outside the allowed
    roots), in the test process, the server or its workers, fails the session."""
    from tests import audit

    unguarded = [e for e in audit.session_escapes() if not e["guarded"]]
    if unguarded and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    from collections import Counter

    from tests import audit, tally

    found = audit.session_escapes()
    unguarded = Counter((e["kind"], e["target"]) for e in found if not e["guarded"])
    refused = sum(e["guarded"] for e in found)
    terminalreporter.section("audit")
    terminalreporter.write_line(f"escapes refused in guarded sections: {refused}; "
                                f"unguarded escapes: {sum(unguarded.values())}")
    for (kind, target), n in sorted(unguarded.items())[:20]:
        terminalreporter.write_line(f"  {kind}: {target} (x{n})")
    if unguarded:
        terminalreporter.write_line("the run fails: code under test reached outside the project", red=True)
    path = tally.write({"audit": {"refused_in_guarded_sections": refused,
                                  "unguarded": [{"kind": k, "target": t, "count": n}
                                                for (k, t), n in sorted(unguarded.items())]}})
    if path:
        terminalreporter.write_line(f"reliability figures: {path}")


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("build")
    os.environ["WHICHMODEL_BUILD_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def built(build_dir):
    """The BuildResult of the real sources (validated, written to a temporary folder), with the need
    parser fitted on the need corpus beside it, as `kg.open()` does for the default build."""
    import kg

    result = kg.build_graph(build_dir)
    kg.open(build_dir).fit_parser()
    return result


@pytest.fixture(scope="session")
def kb(built):
    return built.kb


@pytest.fixture(scope="session")
def graph(kb):
    return kb.graph


@pytest.fixture(scope="session")
def stores(built, build_dir) -> dict:
    """Each SPARQL engine (kg.sparql.backends) over the session's build, by name."""
    from kg.sparql.backends import STORES, open_store

    return {name: open_store(name, build_dir) for name in STORES}


@pytest.fixture(params=["oxigraph", "rdflib"])
def store(request, stores):
    """Each SPARQL engine in turn: a test using it runs on Oxigraph (the default) and on rdflib (the reference)."""
    return stores[request.param]


@pytest.fixture(scope="session")
def docs():
    from kg.sources.corpus import load_corpus

    return load_corpus()


@pytest.fixture(scope="session")
def vocab():
    from kg.ontology.vocabulary import load_vocabulary

    return load_vocabulary()


@pytest.fixture
def cli(capsys, built):
    """Run the CLI in-process; returns (exit_code, stdout, stderr)."""
    from app.cli import main

    def run(*argv: str):
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


@pytest.fixture(scope="session")
def knowledge(built, build_dir):
    """The KnowledgeBase over the session's build, with the real embedding model, loaded once."""
    import kg

    return kg.open(build_dir)


@pytest.fixture
def previous(built, build_dir, tmp_path) -> Path:
    """A good build (a private copy of the session's) that faults must leave as it is."""
    from tests.faults import copy_build

    return copy_build(build_dir, tmp_path / "build")


@pytest.fixture
def fresh_current(monkeypatch):
    """kg.current() opens a fresh knowledge base (the session's stays cached); call the fixture's value
    to start afresh again."""
    from functools import lru_cache

    from kg import knowledge as kg_knowledge

    def fresh():
        monkeypatch.setattr(kg_knowledge, "current", lru_cache(maxsize=1)(kg_knowledge.open))
    fresh()
    return fresh
