"""A provider that gzips its pages, as production servers do: the client asks for compression
and reads every page exactly as it reads them uncompressed."""

from __future__ import annotations

from collections.abc import Callable

import requests

from app.demo.server import DemoServer, Faults
from app.oneroster.client import OneRosterClient
from tests.support.tokens import get_token

Connect = Callable[..., OneRosterClient]


def test_gzip_pages_read_the_same_as_plain_ones(
    serve: Callable[..., DemoServer], connect: Connect
) -> None:
    gzipping = serve(faults=Faults(gzip=True))
    plain = connect(serve(), page_size=50)
    compressed = connect(gzipping, page_size=50)
    pages = list(compressed.user_pages())
    assert [p.records for p in pages] == [p.records for p in plain.user_pages()]
    assert gzipping.compressed_replies >= len(pages) > 1  # every page came compressed


def test_the_demo_compresses_only_for_a_client_that_accepts_it(
    serve: Callable[..., DemoServer],
) -> None:
    server = serve(faults=Faults(gzip=True))
    url, auth = f"{server.base_url}/users", {"Authorization": f"Bearer {get_token(server)}"}
    accepted = requests.get(url, headers={**auth, "Accept-Encoding": "gzip"}, timeout=30)
    refused = requests.get(url, headers={**auth, "Accept-Encoding": "identity"}, timeout=30)
    assert accepted.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in refused.headers
    assert accepted.json() == refused.json()
