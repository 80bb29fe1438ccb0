"""Shared fixtures: an isolated profile and keyring for every test, the demo server, the CLI."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.secret_store import EphemeralKeyring
from app.settings import SettingsFile
from app.store.database import directory_url
from tests.support.clock import FakeClock
from ui.launcher import main

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Profile]:
    """Every test gets its own profile folder and an empty in-memory keyring."""
    home = tmp_path / "profile"
    monkeypatch.setenv("ROSTERSYNC_HOME", str(home))
    monkeypatch.delenv("ROSTERSYNC_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("ROSTERSYNC_LOG_LEVEL", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(EphemeralKeyring())
    yield Profile(home)
    keyring.set_keyring(previous)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def district() -> DemoDistrict:
    return DemoDistrict(users=300, seed=7)


@pytest.fixture
def demo_server(district: DemoDistrict) -> Iterator[DemoServer]:
    with DemoServer(district, port=0) as server:
        yield server


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


class Cli:
    """Runs ``rostersync`` in this process, as a script would in a shell."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *args: str, stdin: str = "") -> CliResult:
        self._capsys.readouterr()
        self._monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        captured = self._capsys.readouterr()
        return CliResult(code, captured.out, captured.err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


def connect_args(server: DemoServer) -> list[str]:
    return [
        "connect",
        "--base-url",
        server.base_url,
        "--token-url",
        server.token_url,
        "--client-id",
        server.client_id,
        "--secret-stdin",
    ]


@pytest.fixture
def connected(cli: Cli, demo_server: DemoServer, district: DemoDistrict) -> DemoServer:
    """A profile connected to the demo server, with every school mapped to a local site."""
    result = cli(*connect_args(demo_server), stdin=demo_server.client_secret + "\n")
    assert result.code == 0, result.err
    assert cli("sites", "add", *district.local_site_names).code == 0
    assert cli("map", "--suggest", "--apply").code == 0
    return demo_server


@pytest.fixture
def context(isolated_profile: Profile) -> Iterator[AppContext]:
    ctx = AppContext(isolated_profile)
    yield ctx
    ctx.close()


# --- PostgreSQL ----------------------------------------------------------------------------

POSTGRES_URL_VARIABLE = "ROSTERSYNC_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = "set ROSTERSYNC_TEST_POSTGRES_URL (.ci/run starts a server)"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The test server's database URL, as a technician would write it; skips without one."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    return url


def reset_postgres_database(url: str) -> None:
    """Empty the database: end its other sessions, then drop and recreate the public schema."""
    engine = create_engine(directory_url(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            # Sessions a failed test left open could hold locks that DROP SCHEMA waits on.
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND usename = current_user "
                    "AND pid <> pg_backend_pid()"
                )
            )
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> str:
    """The test server's database, emptied for this test (no tables, no sessions, no locks)."""
    reset_postgres_database(postgres_server_url)
    return postgres_server_url


@pytest.fixture
def postgres_profile(isolated_profile: Profile, postgres_url: str) -> Profile:
    """The isolated profile with ``database_url`` set to the (empty) PostgreSQL database.

    Request it before ``connected`` or ``context``, so they open PostgreSQL, not SQLite.
    """
    settings_file = SettingsFile(isolated_profile)
    settings = settings_file.load()
    settings.database_url = postgres_url
    settings_file.save(settings)
    return isolated_profile
