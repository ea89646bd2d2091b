"""Named schema migrations (数据库升级): backed up first, each applied in one transaction with its record.

The schema version is SQLite's ``user_version``: the number of migrations applied. A file whose
version is higher than this app knows was written by a newer app; it is refused, never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

from sqlalchemy import Connection, Engine

from desktop.store.engine import write

MIGRATIONS: tuple[str, ...] = (
    "0001_initial",
    "0002_county_feed",
    "0003_case_details",
    "0004_villager_told",
    "0005_evidence",
    "0006_return_handover",
)


def known_version() -> int:
    """The schema version this app writes: how many migrations it knows."""
    return len(MIGRATIONS)


class StoreTooNew(Exception):
    def __init__(self, found: int):
        super().__init__(
            f"这份台账是用更新版本的软件保存的（数据版本 {found}，本软件只认识到 {known_version()}）。"
            "为保护数据，本软件不会打开它。请安装最新版本后再打开，数据没有任何改动。"
        )
        self.found = found


def schema_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def _statements(name: str) -> list[str]:
    sql = resources.files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    statements, current = [], []
    for line in lines:
        current.append(line)
        joined = "\n".join(current).strip()
        # Triggers contain inner semicolons; a statement ends at ';' outside BEGIN…END.
        if joined.endswith(";") and (
            not joined.upper().startswith("CREATE TRIGGER") or joined.upper().endswith("END;")
        ):
            statements.append(joined)
            current = []
    if "\n".join(current).strip():
        raise ValueError(f"migration {name} has an unterminated statement")
    return statements


def pending(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        found = schema_version(conn)
    if found > known_version():
        raise StoreTooNew(found)
    return list(MIGRATIONS[found:])


def migrate(engine: Engine, backup: Callable[[str], object] | None = None, *, is_new: bool = False) -> list[str]:
    """Apply what is pending; call ``backup(reason)`` first unless the file is brand new."""
    todo = pending(engine)
    if todo and backup is not None and not is_new:
        backup(f"before-migration-{todo[0]}")
    for name in todo:
        with write(engine) as conn:
            version = schema_version(conn)
            if MIGRATIONS[version] != name:  # another process migrated meanwhile
                continue
            for statement in _statements(name):
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql(f"PRAGMA user_version = {version + 1}")
    return todo
