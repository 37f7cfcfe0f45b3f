"""Fault injection in the build and its outputs: a full disk or a kill while writing (the previous
build stands), a missing or corrupt build (a clear WhichModelError naming the file, one line and exit 1
from the CLI, or a clean rebuild). Every fault injected is counted in the reliability tally.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import kg
from kg.errors import BuildMissing, BuildWriteError
from kg.graph import store
from kg.sparql.backends import open_store
from tests import audit, tally
from tests.faults import QUESTION, assert_good_build, one_clean_line, outputs, tree

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parent.parent
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

@pytest.fixture(scope="module")
def modified_ontology(tmp_path_factory) -> Path:
    """A copy of the ontology with one claim's value reworded: it builds, into other bytes."""
    onto = tmp_path_factory.mktemp("onto") / "ontology"
    shutil.copytree(kg.paths.ontology_dir(), onto)
    claims = onto / "claims" / "002.yaml"
    text = claims.read_text(encoding="utf-8")
    old = "value: an encoder compresses the data and a decoder reconstructs the input"
    assert old in text
    claims.write_text(text.replace(old, "value: an encoder compresses, a decoder reconstructs"), encoding="utf-8")
    return onto


@pytest.fixture(scope="module")
def modified_outputs(modified_ontology) -> tuple[dict, dict]:
    """The files and manifest a (non-validating) build of the modified ontology writes."""
    from kg.graph.build import count, serialise_outputs

    kb = kg.build_graph(ontology_dir=modified_ontology, validate=False, write=False).kb
    return serialise_outputs(kb, count(kb), ontology_dir=modified_ontology, validate=False)


# ------------------------------------------------------------------ 1. a full disk, a kill
class FaultyOs:
    """Stands in for `os` inside kg.graph.store: a disk that fills up half-way through the nth output
    file, or a failing swap of the `current` link. Everything else is the real `os`."""

    def __init__(self, fail_file: int = 0, fail_swap: bool = False):
        self.fail_file, self.fail_swap, self.created, self.doomed = fail_file, fail_swap, [], None

    def __getattr__(self, name):
        return getattr(os, name)

    def open(self, path, flags, mode=0o777, **kwargs):
        fd = os.open(path, flags, mode, **kwargs)
        if flags & os.O_CREAT:
            self.created.append(str(path))
            if len(self.created) == self.fail_file:
                self.doomed = fd
        return fd

    def write(self, fd, data):
        if fd == self.doomed:
            os.write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.write(fd, data)

    def replace(self, src, dst):
        if self.fail_swap and Path(dst).name == store.CURRENT:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return os.replace(src, dst)


@pytest.mark.parametrize("fault, reason", [
    (FaultyOs(fail_file=1), "No space left on device"),   # the first output file
    (FaultyOs(fail_file=4), "No space left on device"),   # the manifest, after every other output
    (FaultyOs(fail_swap=True), "Input/output error"),     # the new generation is complete, the swap fails
], ids=["first-file", "manifest", "swap"])
def test_failed_write_keeps_the_previous_build(previous, modified_outputs, monkeypatch, fault, reason):
    """The outputs of a build of another ontology, written onto a good build, on a failing disk."""
    before, listing = outputs(previous), tree(previous)
    monkeypatch.setattr(store, "os", fault)
    tally.record("fault", "build", 1)
    with pytest.raises(BuildWriteError) as err:
        store.write_outputs(*modified_outputs, previous)
    message = str(err.value)
    assert f"cannot write the build into {previous}: {reason}" in message
    assert "previous build is unchanged" in message and "\n" not in message
    if fault.fail_file:
        assert err.value.file == fault.created[-1] and "/.generations/" in err.value.file
    monkeypatch.undo()
    assert tree(previous) == listing            # the partial generation is gone
    assert_good_build(previous, before, parse=fault.fail_swap)
    assert store.is_current(previous)


def test_full_disk_during_a_build_is_one_line_from_the_cli(cli, previous, modified_ontology, monkeypatch):
    before = outputs(previous)
    monkeypatch.setattr(store, "os", FaultyOs(fail_file=2))
    monkeypatch.setattr(kg.paths, "ontology_dir", lambda: modified_ontology)
    tally.record("fault", "build", 1)
    code, out, err = cli("build", "-o", str(previous), "--no-validate")
    assert code == 1 and one_clean_line(err) and "No space left on device" in err, err
    monkeypatch.undo()
    assert_good_build(previous, before)


