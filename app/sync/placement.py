"""The sync rules that need the whole sync and the local directory, over the staged users.

After the record-level checks (:mod:`app.sync.plan`), each staged user gets its ``decision``:

- a ``candidate`` whose username (ignoring case) another candidate of this sync also has, or an
  active local user keeps through this sync (one a delta did not fetch, or one skipped with its
  record left as it is): skipped as ``duplicate_username``;
- else ``insert`` (no local record), ``unchanged`` (an active local record with the same
  fields) or ``update`` (anything else, a returning inactive user included);
- ``unmapped_school`` and ``leaving`` users with an active local record: ``deactivate``; other
  ``leaving`` users: ``unchanged``; everyone else: ``skip`` with the staged reason.

A full sync also deactivates the active local users it did not see at all, unless the provider's
list changed while it was read (offset paging may then have skipped someone who is still there).
Everything here is a handful of set-based statements inside the sync's one transaction, so it
takes the same small memory for a thousand users as for a million.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from app.store.history import RunCounts
from app.store.indexes import built_after, named
from app.store.models import DirectoryUser, SkippedUser
from app.sync import fingerprints
from app.sync.partial import complete_partial_users
from app.sync.relink import find_relinks, rekey_directory, relinked_count
from app.sync.stage import in_id_order, seal, shared_usernames, staged
from app.sync.story import StoryWriter

users = DirectoryUser.__table__
skips = SkippedUser.__table__
_s, _u = staged.c, users.c
_BY_USERNAME = named(users, "ix_users_username_key")

_same_fields = and_(
    _u.active.is_(true()),
    _u.username == _s.username,
    _u.given_name == _s.given_name,
    _u.family_name == _s.family_name,
    _u.email.is_not_distinct_from(_s.email),
    _u.role == _s.role,
    _u.site_id == _s.site_id,
)
_active_record = and_(_u.sourced_id == _s.sourced_id, _u.active.is_(true()))
#: Skips that leave a local record, and so its username, exactly as it was.
_KEEPS_THE_RECORD = ("no_username", "not_synced_role", "invalid_record")
_any_record = _u.sourced_id == _s.sourced_id

#: A candidate against its local record, found with one lookup: none (``insert``), the same
#: active record (``unchanged``), or anything else (``update``: a returning user, or one
#: re-linked to it, the link being a change).
_CANDIDATE = func.coalesce(
    select(case((and_(_s.new_id.is_(None), _same_fields), "unchanged"), else_="update"))
    .where(_any_record)
    .scalar_subquery(),
    "insert",
)

DECISION = case(
    (
        and_(
            _s.outcome == "candidate",
            _s.username_key.in_(select(shared_usernames.c.username_key)),
        ),
        "duplicate",
    ),
    (_s.outcome == "candidate", _CANDIDATE),
    (
        and_(_s.outcome.in_(("unmapped_school", "leaving")), exists().where(_active_record)),
        "deactivate",
    ),
    (_s.outcome == "leaving", "unchanged"),
    else_="skip",
)


@dataclass
class Decided:
    """What the sync will do, before anything is written."""

    counts: RunCounts
    skipped_reasons: dict[str, int]
    #: Local site id -> (added, updated, deactivated).
    site_counts: dict[int, tuple[int, int, int]] = field(default_factory=dict)


class Placement:
    """Decides and writes one staged sync on ``connection`` (inside its transaction)."""

    def __init__(self, connection: Connection, *, complete: bool) -> None:
        """``complete``: this sync saw the provider's whole list (a full sync whose list did not
        change while it was read), so active users it did not see are gone."""
        self.connection = connection
        self.complete = complete
        #: How many staged users got each decision, once decided: statements that would find
        #: nobody are not run, each being a pass over the whole sync.
        self._decisions: dict[str, int] = {}
        #: Whether a complete sync found active local users it did not see (None: not counted).
        self._anyone_unseen: bool | None = None
        self._relinks = False  # whether someone staged is re-linked to a local record
        self._active_before: int | None = None

    # --- deciding --------------------------------------------------------------------------

    def decide(self, unstaged_skips: int = 0) -> Decided:
        """Find shared usernames, give each staged user its decision and count them.

        ``unstaged_skips`` are records skipped without a row (no sourcedId at all).
        """
        seal(self.connection)
        fingerprints.settle(self.connection)
        self._relinks = find_relinks(self.connection)
        complete_partial_users(self.connection)
        self._find_shared_usernames()
        self.connection.execute(update(staged).values(decision=DECISION))
        # A candidate skipped as a duplicate keeps its old record, username included; one more
        # candidate wanting that username must then be skipped too, and so on down the chain.
        while self._add_usernames_kept_by_duplicates():
            self.connection.execute(update(staged).values(decision=DECISION))
        by_decision = dict(
            self.connection.execute(select(_s.decision, func.count()).group_by(_s.decision)).all()
        )
        self._decisions = by_decision
        reasons = dict(
            self.connection.execute(
                select(_skip_reason(), func.count())
                .where(_s.decision.in_(("skip", "duplicate")))
                .group_by(_skip_reason())
            ).all()
        )
        if unstaged_skips:
            reasons["invalid_record"] = reasons.get("invalid_record", 0) + unstaged_skips
        seen, seen_active = fingerprints.seen_counts(self.connection)
        unseen = self._count(self._unseen()) if self._maybe_unseen(seen_active) else 0
        self._anyone_unseen = unseen > 0
        deactivated = by_decision.get("deactivate", 0) + unseen
        counts = RunCounts(
            added=by_decision.get("insert", 0),
            updated=by_decision.get("update", 0),
            deactivated=deactivated,
            unchanged=by_decision.get("unchanged", 0) + seen,
            skipped=sum(reasons.values()),
            relinked=relinked_count(self.connection) if self._relinks else 0,
        )
        return Decided(counts, reasons, self._site_counts())

    def deactivated_ids(self) -> list[str]:
        """Everyone this sync would deactivate (what the safety limit shows)."""
        listed = select(_s.sourced_id).where(_s.decision == "deactivate")
        unseen = select(_u.sourced_id).where(self._unseen())
        return list(self.connection.scalars(listed.union_all(unseen)))

    def active_before(self) -> int:
        """How many local users are active before this sync writes (counted once: a pass over
        the directory's active users, a sixth of a second at a million)."""
        if self._active_before is None:
            self._active_before = self._count(_u.active.is_(true()))
        return self._active_before

    # --- writing ---------------------------------------------------------------------------

    def write(
        self,
        run_id: int,
        now: datetime,
        progress: Callable[[int], None],
        *,
        story_kept_since: datetime | None = None,
    ) -> None:
        """Apply every decision and record the skips and each person's story, forgetting the
        story's entries older than ``story_kept_since``; ``progress(rows written so far)``."""
        story = StoryWriter(self.connection, run_id)
        if story_kept_since is not None:
            story.prune(story_kept_since)
        if self._relinks:
            rekey_directory(self.connection, run_id)
        fingerprints.remember(
            self.connection,
            forget_all=self._relinks,
            written=any(map(self._made, fingerprints.WRITES)),
            gone=self._unseen() if self._anyone_unseen else None,
        )
        story.record(
            self._decisions, self._unseen(), _skip_reason(), _skip_detail(), _display_name()
        )
        done = 0
        steps = (
            (self._insert, self._made("insert")),
            (self._update, self._made("update")),
            (self._deactivate, self._deactivates()),
        )
        for step, needed in steps:
            done += step(now) if needed else 0
            progress(done)
        self.record_skips(run_id)

    def record_skips(self, run_id: int) -> None:
        reason, detail = _skip_reason(), _skip_detail()
        chosen = (
            select(literal(run_id, Integer), _s.sourced_id, _display_name(), reason, detail)
            .where(_s.decision.in_(("skip", "duplicate")))
            .order_by(_s.seq)
        )
        self.connection.execute(
            insert(skips).from_select(["run_id", "sourced_id", "name", "reason", "detail"], chosen)
        )

    def _insert(self, now: datetime) -> int:
        columns = [
            *("sourced_id", "username", "username_key", "given_name", "family_name", "email"),
            "role",
        ]
        chosen = select(
            *(_s[name] for name in columns),
            _s.site_id,
            true(),
            literal(now),
            literal(now),
        ).where(_s.decision == "insert")
        names = [*columns, "site_id", "active", "created_at", "updated_at"]
        empty = self.connection.scalar(select(_u.sourced_id).limit(1)) is None
        with built_after(self.connection, _BY_USERNAME, table_empty=empty):
            return self.connection.execute(
                insert(users).from_select(names, in_id_order(chosen, _s.sourced_id))
            ).rowcount

    def _update(self, now: datetime) -> int:
        statement = (
            update(users)
            .where(_u.sourced_id == _s.sourced_id, _s.decision == "update")
            .values(
                username=_s.username,
                username_key=_s.username_key,
                given_name=_s.given_name,
                family_name=_s.family_name,
                email=_s.email,
                role=_s.role,
                site_id=_s.site_id,
                active=True,
                updated_at=now,
            )
        )
        return self.connection.execute(statement).rowcount

    def _deactivate(self, now: datetime) -> int:
        statement = update(users).where(self._leaving()).values(active=False, updated_at=now)
        return self.connection.execute(statement).rowcount

    # --- helpers ---------------------------------------------------------------------------

    def _find_shared_usernames(self) -> None:
        counted = (
            select(_s.username_key, func.count().label("sharers"))
            .where(_s.outcome == "candidate")
            .group_by(_s.username_key)
        )
        shared = dict(self.connection.execute(counted.having(func.count() > 1)).all())
        for key in self._usernames_kept_by_others():
            shared[key] = shared.get(key, 1) + 1
        if shared:
            self.connection.execute(
                insert(shared_usernames),
                [{"username_key": key, "sharers": n} for key, n in shared.items()],
            )

    def _add_usernames_kept_by_duplicates(self) -> bool:
        """Share the old usernames of active users now skipped as duplicates; any new?"""
        # Usually nobody: then the sync's usernames need not be read at all.
        held_keys = self._local_usernames_of(_s.decision == literal_column("'duplicate'"))
        if not held_keys:
            return False
        known = set(self.connection.scalars(select(shared_usernames.c.username_key)))
        wanted = select(_s.username_key).where(_s.decision.in_(("insert", "update", "unchanged")))
        new = held_keys.intersection(self._stream(wanted)) - known
        if new:
            self.connection.execute(
                insert(shared_usernames), [{"username_key": key, "sharers": 2} for key in new]
            )
        return bool(new)

    def _usernames_kept_by_others(self) -> set[str]:
        """Keys of this sync's candidates that an active local user keeps through this sync.

        Those are users an incomplete sync (a delta) did not fetch, and users this sync skips
        while leaving their record as it is (no username, a role not synced, an unreadable one).
        """
        kept_as_is_here = _s.outcome.in_(_KEEPS_THE_RECORD)
        if not self.complete:
            # A delta has few candidates: their keys are held by SQLite while it reads the
            # local users past them, all in SQL.
            kept_as_is = exists().where(_any_record, kept_as_is_here)
            candidates = select(_s.username_key).where(_s.outcome == "candidate")
            shared = (
                select(_u.username_key)
                .distinct()
                .where(
                    _u.active.is_(true()),
                    _u.username_key.in_(candidates),
                    or_(not_(exists().where(_any_record)), kept_as_is),
                )
            )
            return set(self.connection.scalars(shared))
        # A full sync has few holders (users it skips, their records kept): they are read, and
        # the candidates streamed past them only when there are any.
        keys = self._local_usernames_of(kept_as_is_here)
        if not keys:
            return set()
        candidates = select(_s.username_key).where(_s.outcome == "candidate").distinct()
        return keys.intersection(self._stream(candidates))

    def _local_usernames_of(self, chosen: ColumnElement[bool]) -> set[str]:
        """The username keys of the active local users whose staged rows are ``chosen``.

        Few rows are chosen, so the sync is scanned and each chosen row's local record looked
        up, rather than every active local user looked up in the sync (the planner's choice,
        were this a join).
        """
        key = select(_u.username_key).where(_any_record, _u.active.is_(true())).scalar_subquery()
        # Distinct: most chosen rows have no active record (a night's thousands of skipped
        # people), and fetching each one's None costs more than looking it up.
        return set(self.connection.scalars(select(key).where(chosen).distinct())) - {None}

    def _stream(self, statement: Select[tuple[str]]) -> Iterator[str]:
        # The option goes on the statement, since a connection keeps its options.
        return iter(self.connection.scalars(statement.execution_options(yield_per=5000)))

    def _made(self, decision: str) -> bool:
        """Whether some staged user got ``decision``."""
        return self._decisions.get(decision, 0) > 0

    def _deactivates(self) -> bool:
        return self._made("deactivate") or bool(self._anyone_unseen)

    def _unseen(self) -> ColumnElement[bool]:
        """Active local users a complete sync did not see at all (nothing, otherwise)."""
        if not self.complete or self._anyone_unseen is False:
            return false()
        return and_(
            _u.active.is_(true()),
            not_(exists().where(_any_record)),
            fingerprints.not_seen(_u.sourced_id),
        )

    def _maybe_unseen(self, seen_active: int) -> bool:
        """Whether a complete sync may have missed an active local user: more of them than
        those it staged and the ``seen_active`` it saw unchanged and leaves active — counted,
        rather than a pass looking each active user up in the sync."""
        active = self.active_before() if self.complete else 0
        if active <= seen_active:
            return False  # a delta, a first sync, or everyone active seen unchanged
        staged_active = self.connection.scalar(select(func.count()).where(_active_record))
        return active > staged_active + seen_active

    def _leaving(self) -> ColumnElement[bool]:
        """The local users this sync deactivates. Only a complete sync has unseen ones to add,
        and it alone pays for a scan of the directory to find them (once decided)."""
        listed = _u.sourced_id.in_(select(_s.sourced_id).where(_s.decision == "deactivate"))
        return or_(listed, self._unseen()) if self._anyone_unseen else listed

    def _count(self, condition: ColumnElement[bool]) -> int:
        return self.connection.scalar(select(func.count()).select_from(users).where(condition))

    def _site_counts(self) -> dict[int, tuple[int, int, int]]:
        per_site: dict[int, list[int]] = {}
        if self._made("insert") or self._made("update"):
            changed = (
                select(_s.site_id, _s.decision, func.count())
                .where(_s.decision.in_(("insert", "update")))
                .group_by(_s.site_id, _s.decision)
            )
            for site_id, decision, count in self.connection.execute(changed):
                per_site.setdefault(site_id, [0, 0, 0])[0 if decision == "insert" else 1] += count
        if self._deactivates():
            leaving = select(_u.site_id, func.count()).where(self._leaving()).group_by(_u.site_id)
            for site_id, count in self.connection.execute(leaving):
                per_site.setdefault(site_id, [0, 0, 0])[2] += count
        return {site: (a, u, d) for site, (a, u, d) in per_site.items()}


def _display_name() -> ColumnElement[str]:
    """The person's name for the history, or their sourcedId when the record has none."""
    full_name = func.trim(_s.given_name + literal(" ") + _s.family_name)
    return func.coalesce(func.nullif(full_name, ""), _s.sourced_id)


def _skip_detail() -> ColumnElement[str]:
    sharers = (
        select(shared_usernames.c.sharers)
        .where(shared_usernames.c.username_key == _s.username_key)
        .scalar_subquery()
    )
    shared = (
        literal("'")
        + _s.username
        + literal("' is shared by ")
        + cast(sharers, String)
        + literal(" users")
    )
    return case((_s.decision == "duplicate", shared), else_=_s.detail)


def _skip_reason() -> ColumnElement[str]:
    # Literal SQL, not bound values: PostgreSQL must see the same expression in SELECT and in
    # GROUP BY, and two bound parameters are two different expressions to it.
    duplicate = _s.decision == literal_column("'duplicate'")
    return case((duplicate, literal_column("'duplicate_username'")), else_=_s.outcome)
