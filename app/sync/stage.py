"""The staging area of one sync: a temporary table the downloaded users flow into, page by page.

It lives in the sync's own database connection and transaction (SQLite's temporary database,
or a PostgreSQL temporary table), so nothing of it is ever seen by anyone else, it costs no
memory however many users there are, and a sync that fails leaves nothing behind.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, Final

import msgspec
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement, TextClause

from app.store.models import RecordFingerprint
from app.store.text import REPLACEMENT, storable_text
from app.sync.plan import StagedUser

log = logging.getLogger(__name__)

_metadata = MetaData()

#: One row per provider user of this sync, once sealed (:func:`seal`); until then, one per
#: record received. The first columns are :class:`StagedUser`'s, in its order.
staged = Table(
    "rostersync_staged_users",
    _metadata,
    Column("sourced_id", String, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("given_name", String, nullable=False),
    Column("family_name", String, nullable=False),
    Column("detail", Text, nullable=False),
    Column("username", String),
    Column("username_key", String),
    Column("email", String),
    Column("role", String(40)),
    Column("site_id", Integer),
    Column("legacy_id", String),
    Column("keeps", String(10), nullable=False),
    Column("fingerprint", BigInteger),
    Column("seq", Integer, nullable=False),  # arrival order, for the history's skip list
    Column("decision", String(20)),  # set by placement
    # Set by re-linking: the user's own sourcedId, when ``sourced_id`` is that of the local
    # record it re-links to.
    Column("new_id", String),
    prefixes=["TEMPORARY"],
)
_STAGED_FIELDS = [*StagedUser._fields, "seq"]

#: Usernames shared by more than one user of this sync (or by a user it did not fetch).
shared_usernames = Table(
    "rostersync_shared_usernames",
    _metadata,
    Column("username_key", String, primary_key=True),
    Column("sharers", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)

#: The people this sync received unchanged, known by their records' fingerprints and not
#: parsed (app.sync.fingerprints): their directory records stand as they are. One row per
#: person once sealed.
seen = Table(
    "rostersync_seen_users",
    _metadata,
    Column("sourced_id", String, nullable=False),
    Column("leaving", Boolean, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("fingerprint", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)

#: People whose records came more than once (the provider's list changed while it was read):
#: the arrival of each one's first record, and that of the row they keep.
sent_twice = Table(
    "rostersync_sent_twice",
    _metadata,
    Column("sourced_id", String, primary_key=True),
    Column("kept", Integer, nullable=False),
    Column("first", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)

_TABLES = (staged, shared_usernames, seen, sent_twice)
#: What makes a table one row per person, built once every record is in: kept up row by row,
#: an index of a million ids in no order (a district's GUIDs) costs a sync seconds.
_BY_PERSON: Final = {
    table: Index(f"{table.name}_by_person", table.c.sourced_id, unique=True)
    for table in (staged, seen)
}


class StagingTable:
    """Creates the staging tables on ``connection`` and fills them; :meth:`drop` at the end."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._seq = 0
        self.drop()  # a table left on a pooled connection by a caller that did not drop it
        for table in _TABLES:
            connection.execute(CreateTable(table))  # its index by person comes with seal()
        self._insert_rows = _insert_statement(connection)

    def add(
        self,
        users: Sequence[StagedUser],
        known: Sequence[int] = (),
        known_skipped: Sequence[int] = (),
    ) -> None:
        """Stage one page of users, then the people of its ``known`` fingerprints as seen and
        those of its ``known_skipped`` ones from their kept rows (after them, each in arrival
        order), in the connection's current transaction."""
        self._add_staged(users)
        for statement, fingerprints in zip(
            _see_statements(self.connection.dialect.name), (known, known_skipped), strict=True
        ):
            _see(self.connection, statement, fingerprints, self._seq)
            self._seq += len(fingerprints)

    def _add_staged(self, users: Sequence[StagedUser]) -> None:
        start, self._seq = self._seq, self._seq + len(users)
        rows = [(*user, start + n) for n, user in enumerate(users)]
        if not rows:
            return
        statement = self._insert_rows
        if isinstance(statement, _RowsAtOnce):
            statement.run(self.connection, rows, self._storable)
        else:
            # pg8000 cannot recover from text it fails to send, so it is made storable first.
            named = [dict(zip(_STAGED_FIELDS, self._storable(row), strict=True)) for row in rows]
            self.connection.execute(statement, named)

    def _storable(self, row: tuple[object, ...]) -> tuple[object, ...]:
        dialect = self.connection.dialect
        fixed = tuple(storable_text(v, dialect) if isinstance(v, str) else v for v in row)
        if fixed != row:
            log.warning(
                "User %s has characters the database cannot hold; they are stored as %r",
                fixed[0],
                REPLACEMENT,
            )
        return fixed

    def drop(self) -> None:
        for table in reversed(_TABLES):
            table.drop(self.connection, checkfirst=True)


