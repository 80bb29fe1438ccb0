"""A PostgreSQL directory that several technicians share: its URL, its problems said as
sentences, its schema, one sync at a time across processes and computers, and a whole sync."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.errors import ConfigurationError, SyncInProgressError
from app.paths import Profile
from app.settings import SettingsFile
from app.store.database import Database, create_directory_engine, directory_url, sqlite_url
from app.store.directory import Directory
from app.store.models import Base
from app.sync.engine import SyncEngine, SyncRequest
from app.sync.lock import SYNC_LOCK_KEY, SyncLock
from tests.conftest import Cli

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-Passw0rd"

# Holds the sync lock of another profile (another computer) until its stdin closes.
HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.store.database import Database
    from app.sync.lock import SyncLock
    database = Database(sys.argv[1])
    with SyncLock(Path(sys.argv[2]), database).hold():
        print("held", flush=True)
        sys.stdin.read()
    database.close()
    """
)


def use_database(profile: Profile, url: str) -> None:
    settings_file = SettingsFile(profile)
    settings = settings_file.load()
    settings.database_url = url
    settings_file.save(settings)


def changed_url(url: str, **parts: str) -> str:
    return make_url(url).set(**parts).render_as_string(hide_password=False)


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def start_holder(url: str, lock_file: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, str(lock_file)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def shared_engine(context: AppContext) -> SyncEngine:
    """The context's sync engine, its lock shared with every computer using the database."""
    return SyncEngine(
        context.directory,
        context.history,
        lock=SyncLock(context.profile.sync_lock_file, context.database),
        connect=context.client,
        username_field=context.settings.username_field,
    )


# --- database_url as a technician writes it -------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "postgresql://ann:s3cret@db.district.example:6543/roster",
        "postgres://ann:s3cret@db.district.example:6543/roster",
        "postgresql+pg8000://ann:s3cret@db.district.example:6543/roster",
    ],
)
def test_a_postgresql_url_is_opened_with_the_driver_the_app_ships(written: str):
    url = directory_url(written)
    assert url.drivername == "postgresql+pg8000"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "ann",
        "s3cret",
        "db.district.example",
        6543,
        "roster",
    )


@pytest.mark.parametrize(
    "written",
    [
        f"postgresql+psycopg2://ann:{PASSWORD}@db.district.example/roster",
        f"postgresql+asyncpg://ann:{PASSWORD}@db.district.example/roster",
        f"mysql://ann:{PASSWORD}@db.district.example/roster",
    ],
)
def test_a_driver_the_app_does_not_ship_is_refused_with_a_sentence(
    written: str, cli: Cli, isolated_profile: Profile
):
    use_database(isolated_profile, written)
    result = cli("sites", "list")
    assert result.code == 1
    assert "cannot be used" in result.err
    assert "postgresql://USER:PASSWORD@HOST/DATABASE" in result.err
    assert "db.district.example" in result.err
    assert PASSWORD not in result.err
    assert "Traceback" not in result.err


def test_a_server_that_is_down_is_reported_without_the_password(
    cli: Cli, isolated_profile: Profile, refused_port: int
):
    use_database(isolated_profile, f"postgresql://ann:{PASSWORD}@127.0.0.1:{refused_port}/roster")
    result = cli("sites", "list")
    assert result.code == 1
    assert f"PostgreSQL server at 127.0.0.1:{refused_port} could not be reached" in result.err
    assert PASSWORD not in result.err
    assert "Traceback" not in result.err


def test_a_wrong_password_is_reported_without_it(
    cli: Cli, isolated_profile: Profile, postgres_url: str
):
    use_database(isolated_profile, changed_url(postgres_url, password=PASSWORD))
    result = cli("sites", "list")
    assert result.code == 1
    assert "refused the user name" in result.err
    assert "password" in result.err
    assert PASSWORD not in result.err
    assert "Traceback" not in result.err


def test_a_missing_database_is_named(cli: Cli, isolated_profile: Profile, postgres_url: str):
    use_database(isolated_profile, changed_url(postgres_url, database="no_such_directory"))
    result = cli("sites", "list")
    assert result.code == 1
    assert "has no database named 'no_such_directory'" in result.err
    assert f":{make_url(postgres_url).password}@" not in result.err


# --- schema ---------------------------------------------------------------------------------


def test_first_starts_at_the_same_moment_all_open_a_new_database(postgres_url: str):
    starts = 4
    barrier = threading.Barrier(starts)
    failures: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            Database(postgres_url).close()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=start) for _ in range(starts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    database = Database(postgres_url)
    try:
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert Directory(database).add_sites(["Lincoln Elem"])[0].name == "Lincoln Elem"
    finally:
        database.close()


# --- one sync at a time ---------------------------------------------------------------------


def test_a_lock_held_on_another_computer_refuses_this_one_until_released(
    postgres_url: str, isolated_profile: Profile, tmp_path: Path
):
    database = Database(postgres_url)
    lock = SyncLock(isolated_profile.sync_lock_file, database)
    holder = start_holder(postgres_url, tmp_path / "other-computer" / "sync.lock")
    try:
        with (
            pytest.raises(
                SyncInProgressError, match="Another sync is already running against this directory"
            ),
            lock.hold(),
        ):
            pass
    finally:
        holder.communicate("")
    try:
        with lock.hold():
            pass
    finally:
        database.close()


def test_a_sync_killed_on_another_computer_does_not_block_later_syncs(
    postgres_url: str, isolated_profile: Profile, tmp_path: Path
):
    database = Database(postgres_url)
    holder = start_holder(postgres_url, tmp_path / "other-computer" / "sync.lock")
    holder.kill()
    holder.communicate()
    # The server ends a dead client's session when it notices the closed connection; wait
    # for that (at most 10 s) by asking for the lock the blocking way.
    probe = create_engine(directory_url(postgres_url), poolclass=NullPool)
    try:
        with probe.connect() as connection:
            connection.execute(text("SET lock_timeout = '10s'"))
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SYNC_LOCK_KEY})
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SYNC_LOCK_KEY})
        with SyncLock(isolated_profile.sync_lock_file, database).hold():
            pass
    finally:
        probe.dispose()
        database.close()