def test_one_build_at_a_time_writes_into_a_folder(previous, modified_outputs):
    """A build waits for the folder's lock, so it never prunes the generation another is writing."""
    import fcntl

    done = threading.Event()
    with open(previous / store.LOCK, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        writer = threading.Thread(target=lambda: (store.write_outputs(*modified_outputs, previous), done.set()))
        writer.start()
        assert not done.wait(1.0)
    writer.join(30)
    assert done.is_set() and outputs(previous)["graph.ttl"] == modified_outputs[0]["graph.ttl"]


KILL_BUILD = r"""
import os, re, signal, sys
from pathlib import Path
import kg

out, onto, event, pattern, nth = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
seen = []

def kill_at(name, args):
    if name != event:
        return
    if name == "open" and (isinstance(args[0], int) or not args[2] & os.O_CREAT):
        return
    path = os.fsdecode(args[1] if name in ("os.symlink", "os.rename") else args[0])
    if re.search(pattern, path):
        seen.append(path)
        if len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(kill_at)
kg.build_graph(Path(out), ontology_dir=Path(onto), validate=False)
print("the build ran to its end")
"""

GEN_FILE = r"/\.generations/[^/]+/"
KILL_POINTS = {   # name: (audit event, path pattern, nth match, layout before, outputs after the kill)
    "first-output-file": ("open", GEN_FILE, 1, "links", "old"),
    "manifest": ("open", GEN_FILE + r"manifest\.json$", 1, "links", "old"),
    "temporary-link": ("os.symlink", r"/\.current\.[0-9a-f]+\.tmp$", 1, "links", "old"),
    "swap": ("os.rename", r"/current$", 1, "links", "old"),
    "pruning": ("shutil.rmtree", r"/\.generations/", 1, "links", "new"),
    "older-layout-adopted": ("os.rename", r"/graph\.jsonld$", 1, "plain", "old"),
    "older-layout-swap": ("os.rename", r"/current$", 2, "plain", "old"),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_build_leaves_a_whole_build(point, previous, modified_ontology, modified_outputs, tmp_path):
    """SIGKILL a real build at each point: the outputs are all the previous build's or all the new one's."""
    event, pattern, nth, layout, after = KILL_POINTS[point]
    before = outputs(previous)
    if layout == "plain":     # a folder written by an older version: plain files, no generations
        shutil.rmtree(previous)
        previous.mkdir()
        for name, data in before.items():
            (previous / name).write_bytes(data)
    else:                     # a leftover of an earlier killed build, for the pruning to remove
        (previous / ".generations" / "19700101T000000-leftover").mkdir()
    env = audit.subprocess_env(audit.register_log(tmp_path / f"kill-{point}-audit.jsonl"))
    proc = subprocess.run([sys.executable, "-c", KILL_BUILD, str(previous), str(modified_ontology), event,
                           pattern, str(nth)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    tally.record("fault", "build", 1)
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    killed = outputs(previous)
    assert store.is_current(previous) == (after == "old")
    store.write_outputs(*modified_outputs, previous)            # the next build's write
    new = outputs(previous)
    assert new != before and killed == (before if after == "old" else new)
    assert_good_build(previous, new)
    kept = {p.name for p in (previous / ".generations").iterdir()}
    assert len(kept) == 2 and store.generation_dir(previous).name in kept
    assert not list(previous.glob(".*.tmp"))


# ------------------------------------------------------------------ 4. a missing or corrupt build
def _rehash(folder: Path, name: str) -> None:
    """Make the manifest vouch for name's current bytes (so only the parser can catch them)."""
    manifest = json.loads((folder / "manifest.json").read_bytes())
    manifest["sha256"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _vouched(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    _rehash(path.parent, path.name)


def _truncate_at_a_statement(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b" .\n", len(data) // 2) + 3])


EMPTY_GRAPH = b'{"directed": true, "multigraph": true, "graph": {}, "nodes": [], "edges": []}'
DAMAGES_TO_BUILD = {   # name: (damage to the build folder f, the file the error names)
    "folder-missing": (lambda f: shutil.rmtree(f), "manifest.json"),
    "generation-missing": (lambda f: shutil.rmtree(store.generation_dir(f)), "manifest.json"),
    "manifest-missing": (lambda f: (f / "current" / "manifest.json").unlink(), "manifest.json"),
    "manifest-garbage": (lambda f: (f / "manifest.json").write_bytes(b"\xff\xfe garbage {"), "manifest.json"),
    "manifest-not-an-object": (lambda f: (f / "manifest.json").write_text("[]"), "manifest.json"),
    # still valid Turtle, with fewer triples: only the checksum tells
    "ttl-truncated-at-a-statement": (lambda f: _truncate_at_a_statement(f / "graph.ttl"), "graph.ttl"),
    "ttl-garbage-vouched": (lambda f: _vouched(f / "graph.ttl", b"@prefix : <#> .\n:a :b "), "graph.ttl"),
    "nq-truncated-at-a-statement": (lambda f: _truncate_at_a_statement(f / "graph.nq"), "graph.nq"),
    "nq-garbage-vouched": (lambda f: _vouched(f / "graph.nq", b"<urn:a> <urn:b> "), "graph.nq"),
    "network-missing": (lambda f: (f / "current" / "network.json").unlink(), "network.json"),
    "network-garbage": (lambda f: (f / "network.json").write_bytes(b"\x00\x01 not json"), "network.json"),
    "network-another-graph": (lambda f: (f / "network.json").write_bytes(EMPTY_GRAPH), "network.json"),
    "network-garbage-vouched": (lambda f: _vouched(f / "network.json", b'{"nodes": 3}'), "network.json"),
}


def _damage_build(folder: Path, case: str) -> str:
    """Damage the build in folder; returns the name of the file the error must name."""
    damage, name = DAMAGES_TO_BUILD[case]
    damage(folder)
    return name


def assert_names(err: BuildMissing, path: Path, case: str) -> None:
    """The error names the file, says what is wrong with it and what to do."""
    assert err.file == str(path) and "run `whichmodel build`" in str(err)
    assert ("is missing" if "missing" in case else "is corrupt") in str(err), str(err)


def _knowledge_index(folder: Path):
    """What the recommender reads of a build: its network view, through the KnowledgeBase's index."""
    return kg.open(folder).index


READERS = {"knowledge": _knowledge_index, "graph loader": store.load_built_graph,       # the network view; the Turtle
           "oxigraph store": lambda folder: open_store("oxigraph", folder),            # the N-Quads
           "rdflib store": lambda folder: open_store("rdflib", folder)}                # the same
READS = {"knowledge": "network", "graph loader": "ttl", "oxigraph store": "nq", "rdflib store": "nq"}
READER_CASES = [(reader, case) for reader in READERS for case in DAMAGES_TO_BUILD
                if case.split("-")[0] not in set(READS.values()) - {READS[reader]}]


@pytest.mark.parametrize("reader, case", READER_CASES)
def test_reader_of_a_damaged_build_names_the_file(reader, case, previous):
    name = _damage_build(previous, case)
    tally.record("fault", "built graph", 1)
    with pytest.raises(BuildMissing) as err:
        READERS[reader](previous)
    assert_names(err.value, previous / name, case)


@pytest.mark.parametrize("command, case", [
    ("sparql", "nq-truncated-at-a-statement"), ("sparql", "nq-garbage-vouched"),
    ("sparql", "nq-garbage-vouched-rdflib"),
    ("ask", "network-garbage"), ("ask", "network-another-graph"), ("ask", "network-garbage-vouched"),
])
def test_cli_on_a_damaged_build_is_one_line(command, case, cli, previous, fresh_current, monkeypatch):
    monkeypatch.setenv("WHICHMODEL_BUILD_DIR", str(previous))
    if case.endswith("-rdflib"):
        monkeypatch.setenv("WHICHMODEL_STORE", "rdflib")
        case = case.removesuffix("-rdflib")
    name = _damage_build(previous, case)
    tally.record("fault", "built graph", 1)
    code, out, err = cli(command, COUNT if command == "sparql" else QUESTION)
    assert code == 1 and one_clean_line(err) and str(previous / name) in err, err


def test_cli_rebuilds_a_build_whose_manifest_is_garbage(cli, previous, monkeypatch):
    """The default folder is rebuilt when its manifest is unusable: a clean recovery."""
    monkeypatch.setenv("WHICHMODEL_BUILD_DIR", str(previous))
    _damage_build(previous, "manifest-garbage")
    tally.record("fault", "built graph", 1)
    code, out, err = cli("sparql", COUNT, "--format", "csv")
    assert code == 0 and "building the graph" in err, err
    assert int(out.split()[1]) == len(store.load_built_graph(previous)) > 10_000
