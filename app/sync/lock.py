"""One sync at a time per profile, across threads and processes.

An OS file lock (released by the OS when a process dies, even by SIGKILL) guards against other
processes; a thread lock guards against a second sync started inside this process (the file
lock alone is re-entrant within a process).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from app.errors import SyncInProgressError

BUSY_MESSAGE = (
    "Another sync is already running for this directory (started from the window, the tray, "
    "the schedule or the command line). Wait for it to finish, then try again."
)

_registry_guard = threading.Lock()
_thread_locks: dict[Path, threading.Lock] = {}


def _thread_lock(path: Path) -> threading.Lock:
    with _registry_guard:
        return _thread_locks.setdefault(path, threading.Lock())


class SyncLock:
    def __init__(self, path: Path) -> None:
        self.path = path.resolve()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the ``with`` block, or raise :class:`SyncInProgressError` at once."""
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
                yield
            finally:
                file_lock.release()
        finally:
            thread_lock.release()
