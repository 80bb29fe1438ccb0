"""Process-wide settings for bulk work on a worker thread, so the window stays responsive and
the work's own threads keep moving.

- **The cyclic garbage collector waits.** A full collection walks every live object while
  holding the GIL: with tens of thousands of users in memory that takes over 100 ms, during
  which the GUI thread cannot run any Python and the window freezes. Counting, planning and
  syncing create no reference cycles, so reference counting frees whatever they drop.
- **Threads hand the GIL over sooner** (a sync only). A sync runs several threads (pages
  downloading, records parsed, pages staged); a thread that wants the GIL waits up to the
  switch interval (5 ms by default) before the running one is asked to let go, and a page that
  has arrived then waits for the thread parsing the one before. At 0.5 ms an unchanged re-sync
  of 100,000 users took 1.19 s instead of 1.42 s (bench/sync_bench.py).

Pauses may overlap (two threads, or nested calls): each setting comes back when the last one
ends, as it was before the first began.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

#: The switch interval while a sync runs (seconds).
SYNC_SWITCH_INTERVAL: Final = 0.0005


class _Nested:
    """A setting changed by the first of overlapping holders and restored by the last."""

    def __init__(self, change: Callable[[], object], restore: Callable[[object], None]) -> None:
        self._change, self._restore = change, restore
        self._lock = threading.Lock()
        self._depth = 0
        self._before: object = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._before = self._change()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._restore(self._before)


def _pause_gc() -> bool:
    was_enabled = gc.isenabled()
    gc.disable()
    return was_enabled


def _resume_gc(was_enabled: object) -> None:
    if was_enabled:
        gc.enable()


def _shorten_switch_interval() -> float:
    before = sys.getswitchinterval()
    sys.setswitchinterval(SYNC_SWITCH_INTERVAL)
    return before


def _restore_switch_interval(before: object) -> None:
    assert isinstance(before, float)
    sys.setswitchinterval(before)


_gc_pause = _Nested(_pause_gc, _resume_gc)
_quick_switching = _Nested(_shorten_switch_interval, _restore_switch_interval)


def cyclic_gc_paused() -> contextlib.AbstractContextManager[None]:
    return _gc_pause.held()


def quick_thread_switching() -> contextlib.AbstractContextManager[None]:
    return _quick_switching.held()
