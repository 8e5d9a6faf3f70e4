"""Copy a database into an empty one (e.g. SQLite to PostgreSQL), to move an install.

The target gets its schema from the migrations, then every table of
`schema.metadata` in foreign-key order (so tables added later are copied too),
streamed in batches with their ids kept; PostgreSQL sequences then continue
after the copied ids. Everything is written in one transaction on the target and
the row counts are compared before it commits: a failed copy leaves the target
as empty as it was (SQLite targets get transactional DDL for this).
The worker should be stopped meanwhile: rows it adds to the source fail the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, event, func, insert, inspect, select
from sqlalchemy.exc import DBAPIError

from monitor.store.engine import create_store_engine, database_errors, describe, error_reason
from monitor.store.migrations import migrate
from monitor.store.schema import metadata

BATCH = 1000  # rows read and written per round trip


class CopyFailed(Exception):
    """The copy was refused or did not complete; nothing was committed to the target."""


@dataclass(frozen=True)
class CopiedTable:
    name: str
    rows: int


def copy_database(source: Engine, target_url: str, *, where: str | None = None,
                  batch: int = BATCH) -> list[CopiedTable]:
    """Copy every table of `source` into the empty database at `target_url`.

    An unreachable or unusable target is a StoreError; a target holding any table,
    or a copy that fails or whose counts differ, is CopyFailed.
    """
    target = create_store_engine(target_url, where=where)
    if target.dialect.name == "sqlite":
        _transactional_ddl(target)
    shown = describe(target_url)
    try:
        with database_errors(target_url, where), target.connect() as probe:
            existing = sorted(inspect(probe).get_table_names())
        if existing:
            raise CopyFailed(f"database {shown} is not empty (it has the tables "
                             f"{', '.join(existing[:5])}{', ...' if len(existing) > 5 else ''}"
                             "): copy only into an empty database")
        try:
            with source.connect() as src, target.begin() as dst:
                migrate(dst)
                copied = [CopiedTable(t.name, _copy_table(src, dst, t, batch))
                          for t in metadata.sorted_tables]
                if dst.dialect.name == "postgresql":
                    _continue_sequences(dst)
                _verify(src, dst, copied)
        except DBAPIError as exc:
            raise CopyFailed(f"copy into {shown} failed, nothing was kept there: "
                             f"{error_reason(exc)}") from None
    finally:
        target.dispose()
    return copied


def _copy_table(src: Connection, dst: Connection, table: Table, batch: int) -> int:
    """Stream the table's rows in primary-key order into the target; returns how many."""
    result = src.execution_options(yield_per=batch).execute(
        select(table).order_by(*table.primary_key.columns))
    rows = 0
    for part in result.partitions():
        dst.execute(insert(table), [row._asdict() for row in part])
        rows += len(part)
    return rows


def _continue_sequences(dst: Connection) -> None:
    """Each serial id continues after the largest copied id (ids were given explicitly)."""
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = dst.execute(select(func.pg_get_serial_sequence(table.name, column.name)))
        name = sequence.scalar()
        if name is None:
            continue
        top = dst.execute(select(func.max(column))).scalar()
        dst.execute(select(func.setval(name, top or 1, top is not None)))


def _verify(src: Connection, dst: Connection, copied: list[CopiedTable]) -> None:
    for table, done in zip(metadata.sorted_tables, copied, strict=True):
        count = select(func.count()).select_from(table)
        before, after = src.execute(count).scalar_one(), dst.execute(count).scalar_one()
        if not before == after == done.rows:
            raise CopyFailed(f"table {table.name}: {done.rows} rows copied, but the source "
                             f"now has {before} and the target {after} (stop the worker "
                             "while copying); nothing was kept in the target")


def _transactional_ddl(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, open the transaction, so CREATE TABLE is in it."""

    @event.listens_for(engine, "connect")
    def _manual(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")