#: A page's known fingerprints as rows (``arrived``): the table, each one's position in the
#: list, and its value, in each database's words.
_ARRIVED: Final = {
    "sqlite": ("json_each(:fingerprints) AS arrived", "arrived.key", "arrived.value"),
    "postgresql": (
        "json_array_elements_text(CAST(:fingerprints AS json)) "
        "WITH ORDINALITY AS arrived(value, n)",
        "arrived.n - 1",  # from 0, as SQLite's key: each record's place is its own
        "CAST(arrived.value AS BIGINT)",
    ),
}
#: The kept people behind a page's known fingerprints: those kept unchanged (candidates and
#: leaving people) into ``seen``, those kept skipped staged from their kept rows. Those come
#: without their fingerprints, which are kept already: staged, they would be kept again for
#: nothing. The client tells the two apart (app.sync.fingerprints), so each statement looks up
#: its own fingerprints only; the outcome each checks is a guard.
_SEE: Final = (
    "INSERT INTO {seen} (sourced_id, leaving, seq, fingerprint) "
    "SELECT f.sourced_id, f.outcome = 'leaving', :first + {position}, f.fingerprint "
    "FROM {arrived} JOIN {kept} AS f ON f.fingerprint = {value} "
    "WHERE f.outcome IN ('candidate', 'leaving')"
)
_STAGE_KEPT_SKIPS: Final = (
    "INSERT INTO {staged} (sourced_id, outcome, given_name, family_name, detail, role, "
    "legacy_id, keeps, fingerprint, seq) "
    "SELECT f.sourced_id, f.outcome, f.given_name, f.family_name, f.detail, '', "
    "f.legacy_id, '', NULL, :first + {position} "
    "FROM {arrived} JOIN {kept} AS f ON f.fingerprint = {value} "
    "WHERE f.outcome NOT IN ('candidate', 'leaving')"
)


def _see(
    connection: Connection, statement: TextClause, known: Sequence[int], first_seq: int
) -> None:
    """Note the people of one page's ``known`` fingerprints, arriving from ``first_seq``."""
    if known:
        values = {"fingerprints": msgspec.json.encode(known).decode(), "first": first_seq}
        connection.execute(statement, values)


@functools.cache
def _see_statements(dialect: str) -> tuple[TextClause, ...]:
    """:data:`_SEE` and :data:`_STAGE_KEPT_SKIPS` in ``dialect``'s words, made once: a sync
    runs them for every page."""
    arrived, position, value = _ARRIVED[dialect]
    names = dict(
        seen=seen.name,
        staged=staged.name,
        kept=RecordFingerprint.__tablename__,
        arrived=arrived,
        position=position,
        value=value,
    )
    return tuple(text(statement.format(**names)) for statement in (_SEE, _STAGE_KEPT_SKIPS))


