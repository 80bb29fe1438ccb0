"""A OneRoster 1.1 district through the command line: connect, check, map and sync, with tokens
and with OAuth 1.0a signed requests, against the demo server's 1.1 mode on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.demo.v1p1 import demo_id
from app.paths import Profile
from app.settings import ConnectionSettings, Settings
from app.sync.engine import DELTA_MARGIN
from tests.conftest import Cli, connect_args


@pytest.fixture
def server_1_1(district: DemoDistrict) -> Iterator[DemoServer]:
    with DemoServer(district, version="1.1") as server:
        yield server


@pytest.fixture
def oauth1_server(district: DemoDistrict) -> Iterator[DemoServer]:
    with DemoServer(district, version="1.1", oauth1=True) as server:
        yield server


def connect_oauth1(cli: Cli, server: DemoServer) -> Any:
    return cli(
        "connect",
        "--base-url",
        server.base_url,
        "--oauth1",
        "--client-id",
        server.client_id,
        "--secret-stdin",
        stdin=server.client_secret + "\n",
    )


def connect_oauth2(cli: Cli, server: DemoServer, *extra: str) -> Any:
    return cli(*connect_args(server), *extra, stdin=server.client_secret + "\n")


def settings(profile: Profile) -> dict[str, Any]:
    connection: dict[str, Any] = json.loads(profile.settings_file.read_text())["connection"]
    return connection


def map_and_sync(cli: Cli, district: DemoDistrict) -> dict[str, Any]:
    check = cli("check", "--json")
    assert check.code == 0, check.out
    assert "OneRoster 1.1 found." in check.out
    assert cli("sites", "add", *district.local_site_names).code == 0
    assert cli("map", "--suggest", "--apply").code == 0
    sync = cli("sync", "--json")
    assert sync.code == 0, sync.out
    result: dict[str, Any] = sync.json()  # type: ignore[assignment]
    return result


def test_a_1_1_district_over_oauth2(
    cli: Cli, server_1_1: DemoServer, district: DemoDistrict
) -> None:
    assert server_1_1.base_url.endswith("/ims/oneroster/v1p1")
    assert connect_oauth2(cli, server_1_1).code == 0
    result = map_and_sync(cli, district)
    assert result["status"] == "succeeded" and result["added"] > 0
    users = cli("users", "--json").json()
    assert isinstance(users, list)
    # Infinite Campus 1.1 ids: a one-letter role prefix and the person's number.
    assert {u["sourcedId"][0] for u in users} <= set("stadcp")
    assert all(u["sourcedId"][1:].isdigit() for u in users)
    assert cli("sync", "--json").json()["added"] == 0  # type: ignore[index]


def test_a_1_1_district_over_oauth1_saves_the_method_that_worked(
    cli: Cli, oauth1_server: DemoServer, district: DemoDistrict, isolated_profile: Profile
) -> None:
    connected = connect_oauth1(cli, oauth1_server)
    assert connected.code == 0, connected.err
    saved = settings(isolated_profile)
    assert saved["auth"] == "oauth1" and saved["token_url"] == ""
    assert saved["signature_method"] == "HMAC-SHA256"
    assert map_and_sync(cli, district)["added"] > 0


def test_a_provider_accepting_only_sha1_is_signed_with_sha1_from_then_on(
    cli: Cli, oauth1_server: DemoServer, district: DemoDistrict, isolated_profile: Profile
) -> None:
    oauth1_server.faults.signature_methods = "HMAC-SHA1"
    assert connect_oauth1(cli, oauth1_server).code == 0
    assert settings(isolated_profile)["signature_method"] == "HMAC-SHA1"
    assert map_and_sync(cli, district)["status"] == "succeeded"


def test_a_wrong_consumer_secret_is_refused_and_nothing_is_saved(
    cli: Cli, oauth1_server: DemoServer, isolated_profile: Profile
) -> None:
    result = cli(
        "connect",
        "--base-url",
        oauth1_server.base_url,
        "--oauth1",
        "--client-id",
        oauth1_server.client_id,
        "--secret-stdin",
        stdin="not-the-secret\n",
    )
    assert result.code == 1
    assert "did not accept the signed request" in result.err
    assert not isolated_profile.settings_file.exists()


def test_a_clock_skew_401_is_explained_as_such(cli: Cli, oauth1_server: DemoServer) -> None:
    oauth1_server.faults.clock_offset = 3600
    result = connect_oauth1(cli, oauth1_server)
    assert result.code == 1
    assert "timestamp" in result.err and "clock" in result.err
    assert "60 minutes behind" in result.err


def test_a_token_url_under_the_base_url_with_a_scope_connects(
    cli: Cli, server_1_1: DemoServer, district: DemoDistrict
) -> None:
    server_1_1.faults.token_under_base = True
    server_1_1.faults.required_scope = "roster-core.readonly"
    assert server_1_1.token_url == server_1_1.base_url + "/token"
    without_scope = connect_oauth2(cli, server_1_1)
    assert without_scope.code == 1 and "scope" in without_scope.err
    connected = connect_oauth2(cli, server_1_1, "--scope", "roster-core.readonly")
    assert connected.code == 0, connected.err
    assert map_and_sync(cli, district)["added"] > 0


def test_a_delta_against_a_server_that_ignores_filters_misses_no_one(
    cli: Cli, server_1_1: DemoServer, district: DemoDistrict, caplog: pytest.LogCaptureFixture
) -> None:
    assert connect_oauth2(cli, server_1_1).code == 0
    full = map_and_sync(cli, district)
    server_1_1.faults.unknown_filter_empty = True
    changed = next(iter(district.iter_users()))["sourcedId"]
    district.update_user(changed, givenName="Renamed")
    delta = cli("sync", "--delta", "--json").json()
    assert isinstance(delta, dict)
    assert delta["status"] == "succeeded"
    assert delta["deactivated"] == 0 and delta["updated"] == 1
    assert delta["unchanged"] == full["added"] + full["unchanged"] - 1
    assert "does not filter by dateLastModified" in caplog.text


def test_no_consumer_secret_or_signature_reaches_the_log(
    cli: Cli,
    oauth1_server: DemoServer,
    district: DemoDistrict,
    isolated_profile: Profile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROSTERSYNC_LOG_LEVEL", "DEBUG")
    oauth1_server.faults.signature_methods = "HMAC-SHA1"
    assert connect_oauth1(cli, oauth1_server).code == 0
    map_and_sync(cli, district)
    text = "".join(p.read_text() for p in isolated_profile.log_dir.iterdir())
    assert " DEBUG " in text
    assert oauth1_server.client_secret not in text
    assert "oauth_signature=" not in text and "OAuth oauth_" not in text


def test_an_oauth1_connection_needs_no_token_url_and_old_settings_still_load() -> None:
    signed = ConnectionSettings(base_url="https://x/ims/oneroster/v1p1", client_id="k")
    assert not signed.is_complete
    signed.auth = "oauth1"
    assert signed.is_complete
    old = Settings.from_json({"connection": {"base_url": "b", "token_url": "t", "client_id": "c"}})
    assert old.connection.auth == "oauth2" and old.connection.is_complete


def test_a_delta_from_a_server_comparing_dates_as_text_misses_no_change_at_its_cutoff(
    cli: Cli, server_1_1: DemoServer, district: DemoDistrict
) -> None:
    assert connect_oauth2(cli, server_1_1).code == 0
    map_and_sync(cli, district)
    server_1_1.faults.text_dates = True
    started = datetime.fromisoformat(cli("history", "--json").json()[0]["started_at"])
    cutoff = (started - DELTA_MARGIN).astimezone(UTC)
    # Changed in the cutoff's own second: as text "…:05.999Z" sorts before "…:05Z".
    stamp = cutoff.strftime("%Y-%m-%dT%H:%M:%S") + ".999Z"
    someone = cli("users", "--json").json()[0]["sourcedId"]
    district.update_user(demo_id(someone), givenName="Renamed", dateLastModified=stamp)
    delta = cli("sync", "--delta", "--json").json()
    assert isinstance(delta, dict)
    assert (delta["status"], delta["updated"], delta["deactivated"]) == ("succeeded", 1, 0)
    assert cli("user", someone, "--json").json()["record"]["givenName"] == "Renamed"
