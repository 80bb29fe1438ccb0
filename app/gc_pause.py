"""Pausing Python's cyclic garbage collector around bulk work on a worker thread.

A full collection walks every live object while holding the GIL: with tens of thousands of
users in memory that takes over 100 ms, during which the GUI thread cannot run any Python and
the window freezes. Counting and planning create no reference cycles, so reference counting
frees whatever they drop, and the cyclic collector can wait until they are done.

Pauses may overlap (two threads, or nested calls): the collector comes back when the last one
ends, and only if it was on before the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    global _depth, _was_enabled  # noqa: PLW0603 - one collector per process, so one count
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
