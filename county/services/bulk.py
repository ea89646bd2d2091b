"""Many rows in one statement: what a pushed batch writes, inside the batch's transaction.

PostgreSQL gets ``COPY`` for new rows and one ``UPDATE … FROM unnest(arrays)`` for changed ones (one round
trip each, whatever the batch size). SQLite gets the driver's own ``executemany`` for new rows (values
converted by the columns' types, as SQLAlchemy would) and Core ``executemany`` for changed ones: both run
the statement in a C loop in process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import JSON, Table, bindparam, insert, update
from sqlalchemy.orm import Session

_UNSET = object()


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> list[str]:
    """The columns to write: those of the first row, plus any with a Python-side scalar default it lacks."""
    names = list(rows[0])
    for column in table.columns:
        if column.name not in rows[0] and column.default is not None and column.default.is_scalar:
            names.append(column.name)
    return names


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, json_text: Collection[str] = ()
) -> None:
    """Insert rows that all have the same keys; the JSON columns named in ``json_text`` come already as JSON text."""
    if not rows:
        return
    connection = session.connection()
    names = _with_defaults(table, rows)
    defaults = {name: table.c[name].default.arg for name in names if name not in rows[0]}
    dialect, quote = connection.dialect, connection.dialect.identifier_preparer
    columns = f"{quote.format_table(table)} ({', '.join(quote.quote(name) for name in names)})"
    if dialect.name == "sqlite":  # sqlite3's own executemany, values converted as the column types say
        convert = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
        values = [[row.get(name, defaults.get(name)) for name in names] for row in rows]
        for index, processor in enumerate(convert):
            if processor is not None and names[index] not in json_text:
                _convert_column(values, index, processor)
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(f"INSERT INTO {columns} VALUES ({', '.join('?' * len(names))})", values)
        finally:
            cursor.close()
        return
    if dialect.name != "postgresql":
        connection.execute(
            insert(table),
            [{name: json.loads(value) if name in json_text else value for name, value in row.items()} for row in rows],
        )
        return
    json_columns = {name for name in names if isinstance(table.c[name].type, JSON) and name not in json_text}
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(f"COPY {columns} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [_json(row[name]) if name in json_columns else row.get(name, defaults.get(name)) for name in names]
            )


def _convert_column(values: list[list[Any]], index: int, processor: Callable[[Any], Any]) -> None:
    """Apply a column's bind processor down the rows; one value shared by every row (the batch's receipt
    time) is converted once."""
    last_in: Any = _UNSET
    last_out: Any = None
    for value in values:
        if value[index] is not last_in:
            last_in, last_out = value[index], processor(value[index])
        value[index] = last_out


def update_rows(session: Session, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Set the columns each row names (all rows the same keys, ``key`` among them) where ``key`` matches."""
    if not rows:
        return
    connection = session.connection()
    columns = [name for name in rows[0] if name != key]
    if connection.dialect.name != "postgresql":
        params = [{"key_": row[key], **{name: row[name] for name in columns}} for row in rows]
        connection.execute(update(table).where(table.c[key] == bindparam("key_")), params)
        return
    dialect, quote = connection.dialect, connection.dialect.identifier_preparer
    names = [key, *columns]
    arrays = ", ".join(f"%s::{table.c[name].type.compile(dialect)}[]" for name in names)
    sets = ", ".join(f"{quote.quote(name)} = u.{quote.quote(name)}" for name in columns)
    statement = (
        f"UPDATE {quote.format_table(table)} AS t SET {sets} FROM unnest({arrays}) "
        f"AS u({', '.join(quote.quote(name) for name in names)}) "
        f"WHERE t.{quote.quote(key)} = u.{quote.quote(key)}"
    )
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement, [[row[name] for row in rows] for name in names])
