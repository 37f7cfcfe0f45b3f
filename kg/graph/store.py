"""Build outputs on disk: swapped in as one set, checked against the sources they came from.

The build folder holds:

    .generations/<id>/          graph.ttl, .nt, .nq, .jsonld, network.json, encoder.onnx, manifest.json of one build
    current -> .generations/<id>    the build readers see; swapped in one os.replace of a symlink
    graph.ttl -> current/graph.ttl  (and the other outputs): stable names, symlinks through current
    embeddings-*.npy, embeddings.json   the embedding cache (kg.reasoning.embedding), beside them

A build writes and fsyncs a whole new generation before it swaps `current`, so a reader sees
the complete previous set or the complete new one, whatever stops the build in between (a full
disk, a kill). The manifest records each output's SHA-256 and readers check it. After a swap,
every generation but the new one and the previous one (a reader may still hold it) is removed.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg import paths
from kg.errors import BuildMissing, BuildWriteError, WhichModelError

if TYPE_CHECKING:       # rdflib is imported where a graph is read, so that readers of other outputs skip it
    from rdflib import Graph

GRAPH_TTL = "graph.ttl"
GRAPH_NT = "graph.nt"             # the union of all graphs as N-Triples
GRAPH_NQ = "graph.nq"             # what the SPARQL stores load (kg.sparql.backends): one named graph per document
GRAPH_JSONLD = "graph.jsonld"
NETWORK_JSON = "network.json"
ENCODER_ONNX = "encoder.onnx"     # the embedding model exported for onnxruntime (kg.graph.encoding)
MANIFEST = "manifest.json"
CURRENT = "current"
GENERATIONS = ".generations"
LOCK = ".build.lock"
REBUILD = "run `whichmodel build`"


def _write_file(path: Path, data: bytes) -> None:
    """Create path (it must not exist yet) holding data, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        raise
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        _write_file(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sources_hash(ontology_dir: Path | None = None) -> str:
    """A hash of everything a build reads: vocabulary, shapes, claims and corpus."""
    root = ontology_dir or paths.ontology_dir()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in
                       (".ttl", ".yaml", ".txt", ".json", ".md") and "queries" not in p.parts):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def serialise_turtle(graph: Graph) -> bytes:
    return graph.serialize(format="turtle", encoding="utf-8")


def serialise_ntriples(graph: Graph) -> bytes:
    """N-Triples, one triple a line, sorted so that builds are byte-identical."""
    lines = graph.serialize(format="nt", encoding="utf-8").splitlines(keepends=True)
    return b"".join(sorted(line for line in lines if line.strip()))


