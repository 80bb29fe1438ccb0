"""The demo server's faults, its admin endpoints, its life cycle and ``serve``."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer, Faults
from tests.support.tokens import get_token

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(DemoDistrict(300, seed=2)) as running:
        yield running


@pytest.fixture
def api(server: DemoServer) -> Iterator[requests.Session]:
    with requests.Session() as session:
        reply = requests.post(
            server.token_url,
            data={"grant_type": "client_credentials"},
            auth=(server.client_id, server.client_secret),
            timeout=5,
        )
        session.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        yield session


def users(session: requests.Session, server: DemoServer, **params: Any) -> requests.Response:
    return session.get(f"{server.base_url}/users", params=params, timeout=5)


def statuses(session: requests.Session, server: DemoServer, count: int) -> list[int]:
    return [users(session, server, limit=5).status_code for _ in range(count)]


def test_faults_hit_every_nth_api_request() -> None:
    faults = Faults(rate_limit_every=3, html_every=2)
    assert [faults.fault_for(n) for n in range(1, 7)] == [
        None,
        "html",
        "rate_limit",
        "html",
        None,
        "rate_limit",  # 6 is hit by both; the rate limit wins
    ]
    faults.outage_after = 4
    assert faults.fault_for(5) == "outage"


def test_rate_limit_sends_retry_after(server: DemoServer, api: requests.Session) -> None:
    server.faults.rate_limit_every = 3
    server.faults.retry_after = "Wed, 21 Oct 2026 07:28:00 GMT"
    replies = [users(api, server) for _ in range(3)]
    assert [r.status_code for r in replies] == [200, 200, 429]
    assert replies[2].headers["Retry-After"] == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert server.request_count == 3


def test_unavailable_and_outage(server: DemoServer, api: requests.Session) -> None:
    server.faults.unavailable_every = 2
    assert statuses(api, server, 4) == [200, 503, 200, 503]
    server.faults.unavailable_every = 0
    server.faults.outage_after = server.request_count + 1
    assert statuses(api, server, 3) == [200, 503, 503]


def test_html_instead_of_json(server: DemoServer, api: requests.Session) -> None:
    server.faults.html_every = 1
    reply = users(api, server)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.lstrip().startswith("<!DOCTYPE html>")


def test_reset_drops_the_connection(server: DemoServer, api: requests.Session) -> None:
    server.faults.reset_every = 2
    assert users(api, server).status_code == 200
    with pytest.raises(requests.ConnectionError):
        users(api, server)
    assert users(api, server).status_code == 200  # a new connection works again


def test_truncated_body(server: DemoServer, api: requests.Session) -> None:
    server.faults.truncate_every = 1
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        users(api, server, limit=50)


def test_token_outage(server: DemoServer) -> None:
    server.faults.token_outage = True
    with pytest.raises(requests.ConnectionError):
        requests.post(
            server.token_url,
            data={"grant_type": "client_credentials"},
            auth=(server.client_id, server.client_secret),
            timeout=5,
        )


def test_admin_switches_faults_from_another_process(
    server: DemoServer, api: requests.Session
) -> None:
    admin = f"http://127.0.0.1:{server.port}/_demo/faults"
    reply = requests.post(admin, json={"rate_limit_every": 1, "retry_after": "0"}, timeout=5)
    assert reply.status_code == 200 and reply.json()["rate_limit_every"] == 1
    assert server.request_count == 0  # admin requests are not API requests
    assert users(api, server).status_code == 429
    assert requests.post(admin, json={"no_such_fault": 1}, timeout=5).status_code == 400
    assert requests.post(admin, json={"reset_every": "2"}, timeout=5).status_code == 400
    assert requests.post(admin, json={"token_auth": "header"}, timeout=5).status_code == 400
    assert requests.post(admin, json={"rate_limit_every": 0}, timeout=5).status_code == 200
    assert users(api, server).status_code == 200


def test_admin_changes_users(server: DemoServer, api: requests.Session) -> None:
    admin = f"http://127.0.0.1:{server.port}/_demo/users"
    changed = requests.post(f"{admin}/u-000007", json={"givenName": "Changed"}, timeout=5)
    assert changed.status_code == 200
    user = api.get(f"{server.base_url}/users/u-000007", timeout=5).json()["user"]
    assert user["givenName"] == "Changed" and user["dateLastModified"] > "2026-08-01T00:00:00Z"
    assert requests.post(f"{admin}/u-999999", json={"x": 1}, timeout=5).status_code == 404
    assert requests.delete(f"{admin}/u-000007", timeout=5).status_code == 200
    assert requests.post(admin, json={"sourcedId": "new-1", "roles": []}, timeout=5).ok
    reply = users(api, server, limit=1000)
    ids = [u["sourcedId"] for u in reply.json()["users"]]
    assert "u-000007" not in ids and ids[-1] == "new-1" and len(ids) == 300


def test_stop_closes_kept_alive_connections() -> None:
    api = requests.Session()
    with DemoServer(DemoDistrict(50)) as server:
        api.headers["Authorization"] = f"Bearer {get_token(server)}"
        assert users(api, server).status_code == 200
    with pytest.raises(requests.ConnectionError):
        users(api, server)


def test_the_server_is_quiet(
    server: DemoServer, api: requests.Session, capfd: pytest.CaptureFixture[str]
) -> None:
    users(api, server)
    api.get(f"http://127.0.0.1:{server.port}/nothing", timeout=5)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_serve_prints_the_four_values_and_stops_on_ctrl_c() -> None:
    code = "import sys; from app.demo.server import serve; serve(0, 300, 1, sys.stdout)"
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().rstrip("\n") for _ in range(5)]
        values = dict(line.split(": ", 1) for line in lines[:4])
        assert list(values) == ["Client ID", "Client Secret", "Token URL", "Base URL"]
        assert "Ctrl+C" in lines[4]
        reply = requests.post(
            values["Token URL"],
            data={"grant_type": "client_credentials"},
            auth=(values["Client ID"], values["Client Secret"]),
            timeout=5,
        )
        assert reply.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_restarted_server_keeps_its_urls_and_tokens() -> None:
    server = DemoServer(DemoDistrict(50)).start()
    try:
        before = (server.token_url, server.base_url)
        token = get_token(server)
        server.stop()
        with pytest.raises(requests.ConnectionError):
            requests.get(server.base_url + "/users", timeout=5)
        server.start()
        assert (server.token_url, server.base_url) == before
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(server.base_url + "/users", headers=headers, timeout=5).ok
    finally:
        server.stop()


def test_a_bug_in_the_demo_answers_500(
    server: DemoServer, api: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(user_id: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.district, "user", broken)
    reply = api.get(f"{server.base_url}/users/u-000001", timeout=5)
    assert reply.status_code == 500
    assert users(api, server).status_code == 200
