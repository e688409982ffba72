"""The layering rules of docs/architecture.md, checked on the source tree.

These read the code as text and syntax trees; they import nothing from monitor, so a broken layer
shows here as a named rule and a place, not as an import error somewhere else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "union_all", "exists"}


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _runtime_imports(tree: ast.Module) -> set[str]:
    """Imports outside ``if TYPE_CHECKING:`` blocks."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                hidden.update(id(n) for n in ast.walk(inner))
    kept = ast.Module(
        body=[
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom) and id(n) not in hidden
        ],
        type_ignores=[],
    )
    return _imports(kept)


def _justified(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A comment directly above the def (or its decorators) says why the function stays long."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    above = lines[first - 2].strip() if first >= 2 else ""
    return above.startswith("#")


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        _name(p): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_longer_than_the_limit_without_a_stated_reason() -> None:
    offenders = []
    for path in _modules():
        lines = path.read_text().splitlines()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES and not _justified(lines, node):
                    offenders.append(f"{_name(path)}:{node.lineno} {node.name} ({length} lines)")
    assert offenders == []


@pytest.mark.parametrize("layer", ["sources", "core"])
def test_sources_and_the_core_never_reach_the_store_or_the_runtime(layer: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _runtime_imports(_tree(path)):
            if name.startswith(("monitor.store", "monitor.app")):
                offenders.append(f"{_name(path)} imports {name}")
    assert offenders == []


def test_the_core_does_no_input_or_output() -> None:
    forbidden = ("sqlalchemy", "imapclient", "msal", "requests", "smtplib", "socket", "subprocess")
    offenders = []
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        for name in _imports(_tree(path)):
            if name.split(".")[0] in forbidden or name.startswith(
                ("monitor.sources", "monitor.alerts", "monitor.cli", "monitor.daemon")
            ):
                offenders.append(f"{_name(path)} imports {name}")
    assert offenders == []


def test_no_sql_is_built_or_run_outside_the_store() -> None:
    offenders = []
    for path in _modules():
        if path.is_relative_to(PACKAGE / "store"):
            continue
        tree = _tree(path)
        if any(name.startswith("monitor.store.schema") for name in _imports(tree)):
            offenders.append(f"{_name(path)} imports the tables")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in SQL_BUILDERS:
                base = node.value
                if isinstance(base, ast.Name) and base.id in {"sa", "sqlalchemy"}:
                    offenders.append(f"{_name(path)}:{node.lineno} sa.{node.attr}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"execute", "exec_driver_sql"}
            ):
                offenders.append(f"{_name(path)}:{node.lineno} .{node.func.attr}()")
    assert offenders == []
