"""The record of every sync run: started, finished with counts and skips, or interrupted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.oneroster.records import InvalidRecord
from app.store.database import Database
from app.store.models import SkippedUser, SyncRun, utc_now
from app.store.text import storable_text

INTERRUPTED_MESSAGE = (
    "The sync was interrupted before it finished (the program was closed or the computer "
    "stopped). Nothing was changed; run the sync again."
)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RunCounts:
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    skipped: int = 0
    #: Of those counted above, local users re-linked to their new sourcedId.
    relinked: int = 0

    @property
    def changes(self) -> int:
        """Rows a sync with these counts writes to the directory."""
        return self.added + self.updated + self.deactivated

    def to_json(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "relinked": self.relinked,
        }


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    started_at: datetime
    finished_at: datetime | None
    trigger: str
    mode: str
    dry_run: bool
    status: str
    counts: RunCounts
    skipped_reasons: dict[str, int]
    error: str | None

    def skip_list_forgotten(self, listed: int) -> bool:
        """Whether this run left people out that its list, of ``listed``, no longer names: the
        list is forgotten with each person's history, after the retention."""
        return listed == 0 and self.counts.skipped > 0

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "trigger": self.trigger,
            "dry_run": self.dry_run,
            "status": self.status,
            **self.counts.to_json(),
            "skipped_reasons": self.skipped_reasons,
            "error": self.error,
            "mode": self.mode,
        }


@dataclass(frozen=True, slots=True)
class SkipRecord:
    sourced_id: str | None
    name: str
    reason: str
    detail: str

    @classmethod
    def unidentified(cls, record: InvalidRecord) -> SkipRecord:
        """A record skipped with no sourcedId, named by whatever it carries."""
        return cls(None, record.carries or "(unnamed record)", "invalid_record", record.reason)

    def to_json(self) -> dict[str, object]:
        return {
            "sourcedId": self.sourced_id,
            "name": self.name,
            "reason": self.reason,
            "detail": self.detail,
        }


def _record(run: SyncRun) -> RunRecord:
    return RunRecord(
        id=run.id,
        started_at=as_utc(run.started_at),
        finished_at=as_utc(run.finished_at) if run.finished_at else None,
        trigger=run.trigger,
        mode=run.mode,
        dry_run=run.dry_run,
        status=run.status,
        counts=RunCounts(
            run.added, run.updated, run.deactivated, run.unchanged, run.skipped, run.relinked
        ),
        skipped_reasons=json.loads(run.skipped_reasons or "{}"),
        error=run.error,
    )


class History:
    def __init__(self, database: Database) -> None:
        self.database = database

    def start(self, trigger: str, mode: str, dry_run: bool) -> int:
        with self.database.session() as session:
            run = SyncRun(
                started_at=utc_now(), trigger=trigger, mode=mode, dry_run=dry_run, status="running"
            )
            session.add(run)
            session.flush()
            return run.id

    def finish(
        self,
        session: Session | Connection,
        run_id: int,
        *,
        status: str,
        counts: RunCounts,
        skips: Iterable[SkipRecord] = (),
        skipped_reasons: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> None:
        """Close a run inside ``session`` (or a connection's transaction), so it commits
        together with the changes it made.

        ``skips`` are recorded with the run; ``skipped_reasons`` (reason -> count) is taken from
        them unless given (when the skips were recorded another way).
        """
        dialect = session.get_bind().dialect if isinstance(session, Session) else session.dialect
        rows = [
            {
                "run_id": run_id,
                "sourced_id": s.sourced_id,
                "name": storable_text(s.name, dialect),
                "reason": s.reason,
                "detail": storable_text(s.detail, dialect),
            }
            for s in skips
        ]
        reasons = dict(skipped_reasons or {})
        if skipped_reasons is None:
            for row in rows:
                reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
        session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(
                status=status,
                finished_at=utc_now(),
                added=counts.added,
                updated=counts.updated,
                deactivated=counts.deactivated,
                unchanged=counts.unchanged,
                skipped=counts.skipped,
                relinked=counts.relinked,
                skipped_reasons=json.dumps(reasons, sort_keys=True),
                error=error,
            )
        )
        if rows:
            session.execute(insert(SkippedUser), rows)

    def fail(self, run_id: int, status: str, error: str) -> None:
        with self.database.session() as session:
            self.finish(session, run_id, status=status, counts=RunCounts(), error=error)

    def mark_interrupted(self) -> int:
        """Close runs left "running" by a process that died; call only while holding the lock."""
        with self.database.session() as session:
            result = session.execute(
                update(SyncRun)
                .where(SyncRun.status == "running")
                .values(status="failed", finished_at=utc_now(), error=INTERRUPTED_MESSAGE)
            )
            return result.rowcount

    def runs(self, limit: int | None = None) -> list[RunRecord]:
        with self.database.session() as session:
            query = select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
            if limit is not None:
                query = query.limit(limit)
            return [_record(run) for run in session.scalars(query)]

    def run(self, run_id: int) -> RunRecord | None:
        with self.database.session() as session:
            run = session.get(SyncRun, run_id)
            return _record(run) if run else None

    def skips(self, run_id: int) -> list[SkipRecord]:
        with self.database.session() as session:
            rows = session.scalars(
                select(SkippedUser).where(SkippedUser.run_id == run_id).order_by(SkippedUser.id)
            )
            return [SkipRecord(r.sourced_id, r.name, r.reason, r.detail) for r in rows]

    def last_good_start(self, mode: str | None = None) -> datetime | None:
        """When the last successful real (not dry) sync started, optionally of one mode."""
        with self.database.session() as session:
            query = select(SyncRun.started_at).where(
                SyncRun.status == "succeeded", SyncRun.dry_run.is_(False)
            )
            if mode is not None:
                query = query.where(SyncRun.mode == mode)
            started = session.scalar(query.order_by(SyncRun.started_at.desc()).limit(1))
            return as_utc(started) if started else None
