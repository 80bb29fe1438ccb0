"""Background work for the GUI: run a function on a worker thread, get its result back on the
GUI thread.

Workers never touch widgets. Each task ends with exactly one of ``on_success`` or
``on_failure``, called on the GUI thread; progress reaches ``on_progress`` at most about ten
times a second (plus every change of stage), so a fast sync cannot flood the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from shiboken6 import isValid

from app.errors import RosterSyncError

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressFn = Callable[[Any], None]
Work = Callable[[ProgressFn, threading.Event], T]

PROGRESS_INTERVAL = 0.1
UNEXPECTED = (
    "Something unexpected went wrong; nothing was changed. The details are in the log file."
)


@dataclass(frozen=True, slots=True)
class Failure:
    message: str
    kind: str


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, queued slots deliver on the GUI thread."""

    progressed = Signal(object)
    done = Signal(object)
    broke = Signal(object)

    def __init__(
        self,
        on_success: Callable[[Any], None],
        on_failure: Callable[[Failure], None],
        on_progress: Callable[[Any], None] | None,
        on_end: Callable[[_Relay], None],
        owner: QObject | None,
    ) -> None:
        super().__init__()
        self._owner = owner
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_progress = on_progress
        self._on_end = on_end
        self.finished = False
        queued = Qt.ConnectionType.QueuedConnection
        self.progressed.connect(self._deliver_progress, queued)
        self.done.connect(self._deliver_success, queued)
        self.broke.connect(self._deliver_failure, queued)

    def _owner_alive(self) -> bool:
        """False once the widget that started the task was deleted (its window closed)."""
        return self._owner is None or isValid(self._owner)

    @Slot(object)
    def _deliver_progress(self, value: object) -> None:
        if self._on_progress is not None and not self.finished and self._owner_alive():
            self._on_progress(value)

    @Slot(object)
    def _deliver_success(self, value: object) -> None:
        self.finished = True
        self._on_end(self)
        if self._owner_alive():
            self._on_success(value)

    @Slot(object)
    def _deliver_failure(self, failure: object) -> None:
        self.finished = True
        self._on_end(self)
        assert isinstance(failure, Failure)
        if self._owner_alive():
            self._on_failure(failure)


class _Job(QRunnable):
    def __init__(self, work: Work[Any], relay: _Relay, cancel: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._relay = relay
        self._cancel = cancel
        self._last_emit = 0.0
        self._last_stage: object = None
        self.ended = threading.Event()

    def _progress(self, value: object) -> None:
        """Count updates (objects with ``done``) are throttled per stage; events never are."""
        if hasattr(value, "done"):
            stage = getattr(value, "stage", None)
            now = time.monotonic()
            if stage == self._last_stage and now - self._last_emit < PROGRESS_INTERVAL:
                return
            self._last_stage = stage
            self._last_emit = now
        self._relay.progressed.emit(value)

    def run(self) -> None:
        try:
            result = self._work(self._progress, self._cancel)
        except RosterSyncError as error:
            self._relay.broke.emit(Failure(error.message, error.kind))
        except Exception:
            log.exception("A background task failed")
            self._relay.broke.emit(Failure(UNEXPECTED, "unexpected"))
        else:
            self._relay.done.emit(result)
        finally:
            self.ended.set()


class TaskHandle(Generic[T]):
    def __init__(self, cancel: threading.Event, job: _Job, relay: _Relay) -> None:
        self._cancel = cancel
        self._job_ended = job.ended
        self._relay = relay

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def canceled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return not self._relay.finished

    def wait(self, timeout: float) -> bool:
        """Block until the worker function returned (its result may still be queued)."""
        return self._job_ended.wait(timeout)


class TaskRunner(QObject):
    """Starts background tasks and, on quit, cancels and waits for them."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._live: set[_Relay] = set()
        self._handles: list[TaskHandle[Any]] = []

    def start(
        self,
        work: Work[T],
        on_success: Callable[[T], None],
        on_failure: Callable[[Failure], None],
        on_progress: Callable[[Any], None] | None = None,
        owner: QObject | None = None,
    ) -> TaskHandle[T]:
        """Run ``work`` in the background; with ``owner``, its callbacks are dropped once the
        owner is deleted."""
        cancel = threading.Event()
        relay = _Relay(on_success, on_failure, on_progress, self._live.discard, owner)
        self._live.add(relay)  # keeps the relay alive until its task has ended
        job = _Job(work, relay, cancel)
        handle: TaskHandle[T] = TaskHandle(cancel, job, relay)
        self._handles = [h for h in self._handles if h.running] + [handle]
        self._pool.start(job)
        return handle

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def shutdown(self, timeout_ms: int = 15_000) -> bool:
        """Cancel every task and wait for the workers; True when all stopped in time."""
        for handle in self._handles:
            handle.cancel()
        return self._pool.waitForDone(timeout_ms)


class LatestRead:
    """Background reads of one thing (a count, a list of runs) of which only the latest counts:
    the answer to an older read, arriving late, is dropped, never shown over a newer one."""

    def __init__(self, tasks: TaskRunner, owner: QObject) -> None:
        self._tasks = tasks
        self._owner = owner
        self._asked = 0
        self._answered = 0

    @property
    def waiting(self) -> bool:
        """The latest read has not answered (nor failed) yet."""
        return self._answered != self._asked

    @property
    def answer_number(self) -> int:
        """Which read gave the latest answer taken: work bound to that answer checks it."""
        return self._answered

    def start(
        self,
        read: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[Failure], None],
    ) -> None:
        """Run ``read`` on a worker; its answer is delivered unless another read started since."""
        self._asked += 1
        asked = self._asked

        def latest(deliver: Callable[[Any], None]) -> Callable[[Any], None]:
            def take(value: Any) -> None:
                if asked == self._asked:
                    self._answered = asked
                    deliver(value)

            return take

        def work(_progress: ProgressFn, _cancel: threading.Event) -> T:
            return read()

        self._tasks.start(work, latest(on_success), latest(on_failure), owner=self._owner)

    def drop(self) -> None:
        """No longer want the answer on its way, if any."""
        self._asked += 1
        self._answered = self._asked
