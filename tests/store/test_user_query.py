"""The Users list's query: search, filters, sort and pages, on a directory of a few hundred."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from app.store.database import Database
from app.store.models import DirectoryUser, Site
from app.store.user_query import ActiveFilter, SortColumn, UserListing, UserQuery, escape_like

GIVEN = ("Anna", "Liam", "Olivia", "Noah", "Zoë")
FAMILY = ("Smith", "Lee", "Garcia", "O'Brien")
ROLES = ("student", "student", "teacher", "aide")
USERS = 300


def user_record(index: int) -> dict[str, object]:
    given, family = GIVEN[index % len(GIVEN)], FAMILY[index % len(FAMILY)]
    username = f"{given.lower()}.{family.lower()}{index}"
    return {
        "sourced_id": f"u-{index:04d}",
        "username": username,
        "given_name": given,
        "family_name": family,
        "email": None if index % 10 == 3 else f"{username}@district.example",
        "role": ROLES[index % len(ROLES)],
        "site_id": 1 + index % 3,
        "active": index % 5 != 0,
        "created_at": datetime(2026, 8, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 8, 1, tzinfo=UTC),
    }


RECORDS = [user_record(i) for i in range(USERS)]


@pytest.fixture
def listing(database_url: str) -> Iterator[UserListing]:
    database = Database(database_url)
    with database.session() as session:
        session.execute(
            insert(Site),
            [{"id": 1, "name": "Lincoln"}, {"id": 2, "name": "adams"}, {"id": 3, "name": "Monroe"}],
        )
        session.execute(insert(DirectoryUser), RECORDS)
    yield UserListing(database)
    database.close()


def everything(listing: UserListing, query: UserQuery) -> list:
    return listing.page(query, 0, 10_000)


def test_the_default_query_lists_everyone_by_username_ignoring_case(listing: UserListing):
    rows = everything(listing, UserQuery())
    assert listing.count(UserQuery()) == USERS == len(rows)
    assert [r.username for r in rows] == sorted((r["username"] for r in RECORDS), key=str.lower)
    first = next(r for r in rows if r.sourced_id == "u-0001")
    assert (first.given_name, first.family_name, first.site, first.active) == (
        "Liam",
        "Lee",
        "adams",
        True,
    )


@pytest.mark.parametrize("text", ["SMITH", "smith", "mit", "  Smith  "])
def test_search_matches_family_name_ignoring_case_and_spaces_around(listing, text):
    query = UserQuery(search=text)
    rows = everything(listing, query)
    assert {r.sourced_id for r in rows} == {
        r["sourced_id"] for r in RECORDS if r["family_name"] == "Smith"
    }
    assert listing.count(query) == len(rows)


def test_search_matches_username_given_name_and_email(listing: UserListing):
    by_username = everything(listing, UserQuery(search="LIAM.LEE"))
    assert {r.sourced_id for r in by_username} == {
        r["sourced_id"] for r in RECORDS if "liam.lee" in str(r["username"])
    }
    by_given = everything(listing, UserQuery(search="olivia"))
    assert by_given and all(r.given_name == "Olivia" for r in by_given)
    by_email = everything(listing, UserQuery(search="@district.example"))
    assert len(by_email) == sum(1 for r in RECORDS if r["email"])


def test_search_matches_a_full_name_typed_as_first_and_last(listing: UserListing):
    record = next(r for r in RECORDS if r["given_name"] and r["family_name"])
    full = f"{record['given_name']} {record['family_name']}".upper()
    found = everything(listing, UserQuery(search=full))
    assert record["sourced_id"] in {r.sourced_id for r in found}


def test_search_finds_one_user_by_exact_username(listing: UserListing):
    wanted = RECORDS[42]["username"]
    rows = everything(listing, UserQuery(search=str(wanted).upper()))
    assert [r.username for r in rows if r.username == wanted] == [wanted]
    assert all(wanted in r.username or wanted in (r.email or "") for r in rows)


def test_search_treats_wildcards_and_apostrophes_literally(listing: UserListing):
    assert listing.count(UserQuery(search="%")) == 0
    assert listing.count(UserQuery(search="_")) == 0
    assert listing.count(UserQuery(search="o'brien")) == sum(
        1 for r in RECORDS if r["family_name"] == "O'Brien"
    )
    assert escape_like("50%_a\\b") == "50\\%\\_a\\\\b"


def test_search_matches_accented_names_exactly(listing: UserListing):
    assert listing.count(UserQuery(search="Zoë")) == sum(
        1 for r in RECORDS if r["given_name"] == "Zoë"
    )


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        (UserQuery(site_id=2), lambda r: r["site_id"] == 2),
        (UserQuery(role="teacher"), lambda r: r["role"] == "teacher"),
        (UserQuery(active=ActiveFilter.ACTIVE), lambda r: r["active"]),
        (UserQuery(active=ActiveFilter.INACTIVE), lambda r: not r["active"]),
        (UserQuery(active=ActiveFilter.ALL), lambda r: True),
        (
            UserQuery(search="garcia", site_id=3, role="teacher", active=ActiveFilter.ACTIVE),
            lambda r: (
                r["family_name"] == "Garcia"
                and r["site_id"] == 3
                and r["role"] == "teacher"
                and r["active"]
            ),
        ),
    ],
)
def test_filters_narrow_the_list(listing, query, predicate):
    expected = {r["sourced_id"] for r in RECORDS if predicate(r)}
    assert expected
    assert {r.sourced_id for r in everything(listing, query)} == expected
    assert listing.count(query) == len(expected)


def sort_key(column: SortColumn):
    sites = {1: "lincoln", 2: "adams", 3: "monroe"}
    keys = {
        SortColumn.USERNAME: lambda r: (r["username"].lower(),),
        SortColumn.NAME: lambda r: (r["family_name"].lower(), r["given_name"].lower()),
        SortColumn.EMAIL: lambda r: ((r["email"] or "").lower(),),
        SortColumn.ROLE: lambda r: (r["role"], r["username"].lower()),
        SortColumn.SITE: lambda r: (sites[r["site_id"]], r["username"].lower()),
        SortColumn.ACTIVE: lambda r: (r["active"], r["username"].lower()),
    }
    return lambda r: (*keys[column](r), r["sourced_id"])


@pytest.mark.parametrize("column", list(SortColumn))
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_both_ways(listing, column, descending):
    query = UserQuery(sort=column, descending=descending)
    expected = sorted(RECORDS, key=sort_key(column), reverse=descending)
    assert [r.sourced_id for r in everything(listing, query)] == [r["sourced_id"] for r in expected]


def test_pages_follow_one_another_without_gaps_or_repeats(listing: UserListing):
    query = UserQuery(sort=SortColumn.ROLE, descending=True)
    pages = [listing.page(query, offset, 64) for offset in range(0, USERS, 64)]
    assert [len(p) for p in pages] == [64, 64, 64, 64, 44]
    joined = [r.sourced_id for page in pages for r in page]
    assert joined == [r.sourced_id for r in everything(listing, query)]
    assert listing.page(query, USERS, 64) == []
    assert listing.page(query, 0, 0) == []


def test_roles_lists_the_roles_present(listing: UserListing):
    assert listing.roles() == ["aide", "student", "teacher"]


def test_with_changes_one_field_and_keeps_the_rest():
    query = UserQuery(search="ann", site_id=2)
    changed = query.with_(sort=SortColumn.SITE)
    assert (changed.search, changed.site_id, changed.sort) == ("ann", 2, SortColumn.SITE)
    assert query.sort is SortColumn.USERNAME
