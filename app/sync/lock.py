"""One sync at a time per directory, across threads, processes and computers.

An OS file lock (released by the OS when a process dies, even by SIGKILL) guards against other
processes; a thread lock guards against a second sync started inside this process (the file
lock alone is re-entrant within a process). A PostgreSQL directory is shared by technicians on
other computers, which see none of those, so there a PostgreSQL advisory lock is held as well,
on a connection of its own: the server releases it when that connection ends, however the
process ended.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import ConfigurationError, SyncInProgressError
from app.store.database import advisory_key, server_problem

if TYPE_CHECKING:
    from app.store.database import Database

BUSY_MESSAGE = (
    "Another sync is already running for this directory (started from the window, the tray, "
    "the schedule or the command line). Wait for it to finish, then try again."
)
SHARED_BUSY_MESSAGE = (
    "Another sync is already running against this directory, on this or another computer "
    "that shares its database. Wait for it to finish, then try again."
)
#: The advisory lock every RosterSync syncing into one PostgreSQL database takes.
SYNC_LOCK_KEY = advisory_key("rostersync-sync")

_registry_guard = threading.Lock()
_thread_locks: dict[Path, threading.Lock] = {}


def _thread_lock(path: Path) -> threading.Lock:
    with _registry_guard:
        return _thread_locks.setdefault(path, threading.Lock())


class SyncLock:
    """``database``, when it is PostgreSQL, adds the lock shared by every computer using it."""

    def __init__(self, path: Path, database: Database | None = None) -> None:
        self.path = path.resolve()
        self.database = database

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the ``with`` block, or raise :class:`SyncInProgressError` at once.

        Raises :class:`ConfigurationError` when a PostgreSQL directory cannot be reached.
        """
        thread_lock = _thread_lock(self.path)
        if not thread_lock.acquire(blocking=False):
            raise SyncInProgressError(BUSY_MESSAGE)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            file_lock = FileLock(self.path, timeout=0, thread_local=False)
            try:
                file_lock.acquire()
            except Timeout:
                raise SyncInProgressError(BUSY_MESSAGE) from None
            try:
                with self._server_lock():
                    yield
            finally:
                file_lock.release()
        finally:
            thread_lock.release()

    @contextmanager
    def _server_lock(self) -> Iterator[None]:
        if self.database is None or self.database.engine.dialect.name != "postgresql":
            yield
            return
        engine = self.database.engine
        try:
            connection = engine.connect()
        except SQLAlchemyError as error:
            raise ConfigurationError(server_problem(engine.url, error)) from None
        try:
            # Out of the pool, so closing it really ends the session and so the lock, even
            # when the unlock below could not be sent.
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.detach()
            try:
                acquired = connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": SYNC_LOCK_KEY}
                )
            except SQLAlchemyError as error:
                raise ConfigurationError(server_problem(engine.url, error)) from None
            if not acquired:
                raise SyncInProgressError(SHARED_BUSY_MESSAGE)
            try:
                yield
            finally:
                with suppress(SQLAlchemyError):
                    connection.scalar(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": SYNC_LOCK_KEY}
                    )
        finally:
            connection.close()
