"""How a request to the rostering service proves who sends it: a bearer token (OAuth2) or a
signature (OAuth 1.0a). The client knows only this interface."""

from __future__ import annotations

from typing import Protocol

from requests.auth import AuthBase

from app.oneroster.transport import Reply, Transport


class RequestAuth(Protocol):
    def check(self, probe: ProbeRequest) -> None:
        """Prove the credentials now; ``probe`` sends one small signed request if needed."""

    def auth(self, via: Transport) -> AuthBase:
        """What to send with the next request (asked through ``via`` when a token is needed)."""

    def refused(self, sent: AuthBase, reply: Reply, via: Transport) -> AuthBase | None:
        """A 401 answered ``sent``: what to send instead (a new token, another signature
        method), None to give up; raises when the credentials themselves were refused."""

    def forget(self) -> None: ...


class ProbeRequest(Protocol):
    def __call__(self) -> None: ...
