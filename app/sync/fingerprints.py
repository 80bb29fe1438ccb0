"""Knowing a provider's record unchanged without parsing it: a fingerprint of its bytes.

Most of a district is the same from one night to the next, and parsing and checking a record
costs more than receiving it. So the directory keeps, for each person a sync left exactly as
their record said, the fingerprint of that record (``record_fingerprints``): a hash of its
bytes as sent, seeded with everything else the record's staged row depends on (the
school mapping, the username field, the rules). The next sync hashes each record it receives;
one whose fingerprint is kept is passed over as "seen, unchanged" (the ``seen`` staging table),
and only the others are parsed and staged.

A kept fingerprint says the directory holds the person as that record stages them: an active
record with its fields (a candidate) or an inactive one (leaving). So every write of a person
forgets their fingerprints (:func:`remember`, in the sync's transaction); a seen person the
general rules must weigh again (one whose username a changed user now wants, one sent twice)
is staged from their directory record (:func:`settle`), which is what their record stages as.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array
from collections.abc import Mapping
from typing import Final

import msgspec
from sqlalchemy import (
    Text,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from xxhash import xxh3_64_intdigest

from app.oneroster.client import KnownKind
from app.oneroster.records import UsernameField
from app.store.indexes import built_after, named
from app.store.models import DirectoryUser, RecordFingerprint
from app.sync.stage import conflict_aware_insert, seen, staged

#: Raise when parsing or the record-level checks (app.oneroster.records, app.sync.plan) change
#: what a record stages as, or the hash changes: every kept fingerprint then stops matching.
#: (2: XXH3 instead of BLAKE2b.)
RULES: Final = 2

fingerprints = RecordFingerprint.__table__
_BY_PERSON = named(fingerprints, "ix_record_fingerprints_sourced_id")
users = DirectoryUser.__table__
_f, _s, _u, _seen = fingerprints.c, staged.c, users.c, seen.c


class UnchangedRecords:
    """The fingerprints the directory keeps, for the client to pass over (a
    :class:`app.oneroster.client.KnownRecords`): eight bytes each, sorted, in memory, those of
    people kept as their records say (``unchanged``) apart from those of people skipped for a
    reason their record alone gives (``skipped``), so each page's two kinds go to the
    staging tables apart and each is looked up once (app.sync.stage).

    The hash is XXH3 (64 bits) seeded with the context key: a tenth of keyed BLAKE2b's time per
    record, which at a million records a night is a second of the sync's busiest thread. It
    tells changes apart, it does not stand against forgery: a provider able to forge a record
    can as well send the record it wants.
    """

    def __init__(
        self, key: bytes, unchanged: array[int], skipped: array[int] | None = None
    ) -> None:
        self._seed = int.from_bytes(key[:8], "little")
        self._unchanged = unchanged
        self._skipped = skipped if skipped is not None else array("q")

    @classmethod
    def load(
        cls, connection: Connection, mapping: Mapping[str, int], username_field: UsernameField
    ) -> UnchangedRecords:
        kinds = []
        for outcomes in (_UNCHANGED, KEPT_SKIPS):
            kept: array[int] = array("q")
            while chunk := _kept_after(connection, outcomes, kept[-1] if kept else None):
                kept.extend(chunk)
            kinds.append(kept)
        return cls(context_key(mapping, username_field), *kinds)

    def fingerprint(self, record: bytes) -> int:
        # As a signed 64-bit number, as the database's BIGINT and the array("q") hold it.
        return (xxh3_64_intdigest(record, self._seed) ^ _SIGN) - _SIGN

    def kind(self, fingerprint: int) -> KnownKind | None:
        """Whether the record is kept ``unchanged``, kept ``skipped``, or not kept (None)."""
        if _holds(self._unchanged, fingerprint):
            return "unchanged"
        if _holds(self._skipped, fingerprint):
            return "skipped"
        return None


def _holds(kept: array[int], fingerprint: int) -> bool:
    at = bisect.bisect_left(kept, fingerprint)
    return at < len(kept) and kept[at] == fingerprint


_SIGN: Final = 1 << 63
_LOAD_CHUNK: Final = 100_000
_AS_JSON_ARRAY: Final = {"sqlite": func.json_group_array, "postgresql": func.json_agg}


def _kept_after(connection: Connection, outcomes: tuple[str, ...], after: int | None) -> list[int]:
    """The next fingerprints kept with ``outcomes`` after ``after``, in order, read as one JSON
    array: a row each, through SQLAlchemy, takes three times as long (at a million, a third of
    a second more). A chunk at a time, the text of a million never sits in memory at once."""
    chunk = (
        select(_f.fingerprint)
        .where(_f.outcome.in_(outcomes))
        .order_by(_f.fingerprint)
        .limit(_LOAD_CHUNK)
    )
    if after is not None:
        chunk = chunk.where(_f.fingerprint > after)
    column = chunk.subquery().c.fingerprint
    as_json = _AS_JSON_ARRAY[connection.dialect.name](column)
    text = connection.scalar(select(cast(as_json, Text)))
    kept = msgspec.json.decode(text, type=list[int]) if text else []
    kept.sort()  # an aggregate's order is the database's choice (almost free: sorted already)
    return kept


def context_key(mapping: Mapping[str, int], username_field: UsernameField) -> bytes:
    """What a record's staged row depends on besides its bytes, as the hash's key."""
    context = msgspec.json.encode([RULES, username_field, sorted(mapping.items())])
    return hashlib.blake2b(context, digest_size=32).digest()


# --- before deciding ---------------------------------------------------------------------------


def settle(connection: Connection) -> None:
    """Stage the seen people the general rules must weigh, as their directory records say.

    Those are a person also staged from another record (the provider's list changed while it was
    read; the one sent last counts) and a person whose username a staged user wants. Usually
    nobody: each is looked for once before anything is moved.
    """
    if connection.scalar(select(_seen.sourced_id).limit(1)) is None:
        return  # nobody seen unchanged (a first sync, a delta)
    also_staged = _seen.sourced_id.in_(select(_s.sourced_id))
    overlap = select(_s.sourced_id).join_from(staged, seen, _seen.sourced_id == _s.sourced_id)
    if connection.scalar(overlap.limit(1)) is not None:
        later = select(_s.seq).where(_s.sourced_id == _seen.sourced_id).scalar_subquery()
        _stage_from_directory(connection, and_(also_staged, later < _seen.seq))
        connection.execute(delete(seen).where(also_staged))
    wanted = select(_s.username_key).where(_s.outcome == "candidate")
    if connection.scalar(wanted.limit(1)) is None:
        return
    holders = select(_u.sourced_id).where(_u.active.is_(True), _u.username_key.in_(wanted))
    held = _seen.sourced_id.in_(holders)
    if _stage_from_directory(connection, and_(_seen.leaving.is_(False), held)):
        connection.execute(delete(seen).where(held))


def _stage_from_directory(connection: Connection, chosen: ColumnElement[bool]) -> int:
    leaving = _seen.leaving.is_(True)

    def unless_leaving(column: ColumnElement[object], instead: object = None) -> object:
        return case((leaving, instead if instead is not None else null()), else_=column)

    row = (
        select(
            _u.sourced_id,
            case((leaving, literal("leaving")), else_=literal("candidate")),
            _u.given_name,
            _u.family_name,
            literal(""),
            unless_leaving(_u.username),
            unless_leaving(_u.username_key),
            unless_leaving(_u.email),
            unless_leaving(_u.role, literal("")),
            unless_leaving(_u.site_id),
            literal(""),
            _seen.seq,
            _seen.fingerprint,
        )
        .join_from(seen, users, _u.sourced_id == _seen.sourced_id)
        .where(chosen)
    )
    names = [
        *("sourced_id", "outcome", "given_name", "family_name", "detail", "username"),
        *("username_key", "email", "role", "site_id", "keeps", "seq", "fingerprint"),
    ]
    statement = conflict_aware_insert(connection)(staged).from_select(names, row)
    replaced = statement.on_conflict_do_update(
        index_elements=[_s.sourced_id],
        set_={name: statement.excluded[name] for name in names if name != "sourced_id"},
    )
    return connection.execute(replaced).rowcount


def seen_counts(connection: Connection) -> tuple[int, int]:
    """How many people this sync saw unchanged, and how many of them it leaves active."""
    active = func.coalesce(func.sum(case((_seen.leaving.is_(False), 1), else_=0)), 0)
    everyone, left_active = connection.execute(select(func.count(), active).select_from(seen)).one()
    return everyone, left_active


def not_seen(user_id: ColumnElement[str]) -> ColumnElement[bool]:
    return ~exists().where(_seen.sourced_id == user_id)


# --- once decided ----------------------------------------------------------------------------


#: Skips whose whole staged row a fingerprint keeps: such a person is staged unparsed.
KEPT_SKIPS: Final = ("not_synced_role", "unmapped_school", "no_username")
#: The outcomes of people a fingerprint keeps as the directory holds them: seen, not staged.
_UNCHANGED: Final = ("candidate", "leaving")
_KEPT_ROW: Final = (_s.given_name, _s.family_name, _s.detail, _s.legacy_id)

#: The decisions that write a staged person's directory record.
WRITES: Final = ("insert", "update", "deactivate")


def remember(
    connection: Connection,
    *,
    forget_all: bool,
    written: bool,
    gone: ColumnElement[bool] | None,
) -> None:
    """Keep the fingerprints of the people this sync leaves exactly as their records said, and
    forget those of everyone else whose record it writes: the staged ones it adds, updates or
    deactivates (``written``: there are some) and the local users ``gone`` picks (deactivated
    unseen); a person it parsed keeps only the new fingerprint. ``forget_all``: the directory's
    ids change (a re-link). A delta's records come without fingerprints (app.sync.engine), so it
    keeps none: the next full sync does.

    Into an empty table (a first sync), the fingerprints go in before their index by person.
    """
    empty = connection.scalar(select(_f.fingerprint).limit(1)) is None
    if forget_all and not empty:
        connection.execute(delete(fingerprints))
        empty = True
    if not empty:
        # A person parsed this time (their record's fingerprint was not kept) leaves their old
        # fingerprints behind: stale once the mapping, username field or rules change, and a
        # whole district's worth at each such change if kept.
        parsed = _s.fingerprint.is_not(None)
        replaced = or_(_s.decision.in_(WRITES), parsed) if written else parsed
        stale = select(_s.sourced_id).where(replaced)
        connection.execute(delete(fingerprints).where(_f.sourced_id.in_(stale)))
    if gone is not None and not empty:
        connection.execute(
            delete(fingerprints).where(_f.sourced_id.in_(select(_u.sourced_id).where(gone)))
        )
    as_recorded = or_(
        and_(_s.outcome == "candidate", _s.decision.in_(("insert", "update", "unchanged"))),
        _s.outcome.in_(("leaving", *KEPT_SKIPS)),
    )
    skipped = _s.outcome.in_(KEPT_SKIPS)
    kept_row = [case((skipped, column), else_=null()) for column in _KEPT_ROW]
    chosen = (
        select(_s.fingerprint, _s.sourced_id, _s.outcome, *kept_row)
        .where(_s.fingerprint.is_not(None), as_recorded)
        .order_by(_s.fingerprint)
    )
    names = ["fingerprint", "sourced_id", "outcome", *(column.name for column in _KEPT_ROW)]
    statement = conflict_aware_insert(connection)(fingerprints).from_select(names, chosen)
    with built_after(connection, _BY_PERSON, table_empty=empty):
        connection.execute(statement.on_conflict_do_nothing())
