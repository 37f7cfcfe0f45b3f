"""Helpers shared by the fault-injection tests: private copies of a build and checks on them."""
from __future__ import annotations

import shutil
from pathlib import Path

import kg
from kg.graph import store

OUTPUTS = ("graph.jsonld", "graph.nq", "graph.nt", "graph.ttl", "manifest.json", "network.json")
QUESTION = "Real-time image generation for a mobile game, latency is critical"


def copy_build(src: Path, dst: Path) -> Path:
    """A private copy of a build folder; its links are relative, so they point into the copy."""
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("*.log", "*.jsonl", store.LOCK))
    assert store.generation_dir(dst).is_relative_to(dst.resolve())
    return dst


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != store.LOCK)


def assert_good_build(folder: Path, expected: dict[str, bytes], parse: bool = False) -> None:
    """folder holds exactly the expected outputs, and the readers accept them (checksums, parsers)."""
    assert outputs(folder) == expected
    for name in OUTPUTS:
        if name != store.MANIFEST:
            assert store.read_output(name, folder) == expected[name]
    assert store.read_manifest(folder)["files"]
    if parse:
        assert len(store.load_built_graph(folder)) > 10_000 and kg.open(folder).index.claims


def one_clean_line(err: str) -> bool:
    return err.startswith("whichmodel: error:") and err.count("\n") == 1 and "Traceback" not in err
