"""One sync run in process over raw provider records, the way app/sync/engine.py runs it.

The engine's own steps (parse a page, classify, stage, place, write, record history) without
the HTTP download, so that hypothesis can run many districts quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.oneroster.client import _USERS, OneRosterClient
from app.store.database import Database, sqlite_url
from app.store.directory import Directory
from app.store.history import History, RunCounts, SkipRecord
from app.store.models import DirectoryUser, utc_now
from app.sync.placement import Placement
from app.sync.plan import Classifier
from app.sync.stage import StagingTable, staged

REASONS = frozenset(
    {"not_synced_role", "unmapped_school", "no_username", "duplicate_username", "invalid_record"}
)


@dataclass
class Synced:
    counts: RunCounts
    reasons: dict[str, int]
    #: Provider users this sync counts: distinct sourcedIds, plus records with none.
    sent: int
    #: sourcedIds this sync inserted or updated.
    changed: set[str]


def open_directory(folder: Path) -> Database:
    database = Database(sqlite_url(folder / "directory.db"))
    Directory(database).add_sites(["Site A", "Site B"])  # ids 1 and 2
    return database


def run_sync(
    database: Database,
    raw: list[Any],
    mapping: dict[str, int],
    field: str = "email",
    *,
    full: bool = True,
) -> Synced:
    history = History(database)
    run_id = history.start("cli", "full" if full else "delta", False)
    page = OneRosterClient._parse(_USERS, raw, 0, None)
    classifier = Classifier(mapping, field)  # type: ignore[arg-type]
    rows, unidentified = classifier.classify_page(page.records, page.invalid)
    unreadable = [SkipRecord.unidentified(record) for record in unidentified]
    sent = len({row.sourced_id for row in rows}) + len(unreadable)
    with database.session() as session:
        stage = StagingTable(session.connection())
        stage.add(rows)
        placement = Placement(session.connection(), complete=full)
        decided = placement.decide(unstaged_skips=len(unreadable))
        changing = select(staged.c.sourced_id).where(staged.c.decision.in_(("insert", "update")))
        changed = set(session.connection().scalars(changing))
        placement.write(run_id, utc_now(), lambda _done: None)
        history.finish(
            session,
            run_id,
            status="succeeded",
            counts=decided.counts,
            skips=unreadable,
            skipped_reasons=decided.skipped_reasons,
            error=None,
        )
        stage.drop()
    return Synced(decided.counts, decided.skipped_reasons, sent, changed)


def users_table(database: Database) -> list[tuple[Any, ...]]:
    """Every column of every directory row, in sourcedId order."""
    with database.session() as session:
        rows = session.execute(
            select(DirectoryUser.__table__).order_by(DirectoryUser.sourced_id)
        ).all()
    return [tuple(row) for row in rows]
