"""A scheduled sync fetches only changes when so set, but everyone at least once a week."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.context import AppContext
from app.demo.server import DemoServer
from app.oneroster.client import RetryPolicy
from app.paths import Profile
from app.sync.engine import SyncRequest
from app.sync.scheduled_mode import scheduled_mode


@pytest.fixture
def ctx(connected: DemoServer, isolated_profile: Profile) -> Iterator[AppContext]:
    context = AppContext(isolated_profile, retry=RetryPolicy(backoff_base=0.001, backoff_max=0.01))
    yield context
    context.close()


def test_full_when_set_to_full(ctx: AppContext, connected: DemoServer):
    assert ctx.engine().run(SyncRequest(mode="full")).succeeded
    assert scheduled_mode("full", ctx.history, datetime.now(UTC)) == "full"


def test_delta_needs_a_full_sync_first(ctx: AppContext, connected: DemoServer):
    assert scheduled_mode("delta", ctx.history, datetime.now(UTC)) == "full"


def test_delta_within_a_week_of_a_full_sync_then_full_again(ctx: AppContext, connected: DemoServer):
    assert ctx.engine().run(SyncRequest(mode="full")).succeeded
    now = datetime.now(UTC)
    assert scheduled_mode("delta", ctx.history, now + timedelta(days=6)) == "delta"
    assert scheduled_mode("delta", ctx.history, now + timedelta(days=8)) == "full"


def test_a_failed_full_sync_does_not_count(ctx: AppContext, connected: DemoServer):
    connected.faults.outage_after = 0
    assert not ctx.engine().run(SyncRequest(mode="full")).succeeded
    assert scheduled_mode("delta", ctx.history, datetime.now(UTC)) == "full"
