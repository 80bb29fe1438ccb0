"""Opening the directory database: engine, SQLite pragmas, and migrations to the latest schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import ConfigurationError

MIGRATIONS = Path(__file__).with_name("migrations")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _on_sqlite_connect(dbapi_connection: Any, _record: object) -> None:
    # Leave transaction control to SQLAlchemy (pysqlite's own is broken for BEGIN).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def create_directory_engine(url: str) -> Engine:
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise ConfigurationError(
            f"The database setting ({displayable_url(url)}) cannot be used: "
            f"{error.__class__.__name__}. Check database_url in the settings."
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        database = engine.url.database
        if database and database != ":memory:":
            _restrict_sqlite_files(Path(database))
    return engine


def _restrict_sqlite_files(path: Path) -> None:
    """Create the database file readable by its owner only (POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)


def displayable_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # the URL could not even be parsed: show nothing of it
        return "the database URL"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is already there."""
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        target = head_revision() if revision == "head" else revision
        if current != target:
            command.upgrade(alembic_config(connection), revision)


class Database:
    """An engine on an up-to-date schema, and short sessions on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_directory_engine(url)
        try:
            upgrade(self.engine)
        except SQLAlchemyError as error:
            self.engine.dispose()
            raise ConfigurationError(
                f"The directory database could not be opened ({error.__class__.__name__}). "
                "Check that the disk is not full or read-only and that the file is not damaged."
            ) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
