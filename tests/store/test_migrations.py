"""The schema is versioned: a database made by the first schema upgrades with its data."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.store.database import (
    HEAD_REVISION,
    Database,
    alembic_config,
    create_directory_engine,
    upgrade,
)
from app.store.directory import Directory
from app.store.history import History
from app.store.models import Base

# The tables as the first revision made them, written without the models, which move on.
NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)
SITES = sa.table(
    "sites", sa.column("id"), sa.column("name"), sa.column("created_at", sa.DateTime(True))
)
SCHOOLS = sa.table(
    "schools",
    sa.column("sourced_id"),
    sa.column("name"),
    sa.column("site_id"),
    sa.column("seen_at", sa.DateTime(True)),
)
USERS = sa.table(
    "users",
    *(sa.column(name) for name in ("sourced_id", "username", "given_name", "family_name")),
    *(sa.column(name) for name in ("email", "role", "site_id")),
    sa.column("active", sa.Boolean()),
    sa.column("created_at", sa.DateTime(True)),
    sa.column("updated_at", sa.DateTime(True)),
)
SYNC_RUNS = sa.table(
    "sync_runs",
    *(sa.column(name) for name in ("id", "trigger", "mode", "status", "skipped_reasons")),
    *(sa.column(name) for name in ("added", "updated", "deactivated", "unchanged", "skipped")),
    sa.column("error"),
    sa.column("dry_run", sa.Boolean()),
    sa.column("started_at", sa.DateTime(True)),
    sa.column("finished_at", sa.DateTime(True)),
)


def first_revision() -> str:
    base = ScriptDirectory.from_config(alembic_config()).get_base()
    assert isinstance(base, str)
    return base


def test_a_database_made_by_the_first_schema_upgrades_with_its_data(database_url: str):
    engine = create_directory_engine(database_url)
    upgrade(engine, first_revision())
    with engine.begin() as connection:
        connection.execute(sa.insert(SITES).values(id=1, name="Lincoln Elem", created_at=NEW_YEAR))
        connection.execute(
            sa.insert(SCHOOLS).values(
                sourced_id="sch-1", name="Lincoln Elementary School", site_id=1, seen_at=NEW_YEAR
            )
        )
        connection.execute(
            sa.insert(USERS).values(
                sourced_id="u-1",
                username="Straße@X.example",
                given_name="Ann",
                family_name="Lee",
                email="ann@x.example",
                role="teacher",
                site_id=1,
                active=True,
                created_at=NEW_YEAR,
                updated_at=NEW_YEAR,
            )
        )
        connection.execute(
            sa.insert(SYNC_RUNS).values(
                id=1,
                started_at=NEW_YEAR,
                finished_at=NEW_YEAR,
                trigger="cli",
                mode="full",
                dry_run=False,
                status="succeeded",
                added=1,
                updated=0,
                deactivated=0,
                unchanged=0,
                skipped=0,
                skipped_reasons="{}",
                error=None,
            )
        )
    engine.dispose()

    database = Database(database_url)
    try:
        directory = Directory(database)
        assert [u.username for u in directory.users()] == ["Straße@X.example"]
        with database.session() as session:
            # The key a sync compares usernames by, made for the users already there.
            keys = session.scalars(sa.select(sa.column("username_key")).select_from(USERS))
            assert list(keys) == ["strasse@x.example"]
        assert [s.site for s in directory.schools()] == ["Lincoln Elem"]
        runs = History(database).runs()
        assert [(run.counts.added, run.started_at) for run in runs] == [(1, NEW_YEAR)]
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
    finally:
        database.close()


def test_a_new_database_is_created_at_the_latest_schema(database_url: str):
    database = Database(database_url)
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


def test_opening_an_up_to_date_database_again_keeps_its_data(database_url: str):
    first = Database(database_url)
    try:
        Directory(first).add_sites(["Lincoln Elem"])
    finally:
        first.close()
    again = Database(database_url)
    try:
        assert [site.name for site in Directory(again).sites()] == ["Lincoln Elem"]
    finally:
        again.close()


def test_the_head_revision_the_app_knows_is_the_newest_migration():
    # The app checks a database against HEAD_REVISION without loading Alembic; a migration
    # added without updating it would never run.
    newest = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert newest == HEAD_REVISION


def test_a_full_directory_made_by_the_first_schema_keeps_every_row_and_takes_long_text(
    database_url: str,
):
    # 2,000 people and the schools mapped to their sites: the upgrade to unbounded text copies
    # SQLite's tables, which must neither lose a row nor unmap a school.
    engine = create_directory_engine(database_url)
    upgrade(engine, first_revision())
    people = [
        {
            "sourced_id": f"u-{n}",
            "username": f"user{n}@x.example",
            "given_name": f"Given{n}",
            "family_name": "Ñúñez-O'Brien",
            "email": None if n % 7 == 0 else f"user{n}@x.example",
            "role": "student" if n % 10 else "teacher",
            "site_id": 1 + n % 2,
            "active": n % 13 != 0,
            "created_at": NEW_YEAR,
            "updated_at": NEW_YEAR,
        }
        for n in range(2000)
    ]
    with engine.begin() as connection:
        for site in (1, 2):
            connection.execute(
                sa.insert(SITES).values(id=site, name=f"Site {site}", created_at=NEW_YEAR)
            )
            connection.execute(
                sa.insert(SCHOOLS).values(
                    sourced_id=f"sch-{site}", name=f"School {site}", site_id=site, seen_at=NEW_YEAR
                )
            )
        connection.execute(sa.insert(USERS), people)
    engine.dispose()

    database = Database(database_url)
    try:
        directory = Directory(database)
        stored = {u.sourced_id: u for u in directory.users(include_inactive=True)}
        assert len(stored) == len(people)
        for person in people:
            kept = stored[person["sourced_id"]]
            assert (kept.username, kept.given_name, kept.family_name, kept.email) == (
                person["username"],
                person["given_name"],
                person["family_name"],
                person["email"],
            )
            assert kept.active == person["active"]
        assert directory.mapping() == {"sch-1": 1, "sch-2": 2}
        long_name = "Ω" * 5000
        with database.session() as session:
            session.execute(
                sa.update(USERS).where(USERS.c.sourced_id == "u-1").values(family_name=long_name)
            )
        assert {u.sourced_id: u for u in directory.users()}["u-1"].family_name == long_name
    finally:
        database.close()
