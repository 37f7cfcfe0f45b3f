"""Where the project's data and build outputs live. Computed on call, never at import."""
from __future__ import annotations

import os
from pathlib import Path


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
