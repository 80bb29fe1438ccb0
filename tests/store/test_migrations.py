"""The schema is versioned: a database made by the first schema upgrades with its data."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.store.database import (
    Database,
    alembic_config,
    create_directory_engine,
    sqlite_url,
    upgrade,
)
from app.store.directory import Directory
from app.store.history import History
from app.store.models import Base


def first_revision() -> str:
    base = ScriptDirectory.from_config(alembic_config()).get_base()
    assert isinstance(base, str)
    return base


def test_a_database_made_by_the_first_schema_upgrades_with_its_data(tmp_path: Path):
    url = sqlite_url(tmp_path / "old.db")
    engine = create_directory_engine(url)
    upgrade(engine, first_revision())
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sites (id, name, created_at) VALUES (1, 'Lincoln Elem', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO schools (sourced_id, name, site_id, seen_at) "
                "VALUES ('sch-1', 'Lincoln Elementary School', 1, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO users (sourced_id, username, given_name, family_name, email, role, "
                "site_id, active, created_at, updated_at) VALUES ('u-1', 'ann@x.example', 'Ann', "
                "'Lee', 'ann@x.example', 'teacher', 1, 1, '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sync_runs (id, started_at, finished_at, trigger, mode, dry_run, "
                "status, added, updated, deactivated, unchanged, skipped, skipped_reasons, "
                "error) VALUES "
                "(1, '2026-01-01', '2026-01-01', 'cli', 'full', 0, 'succeeded', 1, 0, 0, 0, 0, "
                "'{}', NULL)"
            )
        )
    engine.dispose()

    database = Database(url)
    try:
        directory = Directory(database)
        assert [u.username for u in directory.users()] == ["ann@x.example"]
        assert [s.site for s in directory.schools()] == ["Lincoln Elem"]
        assert [run.counts.added for run in History(database).runs()] == [1]
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
    finally:
        database.close()


def test_a_new_database_is_created_at_the_latest_schema(tmp_path: Path):
    database = Database(sqlite_url(tmp_path / "new.db"))
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert (
                context.get_current_revision()
                == ScriptDirectory.from_config(alembic_config()).get_current_head()
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.close()
