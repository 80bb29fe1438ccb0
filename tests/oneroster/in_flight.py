"""Counts the API requests a demo server is answering at once, from the test's side."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.demo.handler import Handler


class InFlight:
    """How many API requests the demo server is answering at once, and the most it ever was."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0
        #: Called on the server's thread as each request starts, with the count and the path;
        #: it may block, to keep that request waiting.
        self.on_start: Callable[[int, str], None] = lambda _count, _path: None

    def reset(self) -> None:
        with self._lock:
            self.peak = self.now

    def counting(self, api: Callable[[Handler, str], None]) -> Callable[[Handler, str], None]:
        def counted(handler: Handler, rest: str) -> None:
            with self._lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
                count = self.now
            self.on_start(count, handler.path)
            try:
                api(handler, rest)
            finally:
                with self._lock:
                    self.now -= 1

        return counted
