"""What a build changed: the answers over the dev questions whose top family, reasons or conflicts differ.

    report = diff_builds()                 # the current build against the previous generation
    report = diff_snapshots(saved, now)    # or against a saved snapshot of answers (snapshot_answers)

Questions come from shared/eval/dev.yaml (beside the project, when present) and ontology/needs/dev.yaml.
Both builds answer with the hand-written need rules (a fitted need parser belongs to one build), so a
difference comes from the graph, not from the parser. A changed answer carries its new evidence: the
claims its top family now cites that it did not before.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kg import paths
from kg.errors import BuildMissing, WhichModelError
from kg.graph.store import GENERATIONS, generation_dir
from kg.knowledge import KnowledgeBase
from kg.reasoning.answer import Answer, citation_of
from kg.reasoning.embedding import Embedder
from kg.reasoning.matcher import Matcher
from kg.sources.yamlsafe import load_yaml

CACHE = ".diff-cache"


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


def _open(folder: Path, embedder: Embedder) -> KnowledgeBase:
    kb = KnowledgeBase(folder)
    kb.__dict__["parser"] = None                    # the hand-written rules on both sides
    kb.__dict__["matcher"] = Matcher(kb.index, embedder, paths.build_dir() / CACHE / folder.name)
    return kb


def snapshot_answers(folder: Path, questions: list[str], embedder: Embedder | None = None) -> dict[str, dict]:
    kb = _open(folder, embedder or Embedder())
    return {q: summarise(kb.recommend(q)) for q in questions}


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
    embedder = Embedder()
    current = generation_dir(folder)
    name = "snapshot"
    if before is None:
        previous = previous_generation(folder)
        before, name = snapshot_answers(previous, questions, embedder), previous.name
    after = snapshot_answers(current, questions, embedder)
    return diff_snapshots(before, after, names=(name, current.name)), after
