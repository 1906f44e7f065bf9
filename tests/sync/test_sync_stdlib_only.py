"""`sync` must import nothing outside the standard library (it is the portable core)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SYNC = Path(__file__).resolve().parents[2] / "sync"


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_sync_imports_only_the_standard_library() -> None:
    files = sorted(SYNC.rglob("*.py"))
    assert len(files) >= 10
    for path in files:
        outside = imported_roots(path) - set(sys.stdlib_module_names) - {"__future__", "sync"}
        assert not outside, f"{path.name} imports {sorted(outside)}"


def test_the_walker_sees_third_party_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom starlette.requests import Request\nimport tortoise.fields\n")
    assert imported_roots(bad) - set(sys.stdlib_module_names) == {"starlette", "tortoise"}
