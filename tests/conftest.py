"""Fixtures shared by the unit tests: a fresh store and a recorder of matches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.store.database import Store
from tests.records import Recorder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty SQLite store in the test's own folder."""
    store = Store(f"sqlite:///{tmp_path}/m.db")
    yield store
    store.close()


@pytest.fixture
def rec(store: Store) -> Recorder:
    """Writes matched articles into `store` through its real API."""
    return Recorder(store)
