"""The staging area of one sync: a temporary table the downloaded users flow into, page by page.

It lives in the sync's own database connection and transaction (SQLite's temporary database,
or a PostgreSQL temporary table), so nothing of it is ever seen by anyone else, it costs no
memory however many users there are, and a sync that fails leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import Insert

from app.sync.plan import StagedUser

_metadata = MetaData()

#: One row per provider user of this sync (a user sent twice counts once, as last sent). The
#: first columns are :class:`StagedUser`'s, in its order.
staged = Table(
    "rostersync_staged_users",
    _metadata,
    Column("sourced_id", String, primary_key=True),
    Column("outcome", String(20), nullable=False),
    Column("given_name", String, nullable=False),
    Column("family_name", String, nullable=False),
    Column("detail", Text, nullable=False),
    Column("username", String),
    Column("username_key", String),
    Column("email", String),
    Column("role", String(40)),
    Column("site_id", Integer),
    Column("seq", Integer, nullable=False),  # arrival order, for the history's skip list
    Column("decision", String(20)),  # set by placement
    prefixes=["TEMPORARY"],
)
_STAGED_FIELDS = [*StagedUser._fields, "seq"]
_NOT_UNICODE = "the record has text that is not valid Unicode"

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
        self._replace, self._keep = _upserts(connection.dialect)

    def add(self, users: Sequence[StagedUser]) -> list[str]:
        """Stage one page of users; the reasons of any record that cannot be stored at all."""
        start, self._seq = self._seq, self._seq + len(users)
        rows = [(*user, start + n) for n, user in enumerate(users)]
        try:
            self._insert(rows)
        except UnicodeEncodeError:  # rare: text that is not valid Unicode (a lone surrogate)
            return self._insert_readable_text(rows)
        return []

    def _insert(self, rows: list[tuple[object, ...]]) -> None:
        readable = [row for row in rows if row[1] != "invalid_record"]
        unreadable = [row for row in rows if row[1] == "invalid_record"]
        for statement, chosen in ((self._replace, readable), (self._keep, unreadable)):
            if not chosen:
                continue
            if isinstance(statement, str):
                self.connection.exec_driver_sql(statement, chosen)
            else:
                named = [dict(zip(_STAGED_FIELDS, row, strict=True)) for row in chosen]
                self.connection.execute(statement, named)

    def _insert_readable_text(self, rows: list[tuple[object, ...]]) -> list[str]:
        """Stage the page again, a record whose text cannot be stored as an invalid record."""
        kept: list[tuple[object, ...]] = []
        lost: list[str] = []
        for row in rows:
            if _storable(row):
                kept.append(row)
            elif _storable(row[:1]):
                invalid = StagedUser(str(row[0]), "invalid_record", "", "", _NOT_UNICODE)
                kept.append((*invalid, row[-1]))
            else:
                lost.append(_NOT_UNICODE)
        self._insert(kept)  # rows stored before the failure are replaced, not doubled
        return lost

    def drop(self) -> None:
        for table in reversed(_TABLES):
            table.drop(self.connection, checkfirst=True)


def _storable(row: tuple[object, ...]) -> bool:
    try:
        for value in row:
            if isinstance(value, str):
                value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _upserts(dialect: Dialect) -> tuple[str | Insert, str | Insert]:
    """The statements that stage a readable and an unreadable user.

    A user sent again (data changing between pages) counts once, as last sent; but an unreadable
    copy never replaces a readable one. For SQLite they go to the driver as SQL text, a page of
    rows per call, sparing SQLAlchemy's work for each row; elsewhere SQLAlchemy turns a page
    into a few multi-row INSERTs, far fewer round trips to a server.
    """
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    statement = insert(staged).values({name: bindparam(name) for name in _STAGED_FIELDS})
    replace = statement.on_conflict_do_update(
        index_elements=[staged.c.sourced_id],
        set_={name: statement.excluded[name] for name in StagedUser._fields},
    )
    keep = statement.on_conflict_do_nothing(index_elements=[staged.c.sourced_id])
    if dialect.name != "sqlite":
        return replace, keep
    texts = []
    for chosen in (replace, keep):
        compiled = chosen.compile(dialect=dialect)
        assert list(compiled.positiontup or []) == _STAGED_FIELDS  # rows are tuples in this order
        texts.append(str(compiled))
    return texts[0], texts[1]
