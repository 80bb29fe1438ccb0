"""What the demo's request handler asks of the server it answers for.

The server module builds the handler, so the handler knows the server only by these shapes and
the two modules do not import each other.
"""

from __future__ import annotations

import socket
from typing import Protocol

from app.demo.district import DemoDistrict
from app.demo.faults import Faults


class DemoService(Protocol):
    district: DemoDistrict
    faults: Faults
    app_name: str
    shape: str
    version: str
    oauth1: bool

    @property
    def token_path(self) -> str: ...

    @property
    def base_path(self) -> str: ...

    @property
    def base_url(self) -> str: ...

    @property
    def client_id(self) -> str: ...

    @property
    def client_secret(self) -> str: ...

    def count_api_request(self) -> int: ...

    def count_compressed_reply(self) -> None: ...

    def issue_token(self) -> tuple[str, int]: ...

    def token_valid(self, token: str) -> bool: ...

    def signature_problem(self, method: str, url: str, authorization: str) -> str | None: ...

    def wall_time(self) -> float: ...


class ServiceHost(Protocol):
    """The socket server a handler runs in."""

    demo: DemoService

    def abort(self, request: socket.socket) -> None: ...