class _RowsAtOnce:
    """A SQLite INSERT given many rows in each statement, as SQL text straight to the driver.

    Given them one at a time, the driver lets go of Python's lock for every row and must win it
    back, against the threads downloading the next pages: a wait of milliseconds per row while
    they parse. Each statement takes as many rows as SQLite allows parameters for.
    """

    def __init__(self, one_row: str, connection: Connection) -> None:
        self._head, self._tail = one_row.split(f" VALUES {_ROW}")
        driver = connection.connection.dbapi_connection
        assert isinstance(driver, sqlite3.Connection)
        self._per_statement = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(
            _STAGED_FIELDS
        )
        self._texts: dict[int, str] = {}

    def run(
        self,
        connection: Connection,
        rows: Sequence[tuple[object, ...]],
        storable: Callable[[tuple[object, ...]], tuple[object, ...]],
    ) -> None:
        for start in range(0, len(rows), self._per_statement):
            chunk = rows[start : start + self._per_statement]
            try:
                self._run(connection, chunk)
            except UnicodeEncodeError:
                # Rare: text no database can hold (a lone surrogate), found as the rows were
                # bound, before any was written. They go again with it replaced, never dropped.
                self._run(connection, [storable(row) for row in chunk])

    def _run(self, connection: Connection, rows: Sequence[tuple[object, ...]]) -> None:
        connection.exec_driver_sql(self._text(len(rows)), tuple(chain.from_iterable(rows)))

    def _text(self, rows: int) -> str:
        text = self._texts.get(rows)
        if text is None:
            text = self._texts[rows] = f"{self._head} VALUES {', '.join([_ROW] * rows)}{self._tail}"
        return text


#: One row's parameters in the compiled INSERT.
_ROW = "(" + ", ".join("?" * len(_STAGED_FIELDS)) + ")"


def conflict_aware_insert(connection: Connection) -> Callable[[Table], Insert]:
    """``insert`` with ON CONFLICT clauses, in the connection's database's dialect."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def _insert_statement(connection: Connection) -> _RowsAtOnce | Insert:
    """The statement that stages a page of users. For SQLite it goes to the driver as SQL text,
    many rows per statement, sparing SQLAlchemy's work for each row; elsewhere SQLAlchemy turns
    a page into a few multi-row INSERTs, far fewer round trips to a server."""
    statement = insert(staged).values({name: bindparam(name) for name in _STAGED_FIELDS})
    if connection.dialect.name != "sqlite":
        return statement
    compiled = statement.compile(dialect=connection.dialect)
    assert list(compiled.positiontup or []) == _STAGED_FIELDS  # rows are tuples in this order
    return _RowsAtOnce(str(compiled), connection)


def in_id_order(chosen: Select[Any], sourced_id: ColumnElement[str]) -> Select[Any]:
    """``chosen`` (staged rows, for a table indexed by sourcedId) sorted by ``sourced_id``.

    A district's GUIDs come in no order; written in theirs, the rows of a million people land
    all over the index (a first sync's directory and story took 13 s instead of 9). Sorted on
    an expression: by the staging table's own index, SQLite would read the rows themselves in
    no order, which costs more than the sort.
    """
    return chosen.order_by(sourced_id.concat(""))


# --- once every record is in ------------------------------------------------------------------


def seal(connection: Connection) -> None:
    """Make each person one row of the staging tables, and index them by person.

    A person whose record came more than once (the provider's list changed while it was read)
    is staged as the last readable copy said, or as the first when none was readable, at the
    place the first arrived; seen unchanged more than once, they count once. Usually nobody:
    the index is built at once, and only when it cannot be are the copies looked for.
    """
    readable_seq = case((staged.c.outcome != "invalid_record", staged.c.seq))
    kept = {
        staged: func.coalesce(func.max(readable_seq), func.min(staged.c.seq)),
        seen: None,  # the first
    }
    for table, index in _BY_PERSON.items():
        try:
            with connection.begin_nested():
                index.create(connection)
            continue
        except IntegrityError:
            pass  # someone came twice
        _keep_one_row_each(connection, table, kept[table])
        index.create(connection)


def _keep_one_row_each(
    connection: Connection, table: Table, kept: ColumnElement[int] | None
) -> None:
    """Of each person's rows, keep the one at ``kept`` (None: the first), at the first's place."""
    c, twice = table.c, sent_twice.c
    first = func.min(c.seq)
    copies = (
        select(c.sourced_id, first if kept is None else kept, first)
        .group_by(c.sourced_id)
        .having(func.count() > 1)
    )
    connection.execute(insert(sent_twice).from_select(["sourced_id", "kept", "first"], copies))
    theirs = twice.sourced_id == c.sourced_id
    kept_seq = select(twice.kept).where(theirs).scalar_subquery()
    connection.execute(delete(table).where(exists().where(theirs), c.seq != kept_seq))
    if kept is not None:
        first_seq = select(twice.first).where(theirs).scalar_subquery()
        connection.execute(update(table).where(c.seq == kept_seq).values(seq=first_seq))
    connection.execute(delete(sent_twice))
