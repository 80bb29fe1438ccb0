"""HTTPS with the computer's trust, plus an optional certificate file for a TLS-inspecting proxy."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from tests.conftest import Cli, connect_args


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    """A certificate authority this computer does not trust (like a proxy's own)."""
    return trustme.CA()


@pytest.fixture
def https_server(authority: trustme.CA) -> Iterator[DemoServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with DemoServer(DemoDistrict(users=50, seed=3), port=0, tls=context) as server:
        yield server


def test_an_untrusted_certificate_is_refused_and_blamed_on_a_proxy_or_certificate(
    cli: Cli, https_server: DemoServer
):
    assert https_server.base_url.startswith("https://")
    result = cli(*connect_args(https_server), stdin=https_server.client_secret)
    assert result.code == 1
    assert "Could not open a secure connection to 127.0.0.1" in result.err
    assert "proxy" in result.err and "certificate" in result.err
    assert "Traceback" not in result.err


def test_a_certificate_file_from_it_makes_the_connection_work(
    cli: Cli, https_server: DemoServer, authority: trustme.CA, tmp_path
):
    pem = tmp_path / "proxy-ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    args = [*connect_args(https_server), "--ca-file", str(pem)]
    result = cli(*args, stdin=https_server.client_secret)
    assert result.code == 0, result.err
    cli("sites", "add", *https_server.district.local_site_names)
    cli("map", "--suggest", "--apply")
    assert cli("sync").code == 0  # the saved setting is used by later runs
    assert len(cli("users", "--json").json()) > 20


def test_a_missing_certificate_file_is_named(cli: Cli, https_server: DemoServer, tmp_path):
    missing = tmp_path / "nowhere.pem"
    args = [*connect_args(https_server), "--ca-file", str(missing)]
    result = cli(*args, stdin=https_server.client_secret)
    assert result.code == 1
    assert f"The certificate file {missing} does not exist" in result.err
