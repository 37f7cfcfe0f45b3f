"""Where the project's data and build outputs live. Computed on call, never at import."""
from __future__ import annotations

import os
from pathlib import Path

STORE_ENV = "WHICHMODEL_STORE"


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def ontology_dir() -> Path:
    return project_root() / "ontology"


def corpus_dir() -> Path:
    return ontology_dir() / "corpus"


def claims_dir() -> Path:
    return ontology_dir() / "claims"


def queries_dir() -> Path:
    return ontology_dir() / "queries"


def build_dir() -> Path:
    """Build outputs; WHICHMODEL_BUILD_DIR overrides the default build/ in the project root."""
    return Path(os.environ.get("WHICHMODEL_BUILD_DIR") or project_root() / "build")


def chosen_store(name: str | None = None) -> str:
    """Where SPARQL runs, as chosen: the engine name or server URL given, else $WHICHMODEL_STORE, else ''."""
    return (name or os.environ.get(STORE_ENV) or "").strip()


def is_url(name: str | None) -> bool:
    """Whether a store choice is a remote server's URL rather than an engine's name."""
    return bool(name) and name.strip().lower().startswith(("http://", "https://"))
