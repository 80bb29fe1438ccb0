"""Fixtures for the OneRoster client tests: the demo server on 127.0.0.1 and clients for it.

Retries use RetryPolicy(backoff_base=0.001): tests never sleep for timing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.demo.district import DemoDistrict
from app.demo.handler import Handler
from app.demo.server import DemoServer, Faults
from app.oneroster.client import Credentials, OneRosterClient, RetryPolicy
from tests.oneroster.in_flight import InFlight

USERS = 230


@pytest.fixture
def district() -> DemoDistrict:
    return DemoDistrict(users=USERS, seed=3)


@pytest.fixture
def serve(district: DemoDistrict) -> Iterator[Callable[..., DemoServer]]:
    """Starts demo servers for ``district`` (any DemoServer option can be given)."""
    started: list[DemoServer] = []

    def start(**options: Any) -> DemoServer:
        options.setdefault("faults", Faults())
        server = DemoServer(district, port=0, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., DemoServer]) -> DemoServer:
    return serve()


@pytest.fixture
def credentials() -> Callable[..., Credentials]:
    """The demo server's credentials, with any field changed."""

    def make(server: DemoServer, **changes: Any) -> Credentials:
        values = {
            "token_url": server.token_url,
            "client_id": server.client_id,
            "client_secret": server.client_secret,
            **changes,
        }
        return Credentials(**values)

    return make


@pytest.fixture
def connect(
    credentials: Callable[..., Credentials],
) -> Iterator[Callable[..., OneRosterClient]]:
    """Clients for a demo server, retrying without real waits; any option can be overridden."""
    made: list[OneRosterClient] = []

    def make(
        server: DemoServer,
        *,
        base_url: str | None = None,
        creds: Credentials | None = None,
        **options: Any,
    ) -> OneRosterClient:
        options.setdefault("retry", RetryPolicy(backoff_base=0.001, backoff_max=0.002))
        options.setdefault("timeout", (2.0, 5.0))
        client = OneRosterClient(
            base_url or server.base_url, creds or credentials(server), **options
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> InFlight:
    """Counts the API requests every demo server is answering at once (tokens not included)."""
    counter = InFlight()
    monkeypatch.setattr(Handler, "_api", counter.counting(Handler._api))
    return counter
