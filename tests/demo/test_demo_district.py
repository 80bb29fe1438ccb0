"""The synthetic district: deterministic, lazy, and full of the edge cases a sync must handle."""

from __future__ import annotations

import json
import re
import tracemalloc
from collections import Counter
from typing import Any

import pytest

from app.demo.district import DemoDistrict, to_v1p1
from app.demo.people import BASE_DATE

FAMILY = {"guardian", "parent", "relative"}
STAFF = {"teacher", "aide", "administrator", "principal", "counselor"}
UPPER = {"06", "07", "08", "09", "10", "11", "12"}


def everyone(district: DemoDistrict) -> list[dict[str, Any]]:
    records, total = district.users_page(0, district.user_count() + 10)
    assert total == len(records) == district.user_count()
    return records


def primary_role(user: dict[str, Any]) -> str:
    return next(r["role"] for r in user["roles"] if r["roleType"] == "primary")


@pytest.fixture(scope="module")
def small() -> list[dict[str, Any]]:
    return everyone(DemoDistrict(300, seed=1))


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    first = DemoDistrict(500, seed=7).users_page(100, 50)
    assert DemoDistrict(500, seed=7).users_page(100, 50) == first
    other, _ = DemoDistrict(500, seed=8).users_page(100, 50)
    assert other != first[0]
    assert [u["sourcedId"] for u in other] == [u["sourcedId"] for u in first[0]]


def test_pages_join_into_the_whole_district() -> None:
    district = DemoDistrict(1000, seed=3)
    pages = [district.users_page(offset, 64)[0] for offset in range(0, 1000, 64)]
    assert [u for page in pages for u in page] == everyone(district)


def test_json_text_is_the_same_records() -> None:
    district = DemoDistrict(400, seed=2)
    text, total = district.users_page_json(37, 120)
    assert (json.loads(text), total) == district.users_page(37, 120)


def test_role_mix_at_300(small: list[dict[str, Any]]) -> None:
    roles = Counter(primary_role(u) for u in small)
    assert 0.80 <= roles["student"] / 300 <= 0.90
    assert 0.05 <= roles["teacher"] / 300 <= 0.12
    for role in ("aide", "administrator", "principal", "counselor", *FAMILY):
        assert roles[role] >= 1, role
    assert 0.02 <= sum(roles[r] for r in FAMILY) / 300 <= 0.06


def test_record_shape(small: list[dict[str, Any]]) -> None:
    ids = [u["sourcedId"] for u in small]
    assert len(set(ids)) == 300
    assert all(re.fullmatch(r"u-\d{6}", i) for i in ids)
    for user in small:
        assert user["status"] in ("active", "tobedeleted")
        assert user["enabledUser"] in ("true", "false")
        assert user["dateLastModified"] == BASE_DATE
        assert {"metadata", "agents", "userIds", "givenName", "familyName"} <= user.keys()
        for role in user["roles"]:
            assert role["roleType"] in ("primary", "secondary")
            assert role["org"]["type"] == "org"
            assert role["org"]["href"].endswith("/orgs/" + role["org"]["sourcedId"])
    umis = [u["userMasterIdentifier"] for u in small]
    assert all(umis) and len(set(umis)) == 300
    assert any("grades" in u for u in small)
    assert any(u["agents"] for u in small)


def test_usernames_and_identifiers(small: list[dict[str, Any]]) -> None:
    synced = [u for u in small if primary_role(u) not in FAMILY]
    assert all(u["username"].strip() for u in synced)
    assert len({u["username"].lower() for u in synced}) == len(synced)
    with_identifier = [u for u in synced if u["identifier"].strip()]
    assert 0.9 <= len(with_identifier) / len(synced) < 1


def test_emails(small: list[dict[str, Any]]) -> None:
    emails = [u["email"] for u in small if u.get("email", "").strip()]
    assert all(e.strip().endswith("@district.example") for e in emails)
    students = [u for u in small if primary_role(u) == "student"]
    no_email = [u for u in students if not u.get("email", "").strip()]
    assert 0.12 <= len(no_email) / len(students) <= 0.28
    assert any("email" not in u for u in no_email)
    assert any(u.get("email") == "" for u in no_email)
    assert any(e != e.strip() for e in emails)
    by_folded = Counter(e.strip().lower() for e in emails)
    shared = [e for e, n in by_folded.items() if n > 1]
    assert 1 <= len(shared) <= 5
    assert any(len({e.strip() for e in emails if e.strip().lower() == s}) == 2 for s in shared)


def test_upper_grades_mostly_have_emails(small: list[dict[str, Any]]) -> None:
    upper = [u for u in small if primary_role(u) == "student" and u["grades"][0] in UPPER]
    with_email = [u for u in upper if u.get("email", "").strip()]
    assert len(with_email) / len(upper) >= 0.85


def test_staff_at_two_schools(small: list[dict[str, Any]]) -> None:
    two = [u for u in small if len(u["roles"]) == 2]
    assert two and all(primary_role(u) in STAFF for u in two)
    assert all({r["roleType"] for r in u["roles"]} == {"primary", "secondary"} for u in two)
    assert all(len({r["org"]["sourcedId"] for r in u["roles"]}) == 2 for u in two)
    assert any(u["roles"][0]["roleType"] == "secondary" for u in two)


def test_leaving_disabled_and_messy_names(small: list[dict[str, Any]]) -> None:
    assert any(u["status"] == "tobedeleted" for u in small)
    assert any(u["enabledUser"] == "false" for u in small)
    names = " ".join(f"{u['givenName']} {u['familyName']}" for u in small)
    for name in ("José", "Nguyễn", "Zoë", "O'Brien", "Müller", "王"):
        assert name in names
    assert any(u["givenName"] != u["givenName"].strip() for u in small)