def serialise_jsonld(graph: Graph) -> bytes:
    """JSON-LD with nodes and values in a stable order, so builds are byte-identical."""
    doc = json.loads(graph.serialize(format="json-ld", auto_compact=False))

    def order(value):
        if isinstance(value, list):
            return sorted((order(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(value, dict):
            return {k: order(v) for k, v in value.items()}
        return value
    return json.dumps(order(doc), sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass
class BuildOutputs:
    folder: Path
    manifest: dict
    generation: Path | None = None

    @property
    def turtle(self) -> Path:
        return self.folder / GRAPH_TTL


# ------------------------------------------------------------------------------------ writing
def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _symlink_atomic(target: str, link: Path) -> None:
    """Point link at target, replacing whatever was there (a file or a symlink) in one step."""
    tmp = link.parent / f".{link.name}.{secrets.token_hex(4)}.tmp"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _locked(folder: Path):
    """One build at a time writes into folder (an advisory lock, where the platform has one)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(folder / LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _new_generation(folder: Path, files: dict[str, bytes]) -> Path:
    """A fresh folder under .generations/ holding files (manifest last), all fsynced."""
    root = folder / GENERATIONS
    root.mkdir(exist_ok=True)
    generation = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=root))
    try:
        os.chmod(generation, 0o755)
        for name in sorted(files, key=lambda n: (n == MANIFEST, n)):
            _write_file(generation / name, files[name])
        _fsync_dir(generation)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def _swap(folder: Path, generation: Path) -> None:
    _symlink_atomic(f"{GENERATIONS}/{generation.name}", folder / CURRENT)


def _current_name(folder: Path) -> str | None:
    link = folder / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


def _adopt_older_layout(folder: Path, names: list[str]) -> None:
    """Outputs an older version wrote as plain files become a generation, so links can replace them."""
    plain = [n for n in names if (folder / n).is_file() and not (folder / n).is_symlink()]
    if not plain or os.path.lexists(folder / CURRENT):
        return
    _swap(folder, _new_generation(folder, {n: (folder / n).read_bytes() for n in plain}))


def _link_stable_names(folder: Path, names: list[str]) -> None:
    for name in names:
        link, target = folder / name, f"{CURRENT}/{name}"
        if not (link.is_symlink() and os.readlink(link) == target):
            _symlink_atomic(target, link)


def _prune(folder: Path, keep: set[str | None], names: list[str]) -> None:
    """Remove generations not in keep, and temporary links a killed build left (best effort)."""
    for generation in (folder / GENERATIONS).iterdir():
        if generation.name not in keep:
            shutil.rmtree(generation, ignore_errors=True)
    for name in [*names, CURRENT]:
        for tmp in folder.glob(f".{name}.*.tmp"):
            if tmp.is_symlink():
                tmp.unlink(missing_ok=True)


def _publish(folder: Path, files: dict[str, bytes]) -> Path:
    """Write files as a new generation and swap it in; the folder must be locked."""
    names = sorted(files)
    generation = _new_generation(folder, files)
    try:
        _adopt_older_layout(folder, names)
        previous = _current_name(folder)
        _link_stable_names(folder, names)
        _swap(folder, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    with contextlib.suppress(OSError):
        _fsync_dir(folder)
        _prune(folder, {generation.name, previous}, names)
    return generation


def write_outputs(files: dict[str, bytes], manifest: dict, folder: Path | None = None) -> BuildOutputs:
    """Write every output and a manifest with their SHA-256, then swap them in as one set.

    Raises BuildWriteError (naming the folder, the file and the reason) when anything cannot be
    written, a full disk say; the partial generation is removed and the previous build stands.
    """
    folder = folder or paths.build_dir()
    manifest = {**manifest, "sha256": {n: hashlib.sha256(d).hexdigest() for n, d in sorted(files.items())}}
    files = {**files, MANIFEST: json.dumps(manifest, indent=1, sort_keys=True).encode()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder):
            generation = _publish(folder, files)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BuildWriteError(f"cannot write the build into {folder}: {reason}; the previous build "
                              "is unchanged", file=exc.filename and os.fsdecode(exc.filename)) from None
    return BuildOutputs(folder, manifest, generation)


# ------------------------------------------------------------------------------------ reading
def generation_dir(folder: Path | None = None) -> Path:
    """The folder holding the current outputs: where `current` points, or folder itself (older layout)."""
    folder = folder or paths.build_dir()
    link = folder / CURRENT
    return Path(os.path.realpath(link)) if os.path.lexists(link) else folder


def _read(path: Path, shown: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BuildMissing(f"no built graph ({what} is missing); {REBUILD} first", file=str(shown)) from None
    except OSError as exc:
        raise BuildMissing(f"the {what} is unreadable ({exc.strerror or exc}); {REBUILD}",
                           file=str(shown)) from None


def _manifest_in(generation: Path, folder: Path) -> dict:
    data = _read(generation / MANIFEST, folder / MANIFEST, "build manifest")
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError):
        manifest = None
    if not isinstance(manifest, dict):
        raise BuildMissing(f"the build manifest is corrupt (not a JSON object); {REBUILD}",
                           file=str(folder / MANIFEST))
    return manifest


def read_manifest(folder: Path | None = None) -> dict:
    """The current build's manifest. Raises BuildMissing when absent or corrupt."""
    folder = folder or paths.build_dir()
    return _manifest_in(generation_dir(folder), folder)


def _unreadable(exc: OSError, shown: Path, what: str) -> BuildMissing:
    if isinstance(exc, FileNotFoundError):
        return BuildMissing(f"no built graph ({what} is missing); {REBUILD} first", file=str(shown))
    return BuildMissing(f"the {what} is unreadable ({exc.strerror or exc}); {REBUILD}", file=str(shown))


def verified_path(name: str, folder: Path | None = None) -> Path:
    """The path of one output of the current build (inside its generation, which no later build changes),
    checked against the SHA-256 its manifest records without holding the file in memory (a large graph.nq)."""
    folder = folder or paths.build_dir()
    generation = generation_dir(folder)
    manifest = _manifest_in(generation, folder)
    digest = hashlib.sha256()
    try:
        with open(generation / name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise _unreadable(exc, folder / name, "built file") from None
    hashes = manifest.get("sha256")
    expected = hashes.get(name) if isinstance(hashes, dict) else None
    if expected is not None and digest.hexdigest() != expected:
        raise BuildMissing(f"the built file is corrupt (its SHA-256 is not the manifest's); {REBUILD}",
                           file=str(folder / name))
    return generation / name


def read_output(name: str, folder: Path | None = None) -> bytes:
    """One output's bytes from the current build, checked against the SHA-256 its manifest records."""
    folder = folder or paths.build_dir()
    generation = generation_dir(folder)
    manifest = _manifest_in(generation, folder)
    data = _read(generation / name, folder / name, "built file")
    hashes = manifest.get("sha256")
    expected = hashes.get(name) if isinstance(hashes, dict) else None
    if expected is not None and hashlib.sha256(data).hexdigest() != expected:
        raise BuildMissing(f"the built file is corrupt (its SHA-256 is not the manifest's); {REBUILD}",
                           file=str(folder / name))
    return data


def load_built_graph(folder: Path | None = None) -> Graph:
    """The built graph from its Turtle file. Raises BuildMissing when absent or corrupt."""
    from rdflib import Graph

    folder = folder or paths.build_dir()
    data = read_output(GRAPH_TTL, folder)
    try:
        return Graph().parse(data=data, format="turtle")
    except Exception as exc:  # a corrupt file raises one of several parser errors
        raise BuildMissing(f"the built graph is corrupt ({type(exc).__name__}); {REBUILD}",
                           file=str(folder / GRAPH_TTL)) from None


def is_current(folder: Path | None = None) -> bool:
    """Whether the build was made from the sources as they are now, with every output this version writes."""
    try:
        manifest = read_manifest(folder)
    except WhichModelError:
        return False
    files = manifest.get("files")
    return manifest.get("sources") == sources_hash() and isinstance(files, list) and \
        GRAPH_NQ in files and ENCODER_ONNX in files
