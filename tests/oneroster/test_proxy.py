"""The system's proxy settings are honoured (HTTP_PROXY and friends, or the OS's own)."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from app.demo.server import DemoServer
from tests.conftest import Cli, connect_args

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding"}


class ForwardingProxy(ThreadingHTTPServer):
    """A plain HTTP proxy: takes absolute-URI requests and forwards them, counting each."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.forwarded: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: ForwardingProxy

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        target = urlsplit(self.path)  # a proxy is sent the whole URL
        self.server.forwarded.append(target.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body or None, headers=headers)
        reply = upstream.getresponse()
        data = reply.read()
        self.send_response(reply.status)
        for name, value in reply.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    server = ForwardingProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_requests_go_through_the_proxy_the_system_names(
    cli: Cli, demo_server: DemoServer, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "")
    result = cli(*connect_args(demo_server), stdin=demo_server.client_secret)
    assert result.code == 0, result.err
    assert any(path.endswith("/oauth2/token") for path in proxy.forwarded)
    assert any(path.endswith("/schools") for path in proxy.forwarded)


def test_a_proxy_that_cannot_be_reached_is_named(
    cli: Cli, demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
):
    gone = ForwardingProxy()
    url = gone.url
    gone.server_close()  # nothing listens there any more
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.setenv("NO_PROXY", "")
    result = cli(*connect_args(demo_server), stdin=demo_server.client_secret)
    assert result.code == 1
    assert "proxy" in result.err
    assert "Traceback" not in result.err
