"""The house rules of ARCHITECTURE.md, read from the source: ``app/`` is the Qt-free core and
never imports ``ui`` or Qt, not even lazily inside a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import anywhere in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def imports_of(package: str, tops: frozenset[str]) -> list[str]:
    """``path:line imports module`` for each import under ``package`` of a module in ``tops``."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            if module.split(".")[0] in tops:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("forbidden", ["ui", "PySide6"])
def test_the_core_never_imports_the_window_layer(forbidden: str):
    assert imports_of("app", frozenset({forbidden})) == []


def test_the_check_finds_lazy_imports_too():
    code = "def f():\n    from ui.app import run_gui\n    import ui.self_test\n"
    found = [f"{line} {module}" for line, module in imported_modules(ast.parse(code))]
    assert found == ["2 ui.app", "3 ui.self_test"]
