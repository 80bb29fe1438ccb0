"""Bulk work's process-wide settings come back as they were, however the holders overlap."""

from __future__ import annotations

import gc
import sys

from app.bulk_work import SYNC_SWITCH_INTERVAL, cyclic_gc_paused, quick_thread_switching


def test_overlapping_holders_restore_the_settings_only_when_the_last_one_ends() -> None:
    before = sys.getswitchinterval()
    assert gc.isenabled()
    with quick_thread_switching(), cyclic_gc_paused():
        with quick_thread_switching(), cyclic_gc_paused():
            pass
        assert sys.getswitchinterval() == SYNC_SWITCH_INTERVAL  # the first holder still holds
        assert not gc.isenabled()
    assert sys.getswitchinterval() == before
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
