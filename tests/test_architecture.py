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


def test_sync_imports_only_the_standard_library_pydantic_requests_truststore_orjson_and_resources():
    allowed = set(sys.stdlib_module_names) | {"sync", "resources", "pydantic", "requests", "truststore", "orjson"}
    for path in (ROOT / "sync").rglob("*.py"):
        extra = imported_roots(path) - allowed
        assert not extra, f"{path.relative_to(ROOT)} imports {sorted(extra)}"


def test_the_store_never_imports_qt():
    for path in (ROOT / "desktop" / "store").rglob("*.py"):
        assert not {"PySide6", "PyQt6"} & imported_roots(path), path


WALL_CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
    ("func", "now"),
    ("func", "current_timestamp"),
    ("func", "current_date"),
    ("func", "localtimestamp"),
}
CLOCK_MODULE = ROOT / "sync" / "clock.py"


def wall_clock_reads(source: str) -> list[str]:
    """Calls that read the wall clock or ask the database server for the time, as 'name.attr' at line N."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                if (name, func.attr) in WALL_CLOCK_READS:
                    found.append(f"{name}.{func.attr} at line {node.lineno}")
            for keyword in node.keywords:  # a column default the database server fills in with its own time
                value = ast.unparse(keyword.value).lower()
                if keyword.arg in {"server_default", "server_onupdate"} and any(
                    word in value for word in ("now", "current_", "time", "date")
                ):
                    found.append(f"{keyword.arg}={value} at line {node.lineno}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.lower()
            if any(sql in text for sql in ("now()", "current_timestamp", "datetime('now'", "date('now'")):
                found.append(f"SQL clock '{node.value[:40]}' at line {node.lineno}")
    return found


def test_only_the_clock_reads_the_wall_clock():
    """Business time comes from sync.clock alone; monotonic timers (time.monotonic, perf_counter) are free."""
    offenders = []
    for part in ("desktop", "sync", "county"):
        for path in (ROOT / part).rglob("*.py"):
            if path == CLOCK_MODULE:
                continue
            offenders += [f"{path.relative_to(ROOT)}: {hit}" for hit in wall_clock_reads(path.read_text("utf-8"))]
    assert not offenders, "read the time through sync.clock instead:\n" + "\n".join(offenders)


def test_the_wall_clock_check_catches_each_kind_of_direct_read():
    source = (
        "import time\nfrom datetime import date, datetime\n"
        "a = datetime.now()\nb = date.today()\nc = time.time()\nd = datetime.datetime.utcnow()\n"
        "e = sa.func.now()\nf = Column(server_default=text('now()'))\ng = 'SELECT CURRENT_TIMESTAMP'\n"
        "ok = time.monotonic()\nalso_ok = Column(server_default=sa.false())\n"
    )
    hits = wall_clock_reads(source)
    assert len(hits) == 8, hits  # f counts twice: the keyword and the SQL text
    assert not any("monotonic" in hit or "false" in hit for hit in hits)
