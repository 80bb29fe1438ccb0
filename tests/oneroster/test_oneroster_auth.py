"""Tokens from the demo server's Token URL: both auth styles, scope, refusals, renewal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

import pytest

from app.demo.server import DemoServer, Faults
from app.errors import (
    AccessDeniedError,
    AuthenticationError,
    NetworkError,
    NotATokenEndpointError,
    ProviderError,
)
from app.oneroster.client import Credentials, OneRosterClient

Connect = Callable[..., OneRosterClient]
MakeCredentials = Callable[..., Credentials]


class Clock(Protocol):
    """The ``clock`` fixture: a fake monotonic clock."""

    def __call__(self) -> float: ...
    def advance(self, seconds: float) -> None: ...


def token_posts(caplog: pytest.LogCaptureFixture, status: int) -> int:
    return sum(
        1
        for record in caplog.records
        if record.getMessage().startswith("POST ") and f"-> {status} " in record.getMessage()
    )


@pytest.mark.parametrize("style", ["basic", "body", "either"])
def test_each_token_auth_style_works_and_is_remembered(
    style: str, server: DemoServer, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="app.oneroster")
    server.faults.token_auth = style
    client = connect(server)
    client.authenticate()
    client.authenticate()  # a second token: only the style that worked is tried
    assert len(server.tokens_issued) == 2
    assert token_posts(caplog, 200) == 2
    assert token_posts(caplog, 401) == (1 if style == "body" else 0)


def test_scope_is_sent_only_when_configured(
    server: DemoServer,
    connect: Connect,
    credentials: MakeCredentials,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="app.oneroster")
    connect(server).authenticate()
    assert "scope" not in caplog.text
    caplog.clear()
    connect(server, creds=credentials(server, scope="roster-core.readonly")).authenticate()
    assert "for scope 'roster-core.readonly'" in caplog.text


@pytest.mark.parametrize("style", ["basic", "body", "either"])
def test_wrong_client_id_is_named(
    style: str, server: DemoServer, connect: Connect, credentials: MakeCredentials
) -> None:
    server.faults.token_auth = style
    client = connect(server, creds=credentials(server, client_id="someone-else"))
    with pytest.raises(AuthenticationError) as caught:
        client.authenticate()
    assert str(caught.value) == (
        "Infinite Campus does not know this Client ID — copy the Client ID again from the "
        "OneRoster connection in Infinite Campus."
    )


@pytest.mark.parametrize("style", ["basic", "body", "either"])
def test_wrong_secret_is_named(
    style: str, server: DemoServer, connect: Connect, credentials: MakeCredentials
) -> None:
    server.faults.token_auth = style
    client = connect(server, creds=credentials(server, client_secret="not-the-secret"))
    with pytest.raises(AuthenticationError) as caught:
        client.authenticate()
    message = str(caught.value)
    assert message.startswith("Infinite Campus did not accept the Client Secret")
    assert "not-the-secret" not in message
    assert "401" not in message
    assert server.tokens_issued == []


def test_token_url_that_is_a_web_page(
    server: DemoServer, connect: Connect, credentials: MakeCredentials
) -> None:
    page = f"http://127.0.0.1:{server.port}/campus/portal/login.jsp"
    client = connect(server, creds=credentials(server, token_url=page))
    with pytest.raises(NotATokenEndpointError) as caught:
        client.authenticate()
    assert "Token URL" in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


def test_token_url_with_a_wrong_app_name(
    server: DemoServer, connect: Connect, credentials: MakeCredentials
) -> None:
    wrong = server.token_url.replace("appName=demo", "appName=other")
    client = connect(server, creds=credentials(server, token_url=wrong))
    with pytest.raises(NotATokenEndpointError, match=r"\?appName="):
        client.authenticate()


def test_token_endpoint_that_keeps_dropping_the_connection(
    server: DemoServer, connect: Connect
) -> None:
    server.faults.token_outage = True
    with pytest.raises(ProviderError) as caught:
        connect(server).authenticate()
    assert str(caught.value) == (
        "Infinite Campus kept failing (the connection kept dropping) after 6 tries; try again "
        "later or ask your Infinite Campus administrator."
    )


def test_server_that_is_not_running_names_the_host(server: DemoServer, connect: Connect) -> None:
    client = connect(server)
    server.stop()
    with pytest.raises(NetworkError) as caught:
        client.authenticate()
    assert "127.0.0.1 refused the connection" in str(caught.value)


def test_token_is_reused_across_pages(server: DemoServer, connect: Connect) -> None:
    pages = list(connect(server, page_size=40).user_pages())
    assert sum(len(p.records) for p in pages) == 230
    assert len(server.tokens_issued) == 1


def test_token_renewed_before_it_expires_mid_paging(
    serve: Callable[..., DemoServer], connect: Connect, clock: Clock
) -> None:
    server = serve(faults=Faults(token_lifetime=100), clock=clock)
    client = connect(server, page_size=50, clock=clock)
    pages = 0
    for _page in client.user_pages():
        pages += 1
        clock.advance(95)  # past renewal (100 s - 10 s), not expiry
    assert pages == 5
    assert len(server.tokens_issued) == 5
    assert server.request_count == 5  # no request was refused


def test_token_that_expires_early_is_renewed_on_401(
    serve: Callable[..., DemoServer], connect: Connect, clock: Clock
) -> None:
    # Only the server's clock moves: the client believes its token is still good.
    server = serve(clock=clock)
    ids: list[str] = []
    for page in connect(server, page_size=50).user_pages():
        ids += [u.sourced_id for u in page.records]
        clock.advance(4000)
    assert len(ids) == len(set(ids)) == 230
    assert len(server.tokens_issued) == 5
    assert server.request_count == 9  # every page after the first was refused once


def test_refused_even_with_a_fresh_token(server: DemoServer, connect: Connect) -> None:
    server.faults.token_lifetime = 0  # every token the demo hands out is already expired
    with pytest.raises(AccessDeniedError) as caught:
        connect(server).schools()
    assert str(caught.value).startswith(
        "Infinite Campus accepted the Client ID and Client Secret but does not let this "
        "connection read schools"
    )
    assert len(server.tokens_issued) == 2
    assert server.request_count == 2
