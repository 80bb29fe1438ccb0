"""A bearer token from a running demo server, asked for as a provider's client would."""

from __future__ import annotations

import requests

from app.demo.server import DemoServer


def get_token(server: DemoServer, **form: str) -> str:
    reply = requests.post(
        server.token_url,
        data={"grant_type": "client_credentials", **form},
        auth=(server.client_id, server.client_secret),
        timeout=5,
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])
