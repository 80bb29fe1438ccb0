"""The staging area of one sync: a temporary table the downloaded users flow into, page by page.

It lives in the sync's own database connection and transaction (SQLite's temporary database,
or a PostgreSQL temporary table), so nothing of it is ever seen by anyone else, it costs no
memory however many users there are, and a sync that fails leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from app.sync.plan import StagedUser

_metadata = MetaData()

#: One row per provider user of this sync (a user sent twice counts once, as last sent).
staged = Table(
    "rostersync_staged_users",
    _metadata,
    Column("sourced_id", String, primary_key=True),
    Column("seq", Integer, nullable=False),  # arrival order, for the history's skip list
    Column("outcome", String(20), nullable=False),
    Column("decision", String(20)),  # set by placement
    Column("name", String, nullable=False),
    Column("detail", Text, nullable=False),
    Column("username", String),
    Column("username_key", String, index=True),
    Column("given_name", String),
    Column("family_name", String),
    Column("email", String),
    Column("role", String(40)),
    Column("site_id", Integer),
    prefixes=["TEMPORARY"],
)

#: Usernames shared by more than one user of this sync (or by a user it did not fetch).
shared_usernames = Table(
    "rostersync_shared_usernames",
    _metadata,
    Column("username_key", String, primary_key=True),
    Column("sharers", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)

_TABLES = (staged, shared_usernames)


class StagingTable:
    """Creates the staging tables on ``connection`` and fills them; :meth:`drop` at the end."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._seq = 0
        self.drop()  # a table left by a crashed sync on a pooled connection
        for table in _TABLES:
            table.create(connection)
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        statement = insert(staged)
        # A user sent again (data changing between pages) counts once, as last sent...
        self._replace = statement.on_conflict_do_update(
            index_elements=[staged.c.sourced_id],
            set_={c.name: statement.excluded[c.name] for c in staged.columns if c.name != "seq"},
        )
        # ...but an unreadable copy never replaces a readable one.
        self._keep = statement.on_conflict_do_nothing(index_elements=[staged.c.sourced_id])

    def add(self, users: Sequence[StagedUser]) -> None:
        readable = [self._row(user) for user in users if user.outcome != "invalid_record"]
        unreadable = [self._row(user) for user in users if user.outcome == "invalid_record"]
        if readable:
            self.connection.execute(self._replace, readable)
        if unreadable:
            self.connection.execute(self._keep, unreadable)

    def drop(self) -> None:
        for table in reversed(_TABLES):
            table.drop(self.connection, checkfirst=True)

    def _row(self, user: StagedUser) -> dict[str, Any]:
        self._seq += 1
        return {
            "sourced_id": user.sourced_id,
            "seq": self._seq,
            "outcome": user.outcome,
            "decision": None,
            "name": user.name[:255],
            "detail": user.detail,
            "username": user.username,
            "username_key": user.username_key,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
            "role": user.role,
            "site_id": user.site_id,
        }
