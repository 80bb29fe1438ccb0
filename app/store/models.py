"""Tables of the local directory (SQLAlchemy 2 declarative mapping).

Users are keyed by the provider's ``sourcedId`` and never deleted; leaving users become
inactive and keep the site, role and fields they last had.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utc_now() -> datetime:
    return datetime.now(UTC)


def _username_key(context: DefaultExecutionContext) -> str:
    return str(context.get_current_parameters()["username"]).casefold()


class Base(DeclarativeBase):
    # Text, never a bounded width: names, emails and ids are stored whole, whatever their length.
    type_annotation_map: ClassVar = {datetime: DateTime(timezone=True), str: Text()}


class Site(Base):
    """A local site (a building in the district's own directory)."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class School(Base):
    """A school as the provider names it, and the local site it maps to (None = not synced)."""

    __tablename__ = "schools"

    sourced_id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(default=utc_now)

    site: Mapped[Site | None] = relationship()


class DirectoryUser(Base):
    """A synced staff member or student."""

    __tablename__ = "users"

    sourced_id: Mapped[str] = mapped_column(primary_key=True)
    username: Mapped[str]
    given_name: Mapped[str]
    family_name: Mapped[str]
    email: Mapped[str | None]
    role: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: The username case-folded, as the sync compares usernames (``str.casefold``, which SQL's
    #: ``lower()`` is not beyond ASCII).
    username_key: Mapped[str] = mapped_column(default=_username_key)

    site: Mapped[Site] = relationship()

    __table_args__ = (
        Index("ix_users_site_active", "site_id", "active"),
        Index("ix_users_username_key", "username_key", "active"),
    )


class RecordFingerprint(Base):
    """A provider record the directory holds exactly as the sync that wrote it staged it
    (app.sync.fingerprints): the next sync passes it over unparsed while its bytes stay the same.

    Whatever writes a user forgets that user's fingerprints, in the same transaction.
    """

    __tablename__ = "record_fingerprints"

    # INTEGER, not BIGINT, on SQLite: the table's own row id, found without an index.
    fingerprint: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    sourced_id: Mapped[str] = mapped_column(index=True)
    #: What the record stages as (app.sync.plan): ``candidate`` (the person active as it says),
    #: ``leaving`` (inactive), or a skip (``not_synced_role``, ``unmapped_school``,
    #: ``no_username``), whose staged row the next columns keep, so it is staged unparsed.
    outcome: Mapped[str] = mapped_column(String(20))
    given_name: Mapped[str | None]
    family_name: Mapped[str | None]
    detail: Mapped[str | None] = mapped_column(Text)
    legacy_id: Mapped[str | None]


class SyncRun(Base):
    """One sync attempt, succeeded or not; dry runs included."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    trigger: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    #: running, succeeded, failed or canceled; "running" rows left by a killed process are
    #: marked failed by the next sync.
    status: Mapped[str] = mapped_column(String(20))
    added: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    deactivated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    #: Of the users counted, those re-linked to a new sourcedId (OneRoster 1.1 -> 1.2).
    relinked: Mapped[int] = mapped_column(default=0, server_default="0")
    #: JSON object: reason -> count.
    skipped_reasons: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text)

    skips: Mapped[list[SkippedUser]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class SkippedUser(Base):
    """A provider user that one run skipped, and why."""

    __tablename__ = "sync_run_skips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    sourced_id: Mapped[str | None]
    name: Mapped[str]
    reason: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")

    run: Mapped[SyncRun] = relationship(back_populates="skips")


class PersonChange(Base):
    """One entry of a person's story: what one real sync did to them, and why.

    A run of identical skips is one entry: ``run_id`` is the latest of those syncs and
    ``since_run_id`` the first (None when the entry covers one sync).
    """

    __tablename__ = "person_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sourced_id: Mapped[str]
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    since_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("sync_runs.id", ondelete="SET NULL")
    )
    #: added, updated, deactivated or skipped.
    change: Mapped[str] = mapped_column(String(20))
    #: Why: the deactivation's or the skip's reason; None for added and updated.
    reason: Mapped[str | None] = mapped_column(String(40))
    #: More about a skip ("no email"), in the history's words.
    detail: Mapped[str] = mapped_column(Text, default="")
    #: The person's name as the provider sent it, for skips (who may never have been stored).
    name: Mapped[str | None]

    __table_args__ = (Index("ix_person_changes_sourced_id", "sourced_id", "id"),)


class PersonChangeField(Base):
    """One field an ``updated`` entry changed, keyed like ``users --json``, with both values."""

    __tablename__ = "person_change_fields"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"))
    sourced_id: Mapped[str]
    field: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None]
    new_value: Mapped[str | None]

    __table_args__ = (Index("ix_person_change_fields_run_person", "run_id", "sourced_id"),)
