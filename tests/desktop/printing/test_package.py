"""The printing package keeps its shape: Qt in one module only, small modules with a docstring, samples regenerate."""

from __future__ import annotations

import ast
from pathlib import Path

import desktop.printing
from desktop import print_samples as samples
from desktop.printing.documents import DOCUMENTS
from desktop.printing.papers import PAPERS
from tests.test_architecture import imported_roots

PACKAGE = Path(desktop.printing.__file__).parent
QT_ROOTS = {"PySide6", "PyQt6", "PyQt5", "shiboken6"}


def test_only_qt_print_imports_qt():
    for path in PACKAGE.glob("*.py"):
        uses_qt = bool(QT_ROOTS & imported_roots(path))
        assert uses_qt == (path.name == "qt_print.py"), path.name


def test_printing_never_reaches_into_the_ui_the_services_the_store_or_the_county():
    for path in PACKAGE.glob("*.py"):
        modules = {
            node.module
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module
        }
        reached = ("desktop.ui", "desktop.jobs", "desktop.services", "desktop.store", "county")
        assert not {m for m in modules if m.startswith(reached)}, path.name  # it renders what services hand it


def test_modules_are_small_and_say_what_they_are_for():
    for path in PACKAGE.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) <= 500, path.name
        if path.name != "__init__.py" or source.strip():
            docstring = ast.get_docstring(ast.parse(source))
            assert docstring and docstring.strip(), path.name


def test_the_documented_command_regenerates_every_sample(tmp_path):
    assert samples.main([str(tmp_path)]) == 0
    names = {path.name for path in tmp_path.glob("*.png")}
    for key in DOCUMENTS:
        for paper in PAPERS:
            assert f"{key}-{paper}-1.png" in names
    index = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert all(name in index for name in names)
