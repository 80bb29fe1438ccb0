"""What a scheduled sync fetches: everyone, or only the users changed since the last good sync.

Infinite Campus advises integrators to fetch changes nightly and everyone now and then: a delta
cannot see a user deleted outright, so a full sync runs at least weekly to catch those.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.settings import SyncMode
from app.store.history import History

FULL_SYNC_EVERY = timedelta(days=7)


def scheduled_mode(configured: SyncMode, history: History, now: datetime) -> SyncMode:
    """``configured``, except that a delta becomes full when no full sync succeeded this week."""
    if configured != "delta":
        return "full"
    last_full = history.last_good_start(mode="full")
    if last_full is None or now - last_full > FULL_SYNC_EVERY:
        return "full"
    return "delta"