def test_schools_and_local_sites() -> None:
    district = DemoDistrict(300)
    assert len(district.schools) == 6
    assert all(s["type"] == "school" for s in district.schools)
    assert district.district["type"] == "district"
    assert district.district not in district.schools
    assert district.orgs()[0] is district.district
    names = [s["name"] for s in district.schools]
    sites = district.local_site_names
    assert len(sites) == len(names) and not set(sites) & set(names)
    assert [s.split()[0] for s in sites] != [n.split()[0] for n in names]
    assert sorted(s.split()[0] for s in sites) == sorted(n.split()[0] for n in names)
    assert "Lincoln Elem" in sites and "Washington HS" in sites and "Roosevelt MS" in sites
    assert len(DemoDistrict(1500).schools) == 8
    assert len(DemoDistrict(1_000_000).schools) == 12


def test_a_million_users_cost_nothing_until_asked() -> None:
    tracemalloc.start()
    try:
        district = DemoDistrict(1_000_000, seed=5)
        page, total = district.users_page(999_990, 100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000
    assert total == 1_000_000
    assert [u["sourcedId"] for u in page] == [f"u-{i}" for i in range(999_990, 1_000_000)]
    assert district.user("u-999999") is not None
    assert district.user("u-1000000") is None


def test_update_bumps_date_and_delta_sees_only_changes() -> None:
    district = DemoDistrict(300, clock=lambda: 1_900_000_000.0)
    district.update_user("u-000010", givenName="Changed")
    changed = district.user("u-000010")
    assert changed is not None and changed["givenName"] == "Changed"
    assert changed["dateLastModified"] == "2030-03-17T17:46:40.000Z"
    assert district.users_page(0, 10, BASE_DATE, strict=True) == ([changed], 1)
    assert district.users_page(0, 10, "2027-01-01T00:00:00Z") == ([changed], 1)
    assert district.users_page(0, 10, "2031-01-01T00:00:00Z") == ([], 0)
    assert district.users_page(0, 500, BASE_DATE)[1] == 300
    assert district.users_page(0, 500, "2020-01-01T00:00:00+00:00")[1] == 300
    assert district.users_page(10, 1)[0] == [changed]


def test_update_never_dates_a_change_before_the_base() -> None:
    district = DemoDistrict(300, clock=lambda: 0.0)
    district.update_user("u-000001", email="new@district.example")
    assert district.users_page(0, 10, BASE_DATE, strict=True)[1] == 1


def test_remove_and_add() -> None:
    district = DemoDistrict(300)
    after = district.user("u-000101")
    district.remove_user("u-000100")
    assert district.user("u-000100") is None
    assert district.user_count() == 299
    assert district.users_page(100, 1)[0] == [after]
    ids = [u["sourcedId"] for u in everyone(district)]
    assert "u-000100" not in ids and len(ids) == 299

    newcomer = {"sourcedId": "new-1", "status": "active", "roles": [], "givenName": "Nia"}
    district.add_user(newcomer)
    assert district.user_count() == 300
    last, total = district.users_page(299, 5)
    assert total == 300 and last[0]["sourcedId"] == "new-1" and "dateLastModified" in last[0]
    assert district.users_page(0, 5, BASE_DATE, strict=True)[0][0]["sourcedId"] == "new-1"
    district.update_user("new-1", givenName="Nya")
    assert district.user("new-1")["givenName"] == "Nya"  # type: ignore[index]
    with pytest.raises(ValueError, match="exists"):
        district.add_user({"sourcedId": "u-000001"})
    district.remove_user("new-1")
    with pytest.raises(KeyError):
        district.update_user("new-1", givenName="x")
    with pytest.raises(KeyError):
        district.remove_user("u-000100")


def test_returned_records_are_copies() -> None:
    district = DemoDistrict(300)
    district.update_user("u-000003", roles=[])
    district.user("u-000003")["roles"].append("junk")  # type: ignore[index]
    assert district.user("u-000003")["roles"] == []  # type: ignore[index]


def test_one_point_one_shape(small: list[dict[str, Any]]) -> None:
    swapped = next(u for u in small if u["roles"][0]["roleType"] == "secondary")
    shaped = to_v1p1(swapped)
    assert "roles" not in shaped and "userMasterIdentifier" not in shaped
    assert shaped["role"] == primary_role(swapped)
    primary_first = sorted(swapped["roles"], key=lambda r: r["roleType"] != "primary")
    assert shaped["orgs"] == [r["org"] for r in primary_first]
    assert shaped["orgs"] != [r["org"] for r in swapped["roles"]]  # the list order says it
    assert shaped["sourcedId"] == swapped["sourcedId"]


def test_tiny_and_empty_districts() -> None:
    assert everyone(DemoDistrict(0)) == []
    assert len(everyone(DemoDistrict(5))) == 5


def test_guid_ids_are_the_same_people_in_no_order() -> None:
    plain, guids = everyone(DemoDistrict(300)), everyone(DemoDistrict(300, guid_ids=True))
    ids = [user["sourcedId"] for user in guids]
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8000-[0-9a-f]{12}", i) for i in ids
    )
    assert len(set(ids)) == 300 and ids != sorted(ids)
    assert [{**user, "sourcedId": "", "agents": []} for user in guids] == [
        {**user, "sourcedId": "", "agents": []} for user in plain
    ]
    district = DemoDistrict(300, guid_ids=True)
    district.update_user(ids[7], givenName="Changed")
    assert district.user(ids[7])["givenName"] == "Changed"  # type: ignore[index]
    assert district.user("u-000007") is None  # the other shape names nobody here
