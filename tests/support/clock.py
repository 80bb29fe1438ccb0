"""A clock that moves only when a test says so, for token lifetimes and schedules."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now
        #: Seconds that pass each time the clock is read (a server checking a token reads it).
        self.tick = 0.0

    def __call__(self) -> float:
        self.now += self.tick
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
