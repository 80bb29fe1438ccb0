"""Re-linking (PRODUCT.md "Re-linking"): when Infinite Campus moves a connection from OneRoster
1.1 to 1.2, every sourcedId changes, and each 1.2 record names the person's 1.1 id in
``metadata.ic.legacysourceId`` (without 1.1's one-letter role prefix). A staged user whose
sourcedId is new to the directory, and whose legacy id is a local user's sourcedId as it is or
after its one-letter prefix, is that local user.

:func:`find_relinks` marks them in the staging table before the decisions are made: the row
takes the local record's sourcedId (so every rule sees the person's own record, and nobody is
deactivated as gone) and keeps its own in ``new_id``. Only a real sync that updates or
deactivates the person writes the new id into the directory and the story
(:func:`rekey_directory`); a dry run writes nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    not_,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from app.store.models import DirectoryUser, PersonChange, PersonChangeField
from app.sync.fingerprints import not_seen
from app.sync.stage import staged

users = DirectoryUser.__table__
_s, _u = staged.c, users.c
#: Decisions that write the person's record, and so its new sourcedId.
REKEYED = ("update", "deactivate")

_metadata = MetaData()
#: Each local user no staged row names, under the keys a legacy id may match: its sourcedId,
#: and its sourcedId without a one-letter prefix.
_legacy_keys = Table(
    "rostersync_legacy_keys",
    _metadata,
    Column("legacy_key", String, index=True),
    Column("sourced_id", String),
    prefixes=["TEMPORARY"],
)


def find_relinks(connection: Connection) -> bool:
    """Mark the staged users that are local users under their 1.1 id (counted once decided, by
    :func:`relinked_count`); whether there were any."""
    newcomer = _newcomer_with_legacy_id()
    if connection.scalar(select(_s.sourced_id).where(newcomer).limit(1)) is None:
        return False  # the usual sync: everyone with a legacy id is already known by their own id
    _legacy_keys.drop(connection, checkfirst=True)
    _legacy_keys.create(connection)
    try:
        _collect_unseen_keys(connection)
        candidates = connection.execute(
            select(_s.sourced_id, _legacy_keys.c.sourced_id)
            .join(_legacy_keys, _legacy_keys.c.legacy_key == _s.legacy_id)
            .join(users, _u.sourced_id == _legacy_keys.c.sourced_id)
            .where(newcomer)
            # An active record first, then the one changed last, then by id.
            .order_by(_s.sourced_id, _u.active.desc(), _u.updated_at.desc(), _u.sourced_id)
        ).all()
    finally:
        _legacy_keys.drop(connection)
    pairs: dict[str, str] = {}
    taken: set[str] = set()
    for new_id, old_id in candidates:
        if new_id not in pairs and old_id not in taken:
            pairs[new_id] = old_id
            taken.add(old_id)
    if pairs:
        connection.execute(
            update(staged)
            .where(_s.sourced_id == bindparam("new"))
            .values(sourced_id=bindparam("old"), new_id=bindparam("new")),
            [{"new": new, "old": old} for new, old in pairs.items()],
        )
    return bool(pairs)


def _newcomer_with_legacy_id() -> ColumnElement[bool]:
    local = users.alias("local")
    known = exists().where(local.c.sourced_id == _s.sourced_id)
    return _s.legacy_id.is_not(None) & not_(known)


def _collect_unseen_keys(connection: Connection) -> None:
    unseen = and_(not_(exists().where(_s.sourced_id == _u.sourced_id)), not_seen(_u.sourced_id))
    first = func.substr(_u.sourced_id, 1, 1)
    as_is = select(_u.sourced_id, _u.sourced_id).where(unseen)
    unprefixed = select(func.substr(_u.sourced_id, 2), _u.sourced_id).where(
        unseen, func.lower(first) != func.upper(first), func.length(_u.sourced_id) > 1
    )
    connection.execute(
        insert(_legacy_keys).from_select(["legacy_key", "sourced_id"], union_all(as_is, unprefixed))
    )


def relinked_count(connection: Connection) -> int:
    """Users this sync re-links: marked, and updated or deactivated."""
    chosen = select(func.count()).where(_s.new_id.is_not(None), _s.decision.in_(REKEYED))
    return connection.scalar(chosen) or 0


def rekey_directory(connection: Connection, run_id: int) -> None:
    """Give re-linked users their new sourcedId in the directory and in their story, and note
    the change of id in this sync's story; then stage them under it too."""
    relinked = select(_s.sourced_id, _s.new_id).where(
        _s.new_id.is_not(None), _s.decision.in_(REKEYED)
    )
    pairs = [{"old": old, "new": new} for old, new in connection.execute(relinked)]
    if not pairs:
        return
    fields = PersonChangeField.__table__
    connection.execute(
        insert(fields).from_select(
            ["run_id", "sourced_id", "field", "old_value", "new_value"],
            select(
                literal(run_id), _s.new_id, literal("sourcedId"), _s.sourced_id, _s.new_id
            ).where(_s.new_id.is_not(None), _s.decision == "update"),
        )
    )
    for table in (users, PersonChange.__table__, fields):
        connection.execute(
            update(table)
            .where(table.c.sourced_id == bindparam("old"))
            .values(sourced_id=bindparam("new")),
            pairs,
        )
    connection.execute(
        update(staged)
        .where(_s.sourced_id == bindparam("old"))
        .values(sourced_id=bindparam("new"), new_id=None),
        pairs,
    )
