"""Re-linking: a district that Infinite Campus moves from OneRoster 1.1 to 1.2 gets a new
sourcedId for every person; each 1.2 record names its 1.1 id in metadata.ic.legacysourceId,
and the directory keeps everyone: no one added, no one deactivated, every story continuous.
Through the command line against the demo server."""

from __future__ import annotations

from typing import Any

from app.demo.district import DemoDistrict
from app.demo.legacy import new_school_id
from app.demo.server import DemoServer
from app.demo.v1p1 import person_number
from app.oneroster.records import School
from app.paths import Profile
from app.store.database import Database, sqlite_url
from app.store.directory import Directory
from tests.conftest import Cli, connect_args


def provider_records(district: DemoDistrict) -> list[dict[str, Any]]:
    page, _total = district.users_page(0, 10_000)
    return [dict(record) for record in page]


def as_one_point_one(district: DemoDistrict) -> dict[str, str]:
    """Give every user an Infinite Campus 1.1 id (role letter + number); base id -> 1.1 id."""
    ids = {}
    for record in provider_records(district):
        number = record["sourcedId"].removeprefix("u-").lstrip("0") or "0"
        ids[record["sourcedId"]] = record["roles"][0]["role"][0] + number
        district.update_user(record["sourcedId"], sourcedId=ids[record["sourcedId"]])
    return ids


def as_one_point_two(district: DemoDistrict, ids: dict[str, str]) -> dict[str, str]:
    """Give every user a new 1.2 id carrying its 1.1 number; 1.1 id -> 1.2 id."""
    moved = {}
    for base, old in ids.items():
        moved[old] = f"p{abs(hash(old)) % 10**9:09d}-{old[1:]}"
        legacy = {"ic.legacysourceId": old[1:]}
        district.update_user(base, sourcedId=moved[old], metadata=legacy)
    return moved


def synced(cli: Cli, *flags: str) -> dict[str, Any]:
    result = cli("sync", "--json", *flags)
    assert result.code == 0, result.err
    return result.json()


def directory_ids(cli: Cli) -> set[str]:
    return {u["sourcedId"] for u in cli("users", "--json", "--include-inactive").json()}


def test_a_switch_from_1_1_to_1_2_re_links_everyone_and_keeps_their_story(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    old_ids = as_one_point_one(district)
    first = synced(cli)
    before = directory_ids(cli)
    assert first["added"] == len(before) > 100
    active_before = {u["sourcedId"] for u in cli("users", "--json").json()}

    moved = as_one_point_two(district, old_ids)
    preview = synced(cli, "--dry-run")
    assert (preview["relinked"], preview["added"], preview["deactivated"]) == (
        len(active_before),
        0,
        0,
    )
    assert directory_ids(cli) == before  # a dry run writes nothing

    switched = synced(cli)
    assert (switched["added"], switched["deactivated"]) == (0, 0)
    assert switched["relinked"] == switched["updated"] == len(active_before)
    assert directory_ids(cli) == {moved[old] for old in before}

    someone = sorted(active_before)[0]
    story = cli("user", moved[someone], "--json").json()
    assert [c["change"] for c in story["changes"]] == ["updated", "added"]
    assert story["changes"][0]["fields"] == {"sourcedId": [someone, moved[someone]]}
    assert cli("user", someone).code == 1  # the old id is nobody's now

    again = synced(cli)
    assert (again["relinked"], again["updated"], again["added"]) == (0, 0, 0)
    history = cli("history", "--json").json()
    assert history[1]["relinked"] == len(active_before)


def test_a_person_still_sent_under_the_old_id_is_not_re_linked(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    synced(cli)
    student = next(u for u in cli("users", "--json").json() if u["role"] == "student")
    record = next(r for r in provider_records(district) if r["sourcedId"] == student["sourcedId"])
    record.pop("dateLastModified", None)
    twin = {**record, "sourcedId": "twin-1", "email": "twin@x.example", "username": "twin"}
    twin["metadata"] = {"ic.legacysourceId": student["sourcedId"]}
    district.add_user(twin)
    result = synced(cli)
    assert (result["relinked"], result["added"]) == (0, 1)


def test_a_school_with_a_new_id_keeps_its_site_by_legacy_id_or_name(
    isolated_profile: Profile,
):
    database = Database(sqlite_url(isolated_profile.ensure().database_file))
    try:
        directory = Directory(database)
        directory.add_sites(["Lincoln Elem", "Adams MS"])
        directory.save_schools([School("s101", "Lincoln Elementary"), School("202", "Adams")])
        directory.map_school("s101", "Lincoln Elem")
        directory.map_school("202", "Adams MS")
        directory.save_schools(
            [School("n-9", "Lincoln Elementary School", legacy_id="101"), School("n-7", "Adams")]
        )
        assert directory.mapping() == {"n-9": 1, "n-7": 2}
        assert {s.sourced_id for s in directory.schools()} == {"n-9", "n-7"}
    finally:
        database.close()


def test_the_dry_run_says_how_many_people_are_re_linked(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    old_ids = as_one_point_one(district)
    synced(cli)
    active = len(cli("users", "--json").json())
    as_one_point_two(district, old_ids)
    preview = cli("sync", "--dry-run")
    assert f"{active:,} people re-linked to their new Infinite Campus ids" in preview.out


def test_moving_from_the_1_1_server_to_its_1_2_successor_keeps_the_district(
    cli: Cli, district: DemoDistrict
):
    """Two real servers: Infinite Campus's 1.1 connection, then the 1.2 one that replaced it."""
    with DemoServer(district, version="1.1") as old:
        assert cli(*connect_args(old), stdin=old.client_secret + "\n").code == 0
        assert cli("sites", "add", *district.local_site_names).code == 0
        assert cli("map", "--suggest", "--apply").code == 0
        first = synced(cli)
    sites_before = {s["name"]: s["site"] for s in cli("schools", "--json").json()}
    people_before = {u["sourcedId"]: u for u in cli("users", "--json").json()}
    assert first["added"] == len(people_before) > 100

    with DemoServer(district, legacy_ids=True) as new:
        assert cli(*connect_args(new), stdin=new.client_secret + "\n").code == 0
        schools = cli("schools", "--json").json()
        assert {s["name"]: s["site"] for s in schools} == sites_before  # mappings carried over
        old_school_ids = {s["name"]: s["sourcedId"] for s in district.schools}
        assert {s["name"]: s["sourcedId"] for s in schools} == {
            name: new_school_id(old_id) for name, old_id in old_school_ids.items()
        }
        preview = synced(cli, "--dry-run")
        assert (preview["relinked"], preview["added"], preview["deactivated"]) == (
            len(people_before),
            0,
            0,
        )
        switched = synced(cli)
    assert (switched["added"], switched["deactivated"]) == (0, 0)
    assert switched["relinked"] == len(people_before)

    people_after = {u["sourcedId"]: u for u in cli("users", "--json").json()}
    assert len(people_after) == len(people_before)
    by_number = {sid[1:]: user for sid, user in people_before.items()}
    for sourced_id, user in people_after.items():
        before = by_number[str(person_number(sourced_id))]
        assert {k: v for k, v in user.items() if k != "sourcedId"} == {
            k: v for k, v in before.items() if k != "sourcedId"
        }
        story = cli("user", sourced_id, "--json").json()
        assert [c["change"] for c in story["changes"]] == ["updated", "added"]
