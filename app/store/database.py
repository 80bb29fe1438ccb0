"""Opening the directory database: engine, SQLite pragmas, and migrations to the latest schema.

The directory is a SQLite file in the profile folder, or a PostgreSQL database that several
technicians share (``database_url`` in the settings), reached through pg8000, the one
PostgreSQL driver the app ships.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import ConfigurationError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

POSTGRES_DRIVER = "postgresql+pg8000"
#: What ``database_url`` may name: SQLite (Python's own module) or PostgreSQL through pg8000.
SHIPPED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", POSTGRES_DRIVER})
#: How long opening a connection to a PostgreSQL server may take before it counts as down.
CONNECT_TIMEOUT_SECONDS = 15


def advisory_key(name: str) -> int:
    """A fixed signed 64-bit key for PostgreSQL's advisory locks, derived from ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


#: Held while migrating, so two first starts against one new database do not both create it.
MIGRATION_LOCK_KEY = advisory_key("rostersync-migrate")


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


#: An execution option: how a connection's next transactions begin on SQLite.
SQLITE_BEGIN = "rostersync_sqlite_begin"


def _on_sqlite_begin(connection: Connection) -> None:
    # "BEGIN IMMEDIATE" takes the write lock at once (waiting busy_timeout for it), where a
    # deferred BEGIN that reads first would fail outright if someone wrote in between.
    connection.exec_driver_sql(connection.get_execution_options().get(SQLITE_BEGIN, "BEGIN"))


def _unusable(url: str, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"The database setting ({displayable_url(url)}) cannot be used: {reason}. "
        "Check database_url in the settings."
    )


def directory_url(url: str) -> URL:
    """``url`` as the app opens it: ``postgresql://`` and ``postgres://`` go through pg8000.

    Raises :class:`ConfigurationError` for a URL that does not parse or names a driver the
    app does not ship (it would work on one computer and not in the installed app).
    """
    try:
        parsed = make_url(url)
    except (SQLAlchemyError, ValueError) as error:
        raise _unusable(url, error.__class__.__name__) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres") and driver in ("", "pg8000"):
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    if parsed.drivername not in SHIPPED_DRIVERS:
        raise _unusable(
            url,
            f"RosterSync works with SQLite, and with PostgreSQL through its own driver, not "
            f"with '{parsed.drivername}' (for PostgreSQL write "
            "postgresql://USER:PASSWORD@HOST/DATABASE)",
        )
    return parsed


def _on_postgres_connect(dbapi_connection: Any, _record: object) -> None:
    # pg8000 keeps the connect timeout on the socket for every later read; a long statement
    # (a big sync, or one waiting on another technician's lock) must not time out.
    sock = getattr(dbapi_connection, "_usock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(None)


def create_directory_engine(url: str) -> Engine:
    parsed = directory_url(url)
    is_postgres = parsed.drivername == POSTGRES_DRIVER
    connect_args: dict[str, object] = {"timeout": CONNECT_TIMEOUT_SECONDS} if is_postgres else {}
    try:
        engine = create_engine(parsed, connect_args=connect_args, pool_pre_ping=is_postgres)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise _unusable(url, error.__class__.__name__) from None
    if is_postgres:
        # pg8000 sends an executemany one row per round trip; a sync's batches of inserts
        # become multi-row INSERTs instead (about 4x faster even on the same computer).
        engine.dialect.use_insertmanyvalues_wo_returning = True
        event.listen(engine, "connect", _on_postgres_connect)
    elif engine.dialect.name == "sqlite":
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


def _sqlstate(error: SQLAlchemyError) -> str:
    """The PostgreSQL error code (SQLSTATE) pg8000 received, or ``""``."""
    orig = error.orig if isinstance(error, DBAPIError) else None
    fields = orig.args[0] if orig is not None and orig.args else None
    return str(fields.get("C", "")) if isinstance(fields, dict) else ""


def _network_cause(error: SQLAlchemyError) -> BaseException | None:
    orig = error.orig if isinstance(error, DBAPIError) else None
    cause = orig.__cause__ if orig is not None else None
    return cause if isinstance(cause, OSError) else None


def server_problem(url: URL, error: SQLAlchemyError) -> str:
    """What went wrong talking to a PostgreSQL directory, as a sentence without the password."""
    server = f"{url.host or 'localhost'}:{url.port or 5432}"
    user, database = url.username or "", url.database or ""
    code = _sqlstate(error)
    cause = _network_cause(error)
    if isinstance(cause, socket.gaierror):
        return (
            f"The database server '{url.host}' named in database_url could not be found. "
            "Check the host name in database_url in the settings, and the network connection."
        )
    if cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            reason = "the connection was refused"
        elif isinstance(cause, TimeoutError):
            reason = "it did not answer in time"
        else:
            reason = "the network did not get through"
        return (
            f"The PostgreSQL server at {server} could not be reached ({reason}). Check that "
            "the server is running and accepts connections from this computer, and the host "
            "and port in database_url in the settings."
        )
    if code in ("28P01", "28000"):
        return (
            f"The PostgreSQL server at {server} refused the user name '{user}' or its "
            "password. Check the user and password in database_url in the settings."
        )
    if code == "3D000":
        return (
            f"The PostgreSQL server at {server} has no database named '{database}'. Ask its "
            "administrator to create it, or check the database name in database_url."
        )
    if code == "42501":
        return (
            f"The PostgreSQL user '{user}' may not create or change the directory's tables in "
            f"the database '{database}'. Ask the server's administrator to make that user the "
            "database's owner."
        )
    return (
        f"The directory database '{database}' on the PostgreSQL server at {server} could not "
        f"be used ({error.__class__.__name__}). Check that the server is running and "
        "database_url in the settings."
    )


#: The newest migration in migrations/versions (a test keeps the two in step). Knowing it here
#: spares every start the import of Alembic, which only an upgrade needs.
HEAD_REVISION = "0007"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    """The schema's migration, or None for an empty database."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is already there."""
    with engine.connect() as connection, _foreign_keys_off(connection), connection.begin():
        if connection.dialect.name == "postgresql":
            # Released at commit; PostgreSQL's DDL is transactional, so a second process
            # waits here and then finds the schema already up to date.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        target = HEAD_REVISION if revision == "head" else revision
        if current_revision(connection) != target:
            from alembic import command

            command.upgrade(alembic_config(connection), revision)
            if (
                connection.dialect.name == "sqlite"
                and connection.exec_driver_sql("PRAGMA foreign_key_check").first()
            ):
                raise SQLAlchemyError("a migration left rows whose references are broken")


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while migrating: a migration that changes a column's type
    copies the table and drops the old one, and that drop must not cascade to the rows that
    refer to it (schools would lose their sites). A no-op elsewhere."""
    if connection.dialect.name != "sqlite":
        yield
        return
    # Straight to the driver: the pragma works only outside a transaction.
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


class Database:
    """An engine on an up-to-date schema, and short sessions on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_directory_engine(url)
        try:
            upgrade(self.engine)
        except SQLAlchemyError as error:
            self.engine.dispose()
            if self.engine.dialect.name == "postgresql":
                raise ConfigurationError(server_problem(self.engine.url, error)) from None
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

    @contextmanager
    def writing(self, connection: Connection) -> Iterator[Connection]:
        """A transaction on ``connection`` that is sure to be able to write: on SQLite it takes
        the write lock when it begins. Committed on success, rolled back on any error."""
        if connection.dialect.name == "sqlite":
            connection = connection.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})
        with connection.begin():
            yield connection

    def close(self) -> None:
        self.engine.dispose()
