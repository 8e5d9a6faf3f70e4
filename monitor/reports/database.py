"""What `monitor db upgrade` and `monitor db copy` print."""

from __future__ import annotations

from collections.abc import Callable

from monitor.config.settings import Settings
from monitor.store.copy import copy_database
from monitor.store.database import Store
from monitor.store.engine import describe
from monitor.store.migrations import LATEST


def upgrade(settings: Settings) -> str:
    """Apply the pending migrations to the configured database; one line saying which."""
    store = Store(settings.database_url, where=settings.database_origin)
    store.close()
    shown = describe(settings.database_url)
    if not store.migrations_applied:
        return f"database {shown}: already at schema version {LATEST}"
    applied = ", ".join(str(n) for n in store.migrations_applied)
    return f"database {shown}: schema version {LATEST}, applied {applied}"


def copy_to(settings: Settings, target_url: str, write: Callable[[str], object]) -> None:
    """Copy the configured database into the empty one at `target_url`, printing the counts.

    Raises CopyFailed (nothing written to the target) or StoreError.
    """
    store = Store(settings.database_url, where=settings.database_origin)
    try:
        write(f"copying {describe(settings.database_url)} to {describe(target_url)}\n")
        copied = copy_database(store.engine, target_url, where="--to")
    finally:
        store.close()
    width = max(len(table.name) for table in copied)
    for table in copied:
        write(f"  {table.name:<{width}}  {table.rows:>9,} rows\n")
    total = sum(table.rows for table in copied)
    write(f"copied {len(copied)} tables, {total:,} rows, schema version {LATEST}; row counts "
          "verified. Now set MONITOR_DATABASE (or database:) to the new URL\n")
