"""The Users list's query: search, filters and sort, read one page at a time.

Qt-free, so the window's table model and anything else can share it. Nothing here loads the
whole directory: ``count()`` is one ``COUNT(*)`` and ``page()`` one ``LIMIT``/``OFFSET`` select.

Search is a case-insensitive substring match (SQL ``LIKE``) on username, given name, family
name and email. Like SQLite's ``LIKE``, it ignores case for ASCII letters only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, func, literal, or_, select

from app.store.database import Database
from app.store.directory import UserRow
from app.store.models import DirectoryUser, Site

LIKE_ESCAPE = "\\"


class SortColumn(StrEnum):
    """What the list can be sorted by; one per column of the Users table."""

    USERNAME = "username"
    NAME = "name"
    EMAIL = "email"
    ROLE = "role"
    SITE = "site"
    ACTIVE = "active"


class ActiveFilter(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class UserQuery:
    """One view of the Users list; every field narrows or orders it. Immutable: use ``with_``."""

    search: str = ""
    site_id: int | None = None
    role: str | None = None
    active: ActiveFilter = ActiveFilter.ALL
    sort: SortColumn = SortColumn.USERNAME
    descending: bool = False

    @property
    def narrowed(self) -> bool:
        """True when the search, site or role leaves some users of the chosen status out."""
        return bool(self.search.strip()) or self.site_id is not None or self.role is not None

    def with_(self, **changes: object) -> UserQuery:
        """A copy with some fields changed, e.g. ``query.with_(search="ann")``."""
        return replace(self, **changes)  # type: ignore[arg-type]


class UserListing:
    """Runs a ``UserQuery`` against the directory database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sqlite = database.engine.dialect.name == "sqlite"

    def count(self, query: UserQuery) -> int:
        counting = select(func.count()).select_from(DirectoryUser)
        statement = _filtered(counting, query, self._sqlite)
        with self.database.session() as session:
            return int(session.scalar(statement) or 0)

    def page(self, query: UserQuery, offset: int, limit: int) -> list[UserRow]:
        """Rows ``offset`` to ``offset + limit`` of the query, in its order."""
        if limit <= 0:
            return []
        # Sort and skip over narrow id rows first, then read whole rows for the page only:
        # this roughly halves the time of deep pages (offset in the tens of thousands).
        ids = (
            _filtered(_id_select(), query, self._sqlite)
            .order_by(*_order(query))
            .offset(max(offset, 0))
            .limit(limit)
        )
        statement = _row_select().where(DirectoryUser.sourced_id.in_(ids)).order_by(*_order(query))
        with self.database.session() as session:
            return [_to_row(row) for row in session.execute(statement)]

    def roles(self) -> list[str]:
        """The roles present in the directory, for the role filter."""
        statement = select(DirectoryUser.role).distinct().order_by(DirectoryUser.role)
        with self.database.session() as session:
            return list(session.scalars(statement))


def _row_select() -> Select[tuple[object, ...]]:
    return select(
        DirectoryUser.sourced_id,
        DirectoryUser.username,
        DirectoryUser.given_name,
        DirectoryUser.family_name,
        DirectoryUser.email,
        DirectoryUser.role,
        Site.name.label("site"),
        DirectoryUser.active,
    ).join(Site, DirectoryUser.site_id == Site.id)


def _id_select() -> Select[tuple[object, ...]]:
    return select(DirectoryUser.sourced_id).join(Site, DirectoryUser.site_id == Site.id)


def _filtered(
    statement: Select[tuple[object, ...]], query: UserQuery, sqlite: bool
) -> Select[tuple[object, ...]]:
    conditions = _conditions(query, sqlite)
    return statement.where(*conditions) if conditions else statement


def _conditions(query: UserQuery, sqlite: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    text = query.search.strip()
    if text:
        conditions.append(_search_condition(text, sqlite))
    if query.site_id is not None:
        conditions.append(DirectoryUser.site_id == query.site_id)
    if query.role is not None:
        conditions.append(DirectoryUser.role == query.role)
    if query.active is ActiveFilter.ACTIVE:
        conditions.append(DirectoryUser.active.is_(True))
    elif query.active is ActiveFilter.INACTIVE:
        conditions.append(DirectoryUser.active.is_(False))
    return conditions


def _search_condition(text: str, sqlite: bool) -> ColumnElement[bool]:
    """The username, a name, the full name ("Jane Doe") or the email contains ``text``,
    ignoring case.

    SQLite's LIKE already ignores ASCII case; ``ilike`` there would wrap both sides in
    ``lower()`` and make a search over 100,000 users about three times slower.
    """
    pattern = f"%{escape_like(text)}%"
    columns = (
        DirectoryUser.username,
        DirectoryUser.given_name,
        DirectoryUser.family_name,
        DirectoryUser.email,
        DirectoryUser.given_name + literal(" ") + DirectoryUser.family_name,
    )
    if sqlite:
        return or_(*(column.like(pattern, escape=LIKE_ESCAPE) for column in columns))
    return or_(*(column.ilike(pattern, escape=LIKE_ESCAPE) for column in columns))


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


def _order(query: UserQuery) -> list[ColumnElement[object]]:
    keys = _sort_keys(query.sort)
    ordered = [key.desc() if query.descending else key.asc() for key in keys]
    # A unique last key keeps pages stable when sort values repeat.
    tiebreak = DirectoryUser.sourced_id
    return [*ordered, tiebreak.desc() if query.descending else tiebreak.asc()]


def _sort_keys(sort: SortColumn) -> list[ColumnElement[object]]:
    match sort:
        case SortColumn.USERNAME:
            return [func.lower(DirectoryUser.username)]
        case SortColumn.NAME:
            return [func.lower(DirectoryUser.family_name), func.lower(DirectoryUser.given_name)]
        case SortColumn.EMAIL:
            return [func.lower(func.coalesce(DirectoryUser.email, ""))]
        case SortColumn.ROLE:
            return [DirectoryUser.role, func.lower(DirectoryUser.username)]
        case SortColumn.SITE:
            return [func.lower(Site.name), func.lower(DirectoryUser.username)]
        case SortColumn.ACTIVE:
            return [DirectoryUser.active, func.lower(DirectoryUser.username)]


def _to_row(row: object) -> UserRow:
    mapping = row._mapping  # type: ignore[attr-defined]
    return UserRow(
        mapping["sourced_id"],
        mapping["username"],
        mapping["given_name"],
        mapping["family_name"],
        mapping["email"],
        mapping["role"],
        mapping["site"],
        bool(mapping["active"]),
    )
