"""Build outputs on disk: written atomically, checked against the sources they came from."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kg import paths
from kg.errors import BuildMissing, WhichModelError

GRAPH_TTL = "graph.ttl"
GRAPH_JSONLD = "graph.jsonld"
MANIFEST = "manifest.json"


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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

    @property
    def turtle(self) -> Path:
        return self.folder / GRAPH_TTL


def write_outputs(files: dict[str, bytes], manifest: dict, folder: Path | None = None) -> BuildOutputs:
    """Write every output, then the manifest last: a manifest always describes complete outputs."""
    folder = folder or paths.build_dir()
    for name, data in sorted(files.items()):
        write_atomic(folder / name, data)
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    return BuildOutputs(folder, manifest)


def read_manifest(folder: Path | None = None) -> dict:
    folder = folder or paths.build_dir()
    path = folder / MANIFEST
    if not path.exists():
        raise BuildMissing("no built graph; run `whichmodel build` first", file=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildMissing(f"the build manifest is unreadable ({exc}); run `whichmodel build`",
                           file=str(path)) from None


def load_built_graph(folder: Path | None = None) -> Graph:
    """The built graph from its Turtle file. Raises BuildMissing when absent or corrupt."""
    folder = folder or paths.build_dir()
    read_manifest(folder)
    path = folder / GRAPH_TTL
    try:
        return Graph().parse(path, format="turtle")
    except FileNotFoundError:
        raise BuildMissing("no built graph; run `whichmodel build` first", file=str(path)) from None
    except Exception as exc:  # a corrupt file raises one of several parser errors
        raise BuildMissing(f"the built graph is corrupt ({type(exc).__name__}); run `whichmodel build`",
                           file=str(path)) from None


def is_current(folder: Path | None = None) -> bool:
    try:
        return read_manifest(folder).get("sources") == sources_hash()
    except WhichModelError:
        return False
