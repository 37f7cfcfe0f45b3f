"""What a build changed: the answers over the dev questions whose top family, reasons or conflicts differ.

    report = diff_builds()                 # the current build against the previous generation
    report = diff_snapshots(saved, now)    # or against a saved snapshot of answers (snapshot_answers)

Questions come from shared/eval/dev.yaml (beside the project, when present) and ontology/needs/dev.yaml.
Both builds answer with the hand-written need rules (a fitted need parser belongs to one build), so a
difference comes from the graph, not from the parser. A changed answer carries its new evidence: the
claims its top family now cites that it did not before.
One diff encodes each text once for both builds (SharedEncoder), and a generation's answers are saved in
`build/.diff-cache/<generation>/answers.json` with a fingerprint of the code: the next diff, whose
previous generation this is, reads them instead of answering again (a generation never changes).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg import paths
from kg.encoder import MODEL_NAME
from kg.errors import BuildMissing, WhichModelError
from kg.graph.store import GENERATIONS, generation_dir, write_atomic
from kg.knowledge import KnowledgeBase
from kg.reasoning.answer import Answer, citation_of
from kg.reasoning.embedding import Embedder
from kg.reasoning.matcher import Matcher
from kg.sources.yamlsafe import load_yaml

CACHE = ".diff-cache"
ANSWERS = "answers.json"


def question_files() -> list[Path]:
    root = paths.project_root()
    return [p for p in (root.parent / "shared" / "eval" / "dev.yaml", paths.ontology_dir() / "needs" / "dev.yaml")
            if p.exists()]


def load_questions(files: list[Path] | None = None) -> list[str]:
    out: list[str] = []
    for path in files if files is not None else question_files():
        data = load_yaml(path, WhichModelError)
        items = (data.get("cases") or data.get("needs") or []) if isinstance(data, dict) else []
        out += [str(item["q"]) for item in items if isinstance(item, dict) and item.get("q")]
    return list(dict.fromkeys(out))


def summarise(answer: Answer) -> dict:
    """What the diff compares, and the evidence it shows."""
    top = answer.top
    if answer.declined or top is None:
        return {"top": "declined", "reasons": [], "conflicts": [], "evidence": []}
    evidence = [citation_of(c) for r in top.reasons for c in r.claims]
    return {"top": top.family, "reasons": [r.describe(top.label) for r in top.reasons],
            "conflicts": [c.summary for c in top.conflicts], "evidence": evidence}


@dataclass
class Change:
    question: str
    before: dict
    after: dict
    what: list[str] = field(default_factory=list)        # top, reasons, conflicts

    def new_evidence(self) -> list[dict]:
        old = {e["claim"] for e in self.before.get("evidence", [])}
        return [e for e in self.after.get("evidence", []) if e["claim"] not in old]

    def to_dict(self) -> dict:
        return {"question": self.question, "changed": self.what, "before": self.before["top"],
                "after": self.after["top"], "new_evidence": self.new_evidence(),
                "reasons_added": [r for r in self.after["reasons"] if r not in self.before["reasons"]],
                "reasons_removed": [r for r in self.before["reasons"] if r not in self.after["reasons"]],
                "conflicts_added": [c for c in self.after["conflicts"] if c not in self.before["conflicts"]],
                "conflicts_removed": [c for c in self.before["conflicts"] if c not in self.after["conflicts"]]}


@dataclass
class DiffReport:
    before: str
    after: str
    questions: int
    changes: list[Change]

    def to_dict(self) -> dict:
        return {"before": self.before, "after": self.after, "questions": self.questions,
                "changed": len(self.changes), "changes": [c.to_dict() for c in self.changes]}


class SharedEncoder:
    """The embedder both builds' matchers use in one diff: the same call (a question with its clauses, a
    build's concept texts when the graph did not change them) is encoded once and answered alike."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._encode = lru_cache(maxsize=None)(self._uncached)

    def _uncached(self, texts: tuple[str, ...]) -> np.ndarray:
        return self.embedder.encode(list(texts))

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(tuple(texts))


