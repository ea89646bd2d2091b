"""The dependency arrows run one way: desktop → sync ← county; sync is free of Qt, web and ORM code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_sync_imports_only_the_standard_library_pydantic_requests_orjson_and_resources():
    allowed = set(sys.stdlib_module_names) | {"sync", "resources", "pydantic", "requests", "orjson"}
    for path in (ROOT / "sync").rglob("*.py"):
        extra = imported_roots(path) - allowed
        assert not extra, f"{path.relative_to(ROOT)} imports {sorted(extra)}"


def test_the_store_never_imports_qt():
    for path in (ROOT / "desktop" / "store").rglob("*.py"):
        assert not {"PySide6", "PyQt6"} & imported_roots(path), path
