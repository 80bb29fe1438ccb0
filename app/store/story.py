"""Reading each person's story: their record and what every real sync did to them, newest first
(PRODUCT.md ``user ID --json``). The sync writes it: :mod:`app.sync.story`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from app.store.database import Database
from app.store.directory import UserRow
from app.store.history import as_utc
from app.store.models import DirectoryUser, PersonChange, PersonChangeField, Site, SyncRun
from app.store.user_query import LIKE_ESCAPE, escape_like

FieldChange = tuple[object, object]


@dataclass(frozen=True, slots=True)
class Change:
    """One entry: a sync (or, for a run of identical skips, the latest of them) and what it did."""

    started_at: datetime
    #: added, updated, deactivated or skipped.
    change: str
    #: For ``updated``: ``users --json`` key -> (old, new).
    fields: dict[str, FieldChange] = field(default_factory=dict)
    reason: str | None = None
    #: More about a skip ("no email").
    detail: str = ""
    #: The first of a run of identical skips; None when the entry is one sync.
    since: datetime | None = None

    def to_json(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "started_at": self.started_at.isoformat(),
            "change": self.change,
            "fields": {key: list(values) for key, values in self.fields.items()},
            "reason": self.reason,
        }
        if self.since is not None:
            entry["since"] = self.since.isoformat()
        return entry


@dataclass(frozen=True, slots=True)
class PersonStory:
    sourced_id: str
    #: As ``users --json`` shows it; None for someone never stored (skipped every time).
    record: UserRow | None
    #: Newest first.
    changes: list[Change]
    #: The name the provider last sent, for someone never stored.
    name: str | None = None

    @property
    def display_name(self) -> str:
        if self.record is not None:
            full = f"{self.record.given_name} {self.record.family_name}".strip()
            return full or self.record.username
        return self.name or self.sourced_id

    def to_json(self) -> dict[str, object]:
        return {
            "sourcedId": self.sourced_id,
            "record": self.record.to_json() if self.record else None,
            "changes": [change.to_json() for change in self.changes],
        }


@dataclass(frozen=True, slots=True)
class SkippedPerson:
    """Someone the latest sync that saw them skipped, and who is not active in the directory."""

    sourced_id: str
    name: str
    reason: str
    detail: str
    started_at: datetime


class Stories:
    """Short read-only transactions over the story tables."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def find(self, key: str) -> PersonStory | None:
        """The story of the person whose sourcedId, or else username (any case), is ``key``;
        None when neither the directory nor any story knows them."""
        key = key.strip()
        with self.database.session() as session:
            sourced_id = self._resolve(session, key)
            if sourced_id is None:
                return None
            record = _record(session, sourced_id)
            changes, name = _changes(session, sourced_id)
            return PersonStory(sourced_id, record, changes, name)

    def skipped_matching(self, text: str, limit: int = 20) -> list[SkippedPerson]:
        """People not active in the directory whose latest entry is a skip, by name or id."""
        pattern = f"%{escape_like(text.strip().lower())}%"
        latest = (
            select(func.max(PersonChange.id)).group_by(PersonChange.sourced_id).scalar_subquery()
        )
        active = select(DirectoryUser.sourced_id).where(DirectoryUser.active.is_(True))
        query = (
            select(PersonChange, SyncRun.started_at)
            .join(SyncRun, SyncRun.id == PersonChange.run_id)
            .where(
                PersonChange.id.in_(latest),
                PersonChange.change == "skipped",
                PersonChange.sourced_id.not_in(active),
                or_(
                    func.lower(PersonChange.name).like(pattern, escape=LIKE_ESCAPE),
                    func.lower(PersonChange.sourced_id).like(pattern, escape=LIKE_ESCAPE),
                ),
            )
            .order_by(PersonChange.name, PersonChange.sourced_id)
            .limit(limit)
        )
        with self.database.session() as session:
            return [
                SkippedPerson(
                    entry.sourced_id,
                    entry.name or entry.sourced_id,
                    entry.reason or "",
                    entry.detail,
                    as_utc(started),
                )
                for entry, started in session.execute(query)
            ]

    @staticmethod
    def _resolve(session: Session, key: str) -> str | None:
        known = or_(
            select(DirectoryUser.sourced_id).where(DirectoryUser.sourced_id == key).exists(),
            select(PersonChange.id).where(PersonChange.sourced_id == key).exists(),
        )
        if session.scalar(select(known)):
            return key
        # Usernames compare without regard to case in every alphabet. SQL's lower() finds the
        # ASCII cases at once; only a miss is looked for among every username, streamed.
        wanted = key.casefold()
        columns = select(
            DirectoryUser.sourced_id, DirectoryUser.username, DirectoryUser.active
        ).execution_options(yield_per=5000)
        for query in (columns.where(func.lower(DirectoryUser.username) == key.lower()), columns):
            found = [
                (active, sid)
                for sid, username, active in session.execute(query)
                if username.casefold() == wanted
            ]
            if found:
                return max(found)[1]  # an active record before an inactive one
        return None


def _record(session: Session, sourced_id: str) -> UserRow | None:
    found = session.execute(
        select(DirectoryUser, Site.name)
        .join(Site, DirectoryUser.site_id == Site.id)
        .where(DirectoryUser.sourced_id == sourced_id)
    ).first()
    if found is None:
        return None
    user, site = found
    return UserRow.of(user, site)


def _changes(session: Session, sourced_id: str) -> tuple[list[Change], str | None]:
    first = aliased(SyncRun)
    rows = session.execute(
        select(PersonChange, SyncRun.started_at, first.started_at)
        .join(SyncRun, SyncRun.id == PersonChange.run_id)
        .outerjoin(first, first.id == PersonChange.since_run_id)
        .where(PersonChange.sourced_id == sourced_id)
        .order_by(SyncRun.started_at.desc(), PersonChange.id.desc())
    ).all()
    fields: dict[int, dict[str, FieldChange]] = {}
    for run_id, key, old, new in session.execute(
        select(
            PersonChangeField.run_id,
            PersonChangeField.field,
            PersonChangeField.old_value,
            PersonChangeField.new_value,
        )
        .where(PersonChangeField.sourced_id == sourced_id)
        .order_by(PersonChangeField.id)
    ):
        fields.setdefault(run_id, {})[key] = _typed(key, old, new)
    changes = [
        Change(
            as_utc(started),
            entry.change,
            fields.get(entry.run_id, {}) if entry.change == "updated" else {},
            entry.reason,
            entry.detail,
            as_utc(since) if since is not None else None,
        )
        for entry, started, since in rows
    ]
    name = next((entry.name for entry, _, _ in rows if entry.name), None)
    return changes, name


def _typed(key: str, old: str | None, new: str | None) -> FieldChange:
    """``active`` is stored as text; ``users --json`` shows it as a boolean."""
    if key == "active":
        return old == "true", new == "true"
    return old, new
