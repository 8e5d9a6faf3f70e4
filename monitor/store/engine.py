"""Database engines: SQLite (the embedded default) or any SQLAlchemy URL, opened with
errors a person can act on.

Every way to point the service at an unusable database becomes one StoreError
line: a folder that cannot be made (a file is in the way, no permission), a
folder or a file that is not a database, a missing driver, a server that does
not answer. `describe(url)` shows a URL without its password.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from monitor.errors import StoreError

# driver module -> how to install it
DRIVER_HINTS = {
    "psycopg": 'pip install "psycopg[binary]"',
    "psycopg2": 'pip install "psycopg2-binary"',
    "pymysql": "pip install pymysql",
}


def describe(url: str) -> str:
    """The database as a person would name it: a SQLite path, or the URL without password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url.split("://", 1)[0] + "://…" if "://" in url else url
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def parse_url(url: str, where: str | None = None) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise StoreError(f"database {describe(url)}: not a database URL "
                         "(a SQLite path, or e.g. postgresql+psycopg://user@host/db)",
                         where=where) from None


def create_store_engine(url: str, *, where: str | None = None) -> Engine:
    """An engine for the URL; SQLite gets its folder, WAL mode and a busy timeout."""
    parsed = parse_url(url, where)
    shown = describe(url)
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(url, pool_pre_ping=True)
        except NoSuchModuleError:
            raise StoreError(f"database {shown}: unknown kind of database "
                             f"{parsed.drivername!r}", where=where) from None
        except ModuleNotFoundError as exc:
            hint = DRIVER_HINTS.get(exc.name or "", f"pip install {exc.name}")
            raise StoreError(f"database {shown}: its driver {exc.name} is not installed "
                             f"({hint})", where=where) from None
    if parsed.database and parsed.database != ":memory:":
        prepare_sqlite_folder(Path(parsed.database), shown, where)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def prepare_sqlite_folder(path: Path, shown: str, where: str | None, *,
                          create: bool = True) -> None:
    """Make (or with `create=False`, only check) the folder a SQLite file will live in."""
    if path.is_dir():
        raise StoreError(f"database {shown}: is a folder, not a database file", where=where)
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        pass  # a new database, or a file in the way of its folder: both are checked below
    except OSError as exc:  # a link that loops, a name too long, ...
        raise StoreError(f"database {shown}: cannot open it: {exc.strerror or exc}",
                         where=where) from None
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise StoreError(f"database {shown}: cannot create its folder: {ancestor} is a file",
                         where=where)
    if not create:
        if not os.access(ancestor, os.W_OK):
            raise StoreError(f"database {shown}: cannot create it: no permission to write in "
                             f"{ancestor}", where=where)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"database {shown}: cannot create its folder {path.parent}: "
                         f"{exc.strerror or exc}", where=where) from None


@contextlib.contextmanager
def database_errors(url: str, where: str | None) -> Iterator[None]:
    """Turn the driver's errors on opening the database into one StoreError line."""
    try:
        yield
    except DBAPIError as exc:
        raise StoreError(f"database {describe(url)}: {error_reason(exc)}", where=where) from None


def error_reason(exc: DBAPIError) -> str:
    """The driver's complaint as one line a person can act on."""
    text = " ".join(str(exc.orig).split()) or type(exc.orig).__name__
    lowered = text.lower()
    if "file is not a database" in lowered:
        return "not a SQLite database (the file holds something else)"
    if "unable to open database file" in lowered:
        return "cannot open it as a database file (check the path and its permissions)"
    if "readonly database" in lowered:
        return "cannot write to it (the file or its folder is read-only)"
    return text[:300]