def _open(folder: Path, embedder: SharedEncoder) -> KnowledgeBase:
    kb = KnowledgeBase(folder)
    kb.__dict__["parser"] = None                    # the hand-written rules on both sides
    kb.__dict__["matcher"] = Matcher(kb.index, embedder, paths.build_dir() / CACHE / folder.name)
    return kb


def answer_all(folder: Path, questions: list[str], embedder: SharedEncoder) -> dict[str, dict]:
    """The build's answers to the questions, computed."""
    kb = _open(folder, embedder)
    return {q: summarise(kb.recommend(q)) for q in questions}


def code_fingerprint() -> str:
    """What answers depend on besides the build and the questions: the code that reads and answers."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(MODEL_NAME.encode())
    for path in sorted([*(root / "kg").rglob("*.py"), *(root / "explain").rglob("*.py")]):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def answers_path(folder: Path) -> Path:
    return paths.build_dir() / CACHE / folder.name / ANSWERS


def _saved_answers(folder: Path, questions: list[str], fingerprint: str) -> dict[str, dict] | None:
    """A generation's answers saved by an earlier diff with the same code, when they cover the questions."""
    try:
        data = json.loads(answers_path(folder).read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    answers = data.get("answers") if isinstance(data, dict) and data.get("code") == fingerprint else None
    if not isinstance(answers, dict) or not all(q in answers for q in questions):
        return None
    return {q: answers[q] for q in questions}


def snapshot_answers(folder: Path, questions: list[str], embedder: Embedder | SharedEncoder | None = None
                     ) -> dict[str, dict]:
    """The build's answers (summarised) to the questions: saved ones when an earlier diff answered them
    on this generation with the same code (a generation never changes), else computed and saved."""
    fingerprint = code_fingerprint()
    saved = _saved_answers(folder, questions, fingerprint)
    if saved is not None:
        return saved
    if not isinstance(embedder, SharedEncoder):
        embedder = SharedEncoder(embedder or Embedder())
    answers = answer_all(folder, questions, embedder)
    try:
        write_atomic(answers_path(folder), json.dumps({"code": fingerprint, "answers": answers},
                                                       ensure_ascii=False).encode("utf-8"))
    except OSError:
        pass                    # only a speed-up
    return answers


def diff_snapshots(before: dict[str, dict], after: dict[str, dict], *, names: tuple[str, str] = ("", "")) -> DiffReport:
    changes = []
    for question, new in after.items():
        old = before.get(question)
        if old is None:
            continue
        what = [k for k in ("top", "reasons", "conflicts") if old[k] != new[k]]
        if what:
            changes.append(Change(question, old, new, what))
    return DiffReport(names[0], names[1], len(after), changes)


def previous_generation(folder: Path | None = None) -> Path:
    """The build generation before the current one (kept by the build), or BuildMissing."""
    folder = folder or paths.build_dir()
    current = generation_dir(folder)
    root = folder / GENERATIONS
    others = sorted((p for p in root.iterdir() if p.is_dir() and p.resolve() != current.resolve()),
                    key=lambda p: os.stat(p).st_mtime) if root.is_dir() else []
    if not others:
        raise BuildMissing("no previous build to compare with (a build keeps the one before it); build after "
                           "a change, or compare with a snapshot: `whichmodel diff --against FILE`", file=str(root))
    return others[-1]


def diff_builds(folder: Path | None = None, *, before: dict[str, dict] | None = None,
                questions: list[str] | None = None) -> tuple[DiffReport, dict[str, dict]]:
    """The current build's answers against the previous generation's (or a given snapshot), and the
    current snapshot."""
    folder = folder or paths.build_dir()
    questions = questions if questions is not None else load_questions()
    embedder = SharedEncoder(Embedder())
    current = generation_dir(folder)
    name = "snapshot"
    if before is None:
        previous = previous_generation(folder)
        before, name = snapshot_answers(previous, questions, embedder), previous.name
    after = snapshot_answers(current, questions, embedder)
    return diff_snapshots(before, after, names=(name, current.name)), after
