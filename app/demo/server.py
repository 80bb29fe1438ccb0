"""The demo district over HTTP, shaped like Infinite Campus's OneRoster 1.2 endpoints.

Standard library only, bound to 127.0.0.1 and nothing else. Faults can be switched on to make
it misbehave the way real providers and networks do; tests in other processes switch them
through the hidden ``/_demo/`` admin endpoints.
"""

from __future__ import annotations

import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, Self, TextIO

from app.demo.district import DemoDistrict
from app.demo.faults import Faults
from app.demo.handler import TOKEN_PATH, Handler
from app.demo.oauth1_verify import SignatureVerifier

HOST: Final = "127.0.0.1"
DEMO_CLIENT_ID: Final = "rostersync-demo"
DEMO_SECRET: Final = "demo-secret-7Kq2vX9pLm4T"  # distinctive, so leak audits can grep for it


class _HTTPServer(ThreadingHTTPServer):
    """Keeps track of open connections, so ``stop`` can close kept-alive ones too."""

    daemon_threads = True

    def __init__(self, demo: DemoServer, port: int, tls: ssl.SSLContext | None = None) -> None:
        self.demo = demo
        self._open: set[socket.socket] = set()
        self._aborted: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__((HOST, port), Handler)
        if tls is not None:  # HTTPS: the handshake happens as each connection is accepted
            self.socket = tls.wrap_socket(self.socket, server_side=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def abort(self, request: socket.socket) -> None:
        """Close this connection without the polite FIN first (see ``Handler._reset``)."""
        with self._lock:
            self._aborted.add(request)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
            aborted = request in self._aborted
            self._aborted.discard(request)
        if aborted:
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client hanging up mid-answer is normal here (the handler logs real bugs)."""

    def close_all(self) -> None:
        with self._lock:
            still_open = list(self._open)
        for request in still_open:
            with suppress(OSError):  # already gone
                request.shutdown(socket.SHUT_RDWR)


class DemoServer:
    """Serves a :class:`DemoDistrict` on 127.0.0.1 in a daemon thread."""

    def __init__(
        self,
        district: DemoDistrict,
        *,
        port: int = 0,
        app_name: str = "demo",
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_SECRET,
        faults: Faults | None = None,
        shape: str = "1.2",
        version: str = "1.2",
        oauth1: bool = False,
        legacy_ids: bool = False,
        clock: Callable[[], float] = time.monotonic,
        tls: ssl.SSLContext | None = None,
        api_prefix: str | None = None,
    ) -> None:
        """``tls``: serve HTTPS with this server context (tests of certificates and proxies).
        ``api_prefix``: what comes before /ims/ in the Base URL; Infinite Campus's own shape
        unless given, "" for a provider serving OneRoster at the root of its host.
        ``version`` "1.1": Infinite Campus's 1.1 connection (its Base URL, shapes and ids; see
        ``v1p1``); ``shape`` "1.1" alone only shapes users the 1.1 way at the 1.2 URL.
        ``oauth1``: requests are signed (OAuth 1.0a) instead of carrying tokens.
        ``legacy_ids``: the 1.2 connection after a move from 1.1 (new school ids, the 1.1 ids
        in ``metadata.ic.legacysourceId``; see ``legacy``)."""
        if shape not in ("1.1", "1.2") or version not in ("1.1", "1.2"):
            raise ValueError('shape and version must be "1.1" or "1.2"')
        if legacy_ids and (version, shape) != ("1.2", "1.2"):
            raise ValueError("legacy ids are a OneRoster 1.2 connection's")
        self.district = district
        self.app_name = app_name
        self.faults = faults if faults is not None else Faults()
        self.shape = "1.1" if version == "1.1" else shape
        self.version = version
        self.oauth1 = oauth1
        self.legacy_ids = legacy_ids
        self.tokens_issued: list[str] = []
        self._requested_port = port
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._tls = tls
        ic_version = "v1p1" if version == "1.1" else "v1p2"
        self._api_prefix = (
            f"/campus/api/oneroster/{ic_version}/{app_name}" if api_prefix is None else api_prefix
        )
        self._verifier = SignatureVerifier(client_id, client_secret, self.wall_time)
        self._tokens: dict[str, float] = {}
        self._request_count = 0
        #: Replies sent gzip-compressed (``Faults.gzip``): that a client asked for it.
        self.compressed_replies = 0
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("the demo server is already running")
        self._httpd = _HTTPServer(self, self._requested_port, self._tls)
        self.district.set_href_base(self.base_url)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"demo-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_all()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._requested_port = httpd.server_address[1]  # a restart keeps the URLs valid

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- connection values ------------------------------------------------------------------

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._httpd is None:
            return self._requested_port
        return int(self._httpd.server_address[1])

    @property
    def token_path(self) -> str:
        return f"{self.base_path}/token" if self.faults.token_under_base else TOKEN_PATH

    @property
    def token_url(self) -> str:
        url = f"{self._scheme}://{HOST}:{self.port}{self.token_path}"
        return url if self.faults.token_under_base else f"{url}?appName={self.app_name}"

    @property
    def base_path(self) -> str:
        root = "/ims/oneroster/v1p1" if self.version == "1.1" else "/ims/oneroster/rostering/v1p2"
        return f"{self._api_prefix}{root}"

    @property
    def _scheme(self) -> str:
        return "http" if self._tls is None else "https"

    @property
    def base_url(self) -> str:
        return f"{self._scheme}://{HOST}:{self.port}{self.base_path}"

    @property
    def client_id(self) -> str:
        return self._client_id

    @property
    def client_secret(self) -> str:
        return self._client_secret

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._request_count

    # -- used by the handler ----------------------------------------------------------------

    def count_api_request(self) -> int:
        """Number this API request (1-based)."""
        with self._lock:
            self._request_count += 1
            return self._request_count

    def count_compressed_reply(self) -> None:
        with self._lock:
            self.compressed_replies += 1

    def issue_token(self) -> tuple[str, int]:
        lifetime = self.faults.token_lifetime
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = self._clock() + lifetime
            self.tokens_issued.append(token)
        return token, lifetime

    def token_valid(self, token: str) -> bool:
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and self._clock() < expires

    def wall_time(self) -> float:
        """The server's own clock, which a test may set wrong (``Faults.clock_offset``)."""
        return time.time() + self.faults.clock_offset

    def signature_problem(self, method: str, url: str, authorization: str) -> str | None:
        accepted = [m.strip() for m in self.faults.signature_methods.split(",")]
        return self._verifier.problem(method, url, authorization, accepted)


def serve(
    port: int,
    users: int,
    seed: int,
    out: TextIO,
    *,
    version: str = "1.2",
    oauth1: bool = False,
    legacy_ids: bool = False,
) -> None:
    """Serve a demo district until Ctrl+C, after printing the four connection values."""
    district = DemoDistrict(users, seed)
    with DemoServer(
        district, port=port, version=version, oauth1=oauth1, legacy_ids=legacy_ids
    ) as server:
        print(f"Client ID: {server.client_id}", file=out)
        print(f"Client Secret: {server.client_secret}", file=out)
        token_url = "none (requests are signed with OAuth 1.0a)" if oauth1 else server.token_url
        print(f"Token URL: {token_url}", file=out)
        print(f"Base URL: {server.base_url}", file=out)
        print("Press Ctrl+C to stop the demo server.", file=out, flush=True)
        try:
            while True:
                time.sleep(0.5)  # unlike Event.wait(), Ctrl+C interrupts this on Windows too
        except KeyboardInterrupt:
            pass
