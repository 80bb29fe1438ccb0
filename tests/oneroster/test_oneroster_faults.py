"""A misbehaving provider: faults recovered by retrying, sentences when they are not, cancel."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from app.demo.server import DemoServer
from app.errors import CanceledError, ProviderError, RosterSyncError
from app.oneroster.client import OneRosterClient, RetryPolicy
from app.oneroster.urls import BASE_URL_DISTRICT_FIX

Connect = Callable[..., OneRosterClient]
USERS = 230


def all_ids(client: OneRosterClient) -> list[str]:
    return [user.sourced_id for page in client.user_pages() for user in page.records]


@pytest.fixture
def cancel() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@pytest.mark.parametrize(
    "fault",
    ["rate_limit_every", "unavailable_every", "reset_every", "truncate_every", "html_every"],
)
def test_fault_on_every_other_request_is_recovered(
    server: DemoServer, connect: Connect, fault: str
) -> None:
    server.faults.retry_after = "0"
    setattr(server.faults, fault, 2)
    ids = all_ids(connect(server, page_size=50))
    assert len(ids) == len(set(ids)) == USERS
    assert server.request_count == 9  # five pages, four of them asked twice


def test_many_faults_at_once_are_recovered(server: DemoServer, connect: Connect) -> None:
    server.faults.update(
        {
            "retry_after": "0",
            # Never more than four faulted requests in a row: within the six tries.
            "rate_limit_every": 13,
            "unavailable_every": 11,
            "reset_every": 5,
            "truncate_every": 7,
            "html_every": 17,
            "page_size_cap": 20,
            "send_link": False,
        }
    )
    ids = all_ids(connect(server, page_size=100))
    assert len(ids) == len(set(ids)) == USERS


def test_retry_after_is_honoured(server: DemoServer, connect: Connect) -> None:
    server.faults.rate_limit_every = 2
    server.faults.retry_after = "1"
    started = time.monotonic()
    ids = all_ids(connect(server, page_size=150))  # two pages: one 429 on the second
    assert len(ids) == USERS
    assert time.monotonic() - started >= 0.9


def test_outage_names_it_and_what_to_do(server: DemoServer, connect: Connect) -> None:
    server.faults.outage_after = 2
    client = connect(server, page_size=50)
    pages = client.user_pages()
    assert len(next(pages).records) == 50
    assert len(next(pages).records) == 50
    with pytest.raises(ProviderError) as caught:
        next(pages)
    assert str(caught.value) == (
        "Infinite Campus kept failing (temporarily unavailable) after 6 tries; try again later "
        "or ask your Infinite Campus administrator."
    )
    assert server.request_count == 2 + 6


def test_rate_limit_that_never_ends_says_so(server: DemoServer, connect: Connect) -> None:
    server.faults.rate_limit_every = 1
    server.faults.retry_after = "0"
    with pytest.raises(ProviderError) as caught:
        connect(server, retry=RetryPolicy(max_attempts=3)).schools()
    assert "(rate limit) after 3 tries" in str(caught.value)
    assert "wait a few minutes" in str(caught.value)
    assert server.request_count == 3


def test_retry_after_too_long_fails_at_once(server: DemoServer, connect: Connect) -> None:
    server.faults.rate_limit_every = 1
    server.faults.retry_after = "1200"
    with pytest.raises(ProviderError) as caught:
        connect(server).schools()
    assert str(caught.value) == (
        "Infinite Campus asked RosterSync to wait 20 minutes before asking again (it limits how "
        "often it may be asked); try again later."
    )
    assert server.request_count == 1


def test_web_pages_instead_of_data_at_the_base_url(server: DemoServer, connect: Connect) -> None:
    server.faults.html_every = 1
    with pytest.raises(ProviderError) as caught:
        connect(server).schools()
    assert str(caught.value) == (
        "Infinite Campus kept answering with a web page after 6 tries; check that the Base URL "
        "is the one Infinite Campus shows (ending with /ims/oneroster/rostering/v1p2), or try "
        "again later."
    )
    assert server.request_count == 6


def test_web_pages_at_a_base_url_without_its_district_part(serve, connect: Connect) -> None:
    server = serve(api_prefix="")  # as a host answering every path with its sign-in page
    server.faults.html_every = 1
    with pytest.raises(ProviderError) as caught:
        connect(server).schools()
    assert str(caught.value) == (
        "Infinite Campus kept answering with a web page after 6 tries to the Base URL "
        f"{server.base_url}: {BASE_URL_DISTRICT_FIX}"
    )


def test_web_pages_instead_of_data_after_data(server: DemoServer, connect: Connect) -> None:
    pages = connect(server, page_size=200).user_pages()
    next(pages)
    server.faults.html_every = 1
    with pytest.raises(ProviderError, match=r"answered with a web page instead of data"):
        next(pages)


def test_cancel_during_a_long_retry_after_wait(
    server: DemoServer, connect: Connect, cancel: threading.Event
) -> None:
    server.faults.rate_limit_every = 1
    server.faults.retry_after = "120"
    client = connect(server, cancel=cancel)
    client.authenticate()
    timer = threading.Timer(0.2, cancel.set)
    started = time.monotonic()
    timer.start()
    with pytest.raises(CanceledError):
        client.schools()
    assert time.monotonic() - started < 1.0
    assert server.request_count == 1


def test_cancel_between_pages(
    server: DemoServer, connect: Connect, cancel: threading.Event
) -> None:
    pages = connect(server, page_size=50, cancel=cancel).user_pages()
    next(pages)
    cancel.set()
    with pytest.raises(CanceledError):
        next(pages)
    assert server.request_count == 1


def test_cancel_before_anything(
    server: DemoServer, connect: Connect, cancel: threading.Event
) -> None:
    cancel.set()
    with pytest.raises(CanceledError):
        connect(server, cancel=cancel).authenticate()
    assert server.tokens_issued == []


def test_no_secret_or_token_in_logs_or_errors(
    server: DemoServer,
    connect: Connect,
    credentials: Callable[..., object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server.faults.update({"retry_after": "0", "rate_limit_every": 3, "reset_every": 4})
    server.faults.token_auth = "body"
    client = connect(server, page_size=60)
    assert len(all_ids(client)) == USERS
    messages = []
    for changes in ({"client_secret": "wrong"}, {"client_id": "wrong"}):
        with pytest.raises(RosterSyncError) as caught:
            connect(server, creds=credentials(server, **changes)).authenticate()
        messages.append(str(caught.value))
    server.faults.outage_after = 0
    with pytest.raises(ProviderError) as caught:
        client.schools()
    messages.append(str(caught.value))
    seen = caplog.text + "\n".join(messages) + repr(client)
    assert server.tokens_issued
    for secret in [server.client_secret, *server.tokens_issued]:
        assert secret not in seen
    assert "Authorization" not in seen
    assert "Bearer" not in seen
