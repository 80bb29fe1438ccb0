"""The network and the provider misbehaving: expiring tokens, 429/503/resets/broken bodies,
outages, a dead token endpoint. Each case checks the directory and history afterwards."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from app.context import AppContext
from app.demo.api import html_page
from app.demo.district import DemoDistrict
from app.demo.handler import Handler
from app.demo.server import DemoServer, Faults
from app.sync.engine import Progress, SyncRequest
from tests.faults.conftest import (
    FAST_RETRY,
    change_district,
    clean_sync,
    expected_clean_first_sync,
    runs_of,
    users_of,
)
from tests.support.clock import FakeClock


def assert_sentence(message: str | None) -> None:
    """What a person reads: one or more whole sentences, no traceback, no token."""
    assert message, "a failure must say why"
    assert message[0].isupper() or message[0].isdigit(), message  # a host may start it
    assert message.rstrip().endswith("."), message
    assert "Traceback" not in message and "Bearer" not in message, message


# --- 1. a token expiring every few seconds --------------------------------------------------


@pytest.fixture
def district() -> DemoDistrict:
    return DemoDistrict(users=600, seed=23)


@pytest.mark.parametrize(
    ("concurrency", "lifetime", "renewals"),
    # Each check of a token costs 2 s of the server's clock: a 5 s token is good for two
    # requests. With three pages in flight a token must outlive the three requests sent with it
    # (a real token lasts seconds, a request milliseconds), so it lasts nine there.
    [(1, 5, 15), (3, 20, 4)],
    ids=["serial-token-lasts-2-requests", "3-in-flight-token-lasts-9-requests"],
)
def test_a_token_expiring_every_few_seconds_of_a_long_sync_is_renewed_each_time(
    ctx: AppContext,
    connected: DemoServer,
    district: DemoDistrict,
    clock: FakeClock,
    concurrency: int,
    lifetime: int,
    renewals: int,
):
    ctx.settings.page_size = 15  # 40 pages: a long sync for this district
    expected = expected_clean_first_sync(district, ctx)
    connected.faults.token_lifetime = lifetime
    clock.tick = 2

    result = ctx.engine(page_concurrency=concurrency).run(SyncRequest())

    assert result.succeeded, result.error
    assert users_of(ctx) == expected
    assert result.counts.added == len(expected)
    assert len(connected.tokens_issued) >= renewals, "the token should have expired many times"
    assert runs_of(ctx) == [("succeeded", None)]


def test_a_token_the_provider_refuses_at_once_every_time_fails_with_a_sentence(
    ctx: AppContext, connected: DemoServer, clock: FakeClock
):
    before = clean_sync(ctx)
    connected.faults.token_lifetime = 5
    clock.tick = 10  # expired on its first use, every time

    result = ctx.engine().run(SyncRequest())

    assert result.status == "failed"
    assert_sentence(result.error)
    assert users_of(ctx) == before
    assert runs_of(ctx) == [("succeeded", None), ("failed", result.error)]


# --- 2. passing faults: the directory ends exactly as after a clean sync --------------------


class BurstFaults(Faults):
    """503s in bursts: ``length`` requests in a row, every ``period`` requests from ``first``."""

    def __init__(self, first: int, length: int, period: int) -> None:
        super().__init__()
        self.first, self.length, self.period = first, length, period

    def fault_for(self, number: int) -> str | None:
        if number >= self.first and (number - self.first) % self.period < self.length:
            return "unavailable"
        return super().fault_for(number)


FaultSwitch = Callable[[DemoServer, pytest.MonkeyPatch], AbstractContextManager[None]]


def server_faults(**changes: object) -> FaultSwitch:
    @contextmanager
    def switched(server: DemoServer, _monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        saved = server.faults.as_dict()
        server.faults.update(changes)
        try:
            yield
        finally:
            server.faults.update(saved)

    return switched


def bursts_of_503(length: int) -> FaultSwitch:
    @contextmanager
    def switched(server: DemoServer, _monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        saved = server.faults
        server.faults = BurstFaults(server.request_count + 2, length, period=length + 3)
        try:
            yield
        finally:
            server.faults = saved

    return switched


def bad_bodies(every: int, status: int, body: bytes) -> FaultSwitch:
    """Every ``every``-th authorised API answer replaced (an empty body, an error page)."""

    @contextmanager
    def switched(_server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        original = Handler._route
        numbers = itertools.count(1)

        def route(self: Handler, rest: str) -> tuple[int, bytes, dict[str, str]]:
            if next(numbers) % every == 0:
                return status, body, {}
            return original(self, rest)

        with monkeypatch.context() as patch:
            patch.setattr(Handler, "_route", route)
            yield

    return switched


PROXY_PAGE = html_page("502 Bad Gateway", "The proxy server received an invalid response.")
PASSING_FAULTS: dict[str, FaultSwitch] = {
    "429-storm-retry-after-0": server_faults(rate_limit_every=2, retry_after="0"),
    "429-retry-after-http-date": server_faults(
        rate_limit_every=3, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"
    ),
    "429-retry-after-1s": server_faults(rate_limit_every=13, retry_after="1"),
    "503-every-other": server_faults(unavailable_every=2),
    "503-bursts-of-5": bursts_of_503(5),  # one short of the 6 tries allowed
    "connection-resets": server_faults(reset_every=2),
    "truncated-bodies": server_faults(truncate_every=2),
    "html-page-with-200": server_faults(html_every=2),
    "empty-body-with-200": bad_bodies(2, 200, b""),
    "html-502-from-a-proxy": bad_bodies(3, 502, PROXY_PAGE),
    "everything-at-once": server_faults(
        rate_limit_every=5,
        retry_after="0",
        unavailable_every=7,
        reset_every=11,
        truncate_every=13,
        html_every=17,
    ),
}


@pytest.mark.parametrize("switch", PASSING_FAULTS.values(), ids=PASSING_FAULTS.keys())
def test_passing_faults_leave_the_directory_exactly_as_a_clean_sync(
    ctx: AppContext,
    twin: AppContext,
    connected: DemoServer,
    district: DemoDistrict,
    monkeypatch: pytest.MonkeyPatch,
    switch: FaultSwitch,
):
    # First sync into an empty directory: compared with the spec's oracle.
    expected = expected_clean_first_sync(district, ctx)
    clean_requests = connected.request_count
    clean_sync(twin)
    clean_requests = connected.request_count - clean_requests
    with switch(connected, monkeypatch):
        faulted_requests = connected.request_count
        first = ctx.engine().run(SyncRequest())
        faulted_requests = connected.request_count - faulted_requests
    assert first.succeeded, first.error
    assert faulted_requests > clean_requests, "the faults were never met"
    assert users_of(ctx) == expected == users_of(twin)

    # A sync with real changes (renamed, gone, new): compared with a clean sync of the twin.
    change_district(district, ctx, "fault")
    clean = twin.engine().run(SyncRequest())
    assert clean.succeeded, clean.error
    with switch(connected, monkeypatch):
        second = ctx.engine().run(SyncRequest())
    assert second.succeeded, second.error
    assert second.counts == clean.counts
    assert (second.counts.added, second.counts.updated, second.counts.deactivated) == (1, 6, 1)
    assert users_of(ctx) == users_of(twin)
    assert runs_of(ctx) == runs_of(twin) == [("succeeded", None)] * 2


# --- 4. an outage after N requests ----------------------------------------------------------


@pytest.mark.parametrize("after", [0, 1, 7, 14], ids=lambda n: f"after-{n}-requests")
def test_an_outage_after_n_requests_fails_with_a_sentence_and_changes_nothing(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, after: int
):
    before = clean_sync(ctx)
    pages = connected.request_count  # one request per page in a clean full sync
    assert after < pages, "the outage must start before the sync's last page"
    change_district(district, ctx, "outage")
    connected.faults.outage_after = connected.request_count + after

    result = ctx.engine().run(SyncRequest())

    assert result.status == "failed"
    assert_sentence(result.error)
    assert "try again later" in (result.error or "")
    assert users_of(ctx) == before
    assert runs_of(ctx) == [("succeeded", None), ("failed", result.error)]
    assert ctx.history.runs(limit=1)[0].counts.added == 0

    connected.faults.outage_after = None  # the provider is back: the changes arrive
    after_outage = ctx.engine().run(SyncRequest())
    assert after_outage.succeeded, after_outage.error
    assert (after_outage.counts.added, after_outage.counts.deactivated) == (1, 1)
    assert users_of(ctx)["new-outage"]["active"] is True


# --- 5. the network dropping during the token request ----------------------------------------


def test_the_token_request_dropped_fails_with_a_sentence_and_changes_nothing(
    ctx: AppContext, connected: DemoServer
):
    before = clean_sync(ctx)
    connected.faults.token_outage = True

    result = ctx.engine().run(SyncRequest())

    assert result.status == "failed"
    assert_sentence(result.error)
    assert users_of(ctx) == before
    assert runs_of(ctx) == [("succeeded", None), ("failed", result.error)]


def test_a_closed_port_at_the_token_url_fails_with_a_sentence_then_recovers(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict
):
    before = clean_sync(ctx)
    change_district(district, ctx, "port")
    connected.stop()  # nothing listens on the port any more: connection refused
    try:
        result = ctx.engine().run(SyncRequest())
    finally:
        connected.start()  # same port, so the saved URLs work again

    assert result.status == "failed"
    assert_sentence(result.error)
    assert users_of(ctx) == before
    assert runs_of(ctx) == [("succeeded", None), ("failed", result.error)]
    assert ctx.engine().run(SyncRequest()).succeeded
    assert "new-port" in users_of(ctx)


def test_the_token_endpoint_dropping_when_the_token_is_renewed_mid_sync_changes_nothing(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, clock: FakeClock
):
    before = clean_sync(ctx)
    change_district(district, ctx, "renew")

    def expire_and_drop_token_endpoint(progress: Progress) -> None:
        if progress.stage == "downloading" and not connected.faults.token_outage:
            connected.faults.token_outage = True
            clock.advance(connected.faults.token_lifetime + 1)

    result = ctx.engine().run(SyncRequest(), progress=expire_and_drop_token_endpoint)

    assert result.status == "failed"
    assert_sentence(result.error)
    assert users_of(ctx) == before
    assert runs_of(ctx) == [("succeeded", None), ("failed", result.error)]
    assert FAST_RETRY.max_attempts > 1