def test_the_lock_says_so_when_the_server_cannot_be_reached(
    isolated_profile: Profile, refused_port: int
):
    # The server went away after the directory was opened: a stand-in for the opened Database.
    url = f"postgresql://ann:{PASSWORD}@127.0.0.1:{refused_port}/roster"
    unreachable = SimpleNamespace(engine=create_directory_engine(url))
    lock = SyncLock(isolated_profile.sync_lock_file, unreachable)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as raised, lock.hold():
        pass
    unreachable.engine.dispose()
    assert "could not be reached (the connection was refused)" in raised.value.message
    assert PASSWORD not in raised.value.message


# --- a whole sync ---------------------------------------------------------------------------


@pytest.fixture
def pg_connected(postgres_profile: Profile, connected: DemoServer) -> DemoServer:
    """``connected``, with its sites, mapping and everything after in PostgreSQL."""
    return connected


@pytest.fixture
def pg_context(pg_connected: DemoServer, postgres_profile: Profile) -> Iterator[AppContext]:
    context = AppContext(postgres_profile)
    assert context.database.engine.dialect.name == "postgresql"
    yield context
    context.close()


def test_a_sync_while_another_computer_syncs_is_refused_and_changes_nothing(
    pg_context: AppContext, postgres_url: str, tmp_path: Path
):
    holder = start_holder(postgres_url, tmp_path / "other-computer" / "sync.lock")
    try:
        refused = shared_engine(pg_context).run(SyncRequest())
    finally:
        holder.communicate("")
    assert refused.status == "failed"
    assert "Another sync is already running against this directory" in (refused.error or "")
    assert pg_context.history.runs() == []
    assert list(pg_context.directory.users()) == []
    done = shared_engine(pg_context).run(SyncRequest())
    assert done.succeeded, done.error
    assert done.counts.added == len(list(pg_context.directory.users())) > 0


def test_a_sync_into_postgresql_gives_the_directory_a_sync_into_sqlite_gives(
    pg_connected: DemoServer,
    cli: Cli,
    isolated_profile: Profile,
    district: DemoDistrict,
    tmp_path: Path,
):
    first = cli("sync", "--json")
    assert first.code == 0, first.err
    summary = first.json()
    assert summary["status"] == "succeeded" and summary["added"] > 0
    on_postgres = cli("users", "--json", "--include-inactive").json()
    assert len(on_postgres) == summary["added"]
    again = cli("sync", "--json").json()
    assert (again["added"], again["updated"], again["deactivated"]) == (0, 0, 0)
    history = cli("history", "--json").json()
    assert [run["status"] for run in history] == ["succeeded", "succeeded"]
    assert all(
        datetime.fromisoformat(run["finished_at"]).utcoffset() is not None for run in history
    )

    use_database(isolated_profile, sqlite_url(tmp_path / "compare.db"))
    assert cli("sites", "add", *district.local_site_names).code == 0
    assert cli("map", "--suggest", "--apply").code == 0
    on_sqlite = cli("sync", "--json").json()
    assert {key: on_sqlite[key] for key in summary} == summary
    assert cli("users", "--json", "--include-inactive").json() == on_postgres


def test_a_delta_sync_into_postgresql_takes_the_changes(
    pg_context: AppContext, pg_connected: DemoServer, district: DemoDistrict
):
    assert pg_context.engine().run(SyncRequest()).succeeded
    some = next(iter(pg_context.directory.users()))
    district.update_user(some.sourced_id, givenName="Changed")
    delta = pg_context.engine().run(SyncRequest(mode="delta"))
    assert delta.succeeded, delta.error
    assert delta.mode == "delta" and delta.counts.updated == 1
    assert {
        u.given_name for u in pg_context.directory.users() if u.sourced_id == some.sourced_id
    } == {"Changed"}


def test_a_re_sync_into_postgresql_passes_over_unchanged_records_and_counts_them_all(
    pg_context: AppContext, pg_connected: DemoServer, district: DemoDistrict
):
    first = pg_context.engine().run(SyncRequest())
    assert first.succeeded, first.error
    with pg_context.database.session() as session:
        kept = session.scalar(text("SELECT count(*) FROM record_fingerprints"))
    everyone = first.counts.added + first.counts.unchanged + first.counts.skipped
    # All but those skipped as duplicates: their usernames depend on other people.
    assert kept == everyone - first.skipped_reasons.get("duplicate_username", 0) > 0
    some = next(iter(pg_context.directory.users()))
    district.update_user(some.sourced_id, givenName="Changed")
    again = pg_context.engine().run(SyncRequest())
    assert again.succeeded, again.error
    assert (again.counts.updated, again.counts.added, again.counts.deactivated) == (1, 0, 0)
    assert again.counts.unchanged == first.counts.added + first.counts.unchanged - 1
    assert again.skipped_reasons == first.skipped_reasons
    assert sorted(s.sourced_id or "" for s in pg_context.history.skips(again.run_id or 0)) == (
        sorted(s.sourced_id or "" for s in pg_context.history.skips(first.run_id or 0))
    )
