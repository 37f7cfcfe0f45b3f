"""The layout rules import-linter and ruff cannot see: project imports sit at module top (so the
dependency graph the import contract checks is the whole graph), and no module takes another module's
private name. Layers and cycles are checked by `lint-imports` (pyproject.toml), which `make test` runs."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("kg", "explain", "app")
SOURCES = sorted(p for d in PROJECT for p in (ROOT / d).rglob("*.py"))


def _is_project(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in PROJECT


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield node, [a.name for a in node.names], [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node, [node.module or ""], [a.name for a in node.names]


# A module may import inside functions to keep `whichmodel ask` from loading rdflib, torch or gradio, when a
# comment in it says so by naming the benchmark that measures it (cold start is issue-level behaviour).
LAZY = "benchmarks/coldstart.py"


def _type_checking(tree: ast.AST) -> set[int]:
    """Imports under `if TYPE_CHECKING:` (types only, nothing runs)."""
    return {id(n) for node in tree.body if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_project_imports_are_at_module_top(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    top = {id(node) for node in tree.body} | _type_checking(tree)
    late = [f"line {node.lineno}" for node, modules, _ in _imports(tree)
            if any(_is_project(m) for m in modules) and id(node) not in top]
    lazy = any(LAZY in line for line in source.splitlines() if line.lstrip().startswith("#"))
    assert not late or lazy, f"{path.name}: project imports inside functions at {', '.join(late)}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_is_taken_from_another_module(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    taken = [f"{name} from {modules[0]} (line {node.lineno})" for node, modules, names in _imports(tree)
             if _is_project(modules[0]) for name in names if name.startswith("_") and not name.startswith("__")]
    assert not taken, f"{path.name} imports private names: {', '.join(taken)}"


def test_the_checks_see_a_late_project_import(tmp_path):
    """The rule above fails on the thing it forbids (so a passing run means something)."""
    tree = ast.parse("def f():\n    from kg.errors import QueryError\n")
    top = {id(node) for node in tree.body}
    assert [n for n, m, _ in _imports(tree) if _is_project(m[0]) and id(n) not in top]
