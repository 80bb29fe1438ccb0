"""Measures how long the GUI thread's event loop goes without running (its worst stall).

Used by the GUI tests and by ``bench/gui_stall_bench.py``.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer

TICK_MS = 5


class EventLoopWatch:
    """A timer that should fire every 5 ms; the longest gap between firings is the stall."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.worst_gap_ms = 0.0
        self.ticks = 0
        #: Every gap between firings, in ms.
        self.gaps_ms: list[float] = []

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last:
            gap = (now - self._last) * 1000
            self.gaps_ms.append(gap)
            self.worst_gap_ms = max(self.worst_gap_ms, gap)
        self._last = now
        self.ticks += 1

    def __enter__(self) -> EventLoopWatch:
        self._last = 0.0
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.stop()
