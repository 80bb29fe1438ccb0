"""Writing each person's story: what one real sync does to them, and why (PRODUCT.md
``user ID --json``), as set-based SQL over the staged sync, in its transaction.

:meth:`StoryWriter.record` runs after the decisions and before the directory is written, so an
update's old values are still in the directory. Who is added, updated (with each changed
field's old and new value), deactivated (``tobedeleted``, ``disabled``, ``absent``,
``unmapped_school``) or skipped gets an entry; nobody else does, so an unchanged re-sync adds
no entry. A person skipped for the same reason as their last entry says extends that entry
instead of adding one, so a guardian skipped every night is one entry, however many nights.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    not_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from app.store.models import (
    DirectoryUser,
    PersonChange,
    PersonChangeField,
    Site,
    SkippedUser,
    SyncRun,
)
from app.sync.stage import in_id_order, staged

changes = PersonChange.__table__
changed_fields = PersonChangeField.__table__
skip_lists = SkippedUser.__table__
users = DirectoryUser.__table__
_s, _u, _c = staged.c, users.c, changes.c
_ENTRY_COLUMNS = ["sourced_id", "run_id", "change", "reason", "detail", "name"]


def _site_name(site_id: ColumnElement[int]) -> ColumnElement[str]:
    return select(Site.name).where(Site.id == site_id).scalar_subquery()


def _as_text(flag: ColumnElement[bool]) -> ColumnElement[str]:
    return case((flag, literal_column("'true'")), else_=literal_column("'false'"))


#: ``users --json`` key -> (the directory's value before, the sync's value), for updates.
_FIELDS: dict[str, tuple[ColumnElement[str | None], ColumnElement[str | None]]] = {
    "username": (_u.username, _s.username),
    "givenName": (_u.given_name, _s.given_name),
    "familyName": (_u.family_name, _s.family_name),
    "email": (_u.email, _s.email),
    "role": (_u.role, _s.role),
    "site": (_site_name(_u.site_id), _site_name(_s.site_id)),
    "active": (_as_text(_u.active), literal_column("'true'")),
}
#: When each field changed (compared as stored, not as shown: site ids, the active flag).
_DIFFERS: dict[str, ColumnElement[bool]] = {
    **{key: old.is_distinct_from(new) for key, (old, new) in _FIELDS.items()},
    "site": _u.site_id.is_distinct_from(_s.site_id),
    "active": _u.active.is_not(true()),
}


class StoryWriter:
    """Records one sync's entries on ``connection`` (inside the sync's transaction)."""

    def __init__(self, connection: Connection, run_id: int) -> None:
        self.connection = connection
        self.run_id = run_id

    def record(
        self,
        decisions: Mapping[str, int],
        unseen: ColumnElement[bool],
        skip_reason: ColumnElement[str],
        skip_detail: ColumnElement[str],
        name: ColumnElement[str],
    ) -> None:
        """Every entry of this sync. ``decisions``: how many staged users got each (a statement
        for one nobody got would still read the whole sync); ``unseen`` picks the local users
        it deactivates without having seen them; the skip columns are the history's, so both
        say the same."""
        run = literal(self.run_id, Integer)
        deactivation = case(
            (_s.outcome == literal_column("'unmapped_school'"), _s.outcome), else_=_s.detail
        )
        entries = [
            ("insert", "added", None),
            ("update", "updated", None),
            ("deactivate", "deactivated", deactivation),
        ]
        for decision, change, reason in entries:
            if decision in decisions:
                chosen = select(_s.sourced_id, run, literal(change), reason, literal(""), None)
                self._insert_entries(chosen.where(_s.decision == decision))
        absent = select(
            _u.sourced_id, run, literal("deactivated"), literal("absent"), literal(""), None
        ).where(unseen)
        self._insert_entries(absent)
        if "update" in decisions:
            self._record_fields(run)
        skipped = decisions.get("skip", 0) + decisions.get("duplicate", 0)
        if skipped:
            self._record_skips(run, skipped, skip_reason, skip_detail, name)

    def _insert_entries(self, chosen: Select[Any]) -> None:
        self.connection.execute(
            insert(changes).from_select(
                _ENTRY_COLUMNS, in_id_order(chosen, chosen.selected_columns[0])
            )
        )

    def _record_fields(self, run: ColumnElement[int]) -> None:
        for key, (old, new) in _FIELDS.items():
            chosen = select(run, _s.sourced_id, literal(key, String), old, new).where(
                _u.sourced_id == _s.sourced_id, _s.decision == "update", _DIFFERS[key]
            )
            names = ["run_id", "sourced_id", "field", "old_value", "new_value"]
            self.connection.execute(insert(changed_fields).from_select(names, chosen))

    def _record_skips(
        self,
        run: ColumnElement[int],
        skipped_people: int,
        reason: ColumnElement[str],
        detail: ColumnElement[str],
        name: ColumnElement[str],
    ) -> None:
        skipped = _s.decision.in_(("skip", "duplicate"))
        earlier = changes.alias("earlier")
        latest = select(func.max(earlier.c.id)).where(earlier.c.sourced_id == _s.sourced_id)
        same_reason = (
            select(reason).where(_s.sourced_id == _c.sourced_id, skipped).scalar_subquery()
        )
        # A first sync has no earlier entry to extend (found through the index by run).
        extended = 0
        if self.connection.scalar(select(func.min(_c.run_id))) != self.run_id:
            extended = self.connection.execute(
                update(changes)
                .where(
                    _c.id.in_(
                        select(func.max(earlier.c.id))
                        .join_from(staged, earlier, earlier.c.sourced_id == _s.sourced_id)
                        .where(skipped)
                        .group_by(_s.sourced_id)
                    ),
                    _c.change == "skipped",
                    _c.reason == same_reason,
                )
                .values(since_run_id=func.coalesce(_c.since_run_id, _c.run_id), run_id=run)
            ).rowcount
        if extended == skipped_people:
            return  # everyone skipped as the sync before: each one's entry now reaches this one
        new_entries = skipped
        if extended:
            # A skipped person's only entry of this sync can be an extended one: looked for
            # only when some were (a first sync of a million saves a second of lookups).
            # Through the person's latest entry, which the sourcedId index finds at once (by
            # run, SQLite would scan every entry this sync already made).
            at_latest = _c.id == latest.correlate(staged).scalar_subquery()
            new_entries = and_(skipped, not_(exists().where(at_latest, _c.run_id == run)))
        self._insert_entries(
            select(_s.sourced_id, run, literal("skipped"), reason, detail, name).where(new_entries)
        )

    def prune(self, before: datetime) -> None:
        """Forget entries whose latest sync started before ``before`` (the retention), and the
        lists of people those syncs left out (their runs and counts stay in the history): a
        district's skipped people, listed every night, would otherwise grow the directory by
        tens of millions of rows a year."""
        old_runs = select(SyncRun.id).where(SyncRun.started_at < before)
        self.connection.execute(delete(changed_fields).where(changed_fields.c.run_id.in_(old_runs)))
        self.connection.execute(delete(changes).where(_c.run_id.in_(old_runs)))
        self.connection.execute(delete(skip_lists).where(skip_lists.c.run_id.in_(old_runs)))
