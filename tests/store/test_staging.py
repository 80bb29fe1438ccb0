"""The staging tables on SQLite and PostgreSQL: records go in as they come, and sealing makes
each person one row by the rules for a record sent more than once."""

from __future__ import annotations

from sqlalchemy import insert, select

from app.store.database import Database
from app.sync.plan import StagedUser
from app.sync.stage import StagingTable, seal, seen, staged


def candidate(sourced_id: str, family_name: str) -> StagedUser:
    return StagedUser(sourced_id, "candidate", "Ann", family_name, username=sourced_id)


def test_sealing_keeps_the_last_readable_copy_where_the_first_came(database_url: str) -> None:
    database = Database(database_url)
    try:
        with database.session() as session:
            stage = StagingTable(session.connection())
            stage.add([candidate("s1", "First"), candidate("s2", "Only")])
            stage.add([StagedUser("s1", "invalid_record", "", "", "bad field")])
            stage.add([candidate("s1", "Last"), StagedUser("s3", "invalid_record", "", "", "x")])
            stage.add([StagedUser("s3", "invalid_record", "", "", "y")])
            seal(session.connection())
            rows = session.execute(
                select(
                    staged.c.sourced_id, staged.c.family_name, staged.c.detail, staged.c.seq
                ).order_by(staged.c.seq)
            ).all()
            assert [tuple(row) for row in rows] == [
                ("s1", "Last", "", 0),
                ("s2", "Only", "", 1),
                ("s3", "", "x", 4),
            ]
            stage.drop()
    finally:
        database.close()


def test_sealing_counts_a_person_seen_unchanged_twice_once_where_first_seen(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        with database.session() as session:
            stage = StagingTable(session.connection())
            for sourced_id, seq in (("g1", 7), ("g2", 8), ("g1", 3)):
                row = {"sourced_id": sourced_id, "leaving": False, "seq": seq, "fingerprint": seq}
                session.execute(insert(seen).values(row))
            seal(session.connection())
            rows = session.execute(select(seen.c.sourced_id, seen.c.seq).order_by(seen.c.seq))
            assert [tuple(row) for row in rows] == [("g1", 3), ("g2", 8)]
            stage.drop()
    finally:
        database.close()


def test_sealing_a_sync_that_received_everyone_once_keeps_every_row(database_url: str) -> None:
    database = Database(database_url)
    try:
        with database.session() as session:
            stage = StagingTable(session.connection())
            stage.add([candidate(f"s{n}", "Lee") for n in range(50)])
            seal(session.connection())
            assert len(session.scalars(select(staged.c.sourced_id)).all()) == 50
            stage.drop()
    finally:
        database.close()
