"""Paging through the demo server: Link, X-Total-Count, capped pages, neither; shapes; records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.errors import NotOneRosterError
from app.oneroster.client import OneRosterClient, Page
from app.oneroster.records import User

Connect = Callable[..., OneRosterClient]
USERS = 230


def user_ids(pages: list[Page[User]]) -> list[str]:
    return [user.sourced_id for page in pages for user in page.records]


@pytest.mark.parametrize(
    ("cap", "total_count", "link", "requests", "totals"),
    [
        (1000, True, True, 3, 230),  # Link rel="next" followed, no rel="next": the end
        (1000, True, False, 3, 230),  # stops at X-Total-Count
        (1000, False, True, 3, None),
        (1000, False, False, 4, None),  # neither: only an empty page ends it
        (37, True, True, 7, 230),  # capped silently: short pages are not the end
        (37, True, False, 7, 230),
        (37, False, True, 7, None),
        (37, False, False, 8, None),
    ],
)
def test_every_user_exactly_once(
    server: DemoServer,
    connect: Connect,
    cap: int,
    total_count: bool,
    link: bool,
    requests: int,
    totals: int | None,
) -> None:
    server.faults.page_size_cap = cap
    server.faults.send_total_count = total_count
    server.faults.send_link = link
    pages = list(connect(server, page_size=100).user_pages())
    ids = user_ids(pages)
    assert len(ids) == len(set(ids)) == USERS
    assert server.request_count == requests
    assert {page.total for page in pages} == {totals}
    step = min(cap, 100)
    assert [page.offset for page in pages] == list(range(0, USERS, step))
    assert all(page.invalid == [] for page in pages)


def test_a_district_with_no_users_gives_one_empty_page(
    serve: Callable[..., DemoServer], connect: Connect, district: DemoDistrict
) -> None:
    for user_id in user_ids(list(connect(serve()).user_pages())):
        district.remove_user(user_id)
    pages = list(connect(serve()).user_pages())
    assert [(p.records, p.offset, p.total) for p in pages] == [([], 0, 0)]


def test_oneroster_1_1_users_read_like_1_2(
    serve: Callable[..., DemoServer], connect: Connect
) -> None:
    v12 = {u.sourced_id: u for p in connect(serve()).user_pages() for u in p.records}
    v11 = {u.sourced_id: u for p in connect(serve(shape="1.1")).user_pages() for u in p.records}
    assert v11.keys() == v12.keys()
    for user_id, user in v11.items():
        # 1.1 has one role for all of a user's orgs: the primary one.
        assert {r.role for r in user.roles} == {v12[user_id].roles[0].role}
        orgs = {r.org_sourced_id for r in v12[user_id].roles}
        assert {r.org_sourced_id for r in user.roles} == orgs


def test_invalid_records_are_reported_not_fatal(
    server: DemoServer, connect: Connect, district: DemoDistrict
) -> None:
    district.add_user({"sourcedId": "no-roles", "status": "active", "roles": []})
    district.add_user({"sourcedId": "org-without-id", "roles": [{"role": "teacher"}]})
    district.add_user({"sourcedId": "   ", "roles": []})
    pages = list(connect(server, page_size=100).user_pages())
    invalid = [problem for page in pages for problem in page.invalid]
    assert [(p.sourced_id, p.reason) for p in invalid] == [(None, "the record has no sourcedId")]
    users = {u.sourced_id: u for page in pages for u in page.records}
    # Users whose roles cannot be read are still users: the sync skips them as not synced.
    assert users["no-roles"].roles == () and users["org-without-id"].roles == ()
    assert len(users) == USERS + 2


def test_changed_users_only(server: DemoServer, connect: Connect, district: DemoDistrict) -> None:
    first, second = user_ids(list(connect(server).user_pages()))[5:7]
    district.update_user(first, givenName="Changed")
    district.update_user(second, status="tobedeleted")
    # A second after the demo's base date (the filter asks from a second early): every other
    # user is older.
    since = datetime(2026, 8, 1, 0, 0, 1, tzinfo=UTC)
    pages = list(connect(server).user_pages(modified_since=since))
    assert sorted(user_ids(pages)) == sorted([first, second])
    changed = {u.sourced_id: u for p in pages for u in p.records}
    assert changed[first].given_name == "Changed"
    assert changed[second].is_leaving


def test_schools(server: DemoServer, connect: Connect) -> None:
    schools = connect(server, page_size=4).schools()
    assert [s.name for s in schools][:2] == ["Lincoln Elementary School", "Washington High School"]
    assert len({s.sourced_id for s in schools}) == len(schools) == 6
    assert server.request_count == 2


def test_school_pages(server: DemoServer, connect: Connect) -> None:
    pages = list(connect(server, page_size=4).school_pages())
    assert [(len(p.records), p.offset, p.total) for p in pages] == [(4, 0, 6), (2, 4, 6)]


DISTRICT_PART_ADVICE = (
    "it lacks the district part Infinite Campus puts before /ims/. Copy the whole Base URL from "
    "Infinite Campus, including the part before /ims/; it looks like "
    "https://yourdistrict.infinitecampus.org/campus/api/oneroster/v1p2/yourapp"
    "/ims/oneroster/rostering/v1p2."
)


def test_a_base_url_without_its_district_part_is_told_to_be_copied_whole(
    server: DemoServer, connect: Connect
) -> None:
    typed = f"http://127.0.0.1:{server.port}/ims/oneroster/rostering/v1p2"  # host + the ending
    client = connect(server, base_url=typed)
    client.authenticate()
    with pytest.raises(NotOneRosterError) as caught:
        client.schools()
    assert str(caught.value) == (
        f"The Base URL {typed} is not a OneRoster service: {DISTRICT_PART_ADVICE}"
    )


def test_a_provider_serving_at_the_root_of_its_host_works(serve, connect: Connect) -> None:
    server = serve(api_prefix="")
    assert server.base_url.endswith(f"{server.port}/ims/oneroster/rostering/v1p2")
    assert len(connect(server).schools()) == 6


def test_base_url_that_is_not_oneroster(server: DemoServer, connect: Connect) -> None:
    wrong = server.base_url.replace("/v1p2/demo/", "/v1p2/other/")
    client = connect(server, base_url=wrong)
    client.authenticate()  # the Token URL is fine
    with pytest.raises(NotOneRosterError) as caught:
        client.schools()
    assert str(caught.value) == (
        f"The Base URL {wrong} is not a OneRoster service — check it ends with "
        "/ims/oneroster/rostering/v1p2."
    )
