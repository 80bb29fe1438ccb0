"""Every directory test here runs on SQLite and on PostgreSQL (skipped without a server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store.database import sqlite_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty directory database: a new SQLite file, or the emptied PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "directory.db")
    return request.getfixturevalue("postgres_url")
