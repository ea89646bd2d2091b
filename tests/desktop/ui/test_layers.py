"""The counter's layers: ui → jobs → services → store. Screens never touch SQLAlchemy or the store directly."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _modules(folder: str):
    return sorted((ROOT / "desktop" / folder).rglob("*.py"))


def test_ui_and_jobs_never_import_sqlalchemy_or_the_store():
    for path in [*_modules("ui"), *_modules("jobs")]:
        bad = {
            name for name in _imports(path) if name.split(".")[0] == "sqlalchemy" or name.startswith("desktop.store")
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_services_and_jobs_never_import_the_ui_and_services_no_qt():
    for path in _modules("services"):
        bad = {name for name in _imports(path) if name.startswith(("desktop.ui", "desktop.jobs", "PySide6"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
    for path in _modules("jobs"):
        assert not {name for name in _imports(path) if name.startswith("desktop.ui")}, path


def test_modules_stay_small_and_say_what_they_are_for():
    for path in [*_modules("ui"), *_modules("jobs")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) < 500, f"{path.name} has {len(lines)} lines: split it"
        assert (lines[0].startswith('"""') and lines[0].endswith('"""')) or lines[0].startswith('"""'), path.name
