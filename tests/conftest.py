"""Fixtures shared by the unit tests: a fresh database on each engine, a store, a recorder.

`database_url` runs a test twice: on a SQLite file and on a fresh PostgreSQL schema.
The server is `$MONITOR_TEST_POSTGRES` (default: the local one, trust auth); when it
does not answer, the PostgreSQL runs are skipped with the reason, never passed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from monitor.store.database import Store
from monitor.store.engine import describe
from tests.records import Recorder

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ENGINES = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs on the PostgreSQL test server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every run on PostgreSQL, so `-m "not postgresql"` leaves them out."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("database_url") if callspec is not None else None
        if param == "postgresql" or "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgresql)


def postgres_server() -> str:
    return os.environ.get("MONITOR_TEST_POSTGRES") or DEFAULT_POSTGRES


@cache
def _admin() -> Engine | str:
    """An AUTOCOMMIT engine on the test server, or why there is none (asked once)."""
    url = postgres_server()
    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True,
                           connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        reason = "connection refused" if "refused" in first.lower() else first[:200]
        return f"no PostgreSQL at {describe(url)}: {reason}"
    return engine


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a fresh, empty schema on the test server (dropped afterwards)."""
    admin = _admin()
    if isinstance(admin, str):
        pytest.skip(admin)
    schema = f"t_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(postgres_server()).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine in turn: a SQLite file, a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/m.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An empty store, on SQLite and on PostgreSQL."""
    store = Store(database_url)
    yield store
    store.close()


@pytest.fixture
def rec(store: Store) -> Recorder:
    """Writes matched articles into `store` through its real API."""
    return Recorder(store)
