"""Each person's story, through ``rostersync user ID`` against the demo server: every kind of
change with its reason, skips folded into one entry, nothing recorded by unchanged re-syncs,
dry runs or failed syncs, and old entries forgotten after the retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.store.models import PersonChange, PersonChangeField, SyncRun
from tests.conftest import Cli

STORY_KEYS = {"sourcedId", "record", "changes"}
CHANGE_KEYS = {"started_at", "change", "fields", "reason"}


def story(cli: Cli, key: str) -> dict[str, Any]:
    result = cli("user", key, "--json")
    assert result.code == 0, result.err
    found = result.json()
    assert set(found) == STORY_KEYS
    for change in found["changes"]:
        assert CHANGE_KEYS <= set(change) <= CHANGE_KEYS | {"since"}
    return found


def synced(cli: Cli, *flags: str) -> dict[str, Any]:
    result = cli("sync", "--json", *flags)
    assert result.code == 0, result.err
    return result.json()


def first_student(cli: Cli) -> dict[str, Any]:
    return next(u for u in cli("users", "--json").json() if u["role"] == "student")


def provider_records(district: DemoDistrict) -> list[dict[str, Any]]:
    page, _total = district.users_page(0, 10_000)
    return [dict(record) for record in page]


def story_rows(profile: Profile) -> tuple[int, int]:
    context = AppContext(profile)
    try:
        with context.database.session() as session:
            entries = session.scalar(select(func.count()).select_from(PersonChange))
            fields = session.scalar(select(func.count()).select_from(PersonChangeField))
            return entries, fields
    finally:
        context.close()


def test_an_added_person_has_their_record_and_one_entry(cli: Cli, connected: DemoServer):
    synced(cli)
    student = first_student(cli)
    found = story(cli, student["sourcedId"])
    assert found["record"] == student
    assert [(c["change"], c["fields"], c["reason"]) for c in found["changes"]] == [
        ("added", {}, None)
    ]


def test_an_update_names_each_changed_field_with_its_old_and_new_value(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    synced(cli)
    student = first_student(cli)
    district.update_user(student["sourcedId"], familyName="Renamed", email="new@x.example")
    synced(cli)
    latest = story(cli, student["sourcedId"])["changes"][0]
    assert latest["change"] == "updated" and latest["reason"] is None
    assert latest["fields"] == {
        "familyName": [student["familyName"], "Renamed"],
        "email": [student["email"], "new@x.example"],
        "username": [student["username"], "new@x.example"],
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "tobedeleted"}, "tobedeleted"),
        ({"enabledUser": False}, "disabled"),
        (None, "absent"),
    ],
)
def test_a_deactivation_says_why(
    cli: Cli, connected: DemoServer, district: DemoDistrict, change: Any, reason: str
):
    synced(cli)
    student = first_student(cli)
    if change is None:
        district.remove_user(student["sourcedId"])
    else:
        district.update_user(student["sourcedId"], **change)
    synced(cli)
    found = story(cli, student["sourcedId"])
    assert found["record"]["active"] is False
    latest = found["changes"][0]
    assert (latest["change"], latest["reason"], latest["fields"]) == ("deactivated", reason, {})


def test_an_unmapped_school_deactivates_with_that_reason_and_a_return_reactivates(
    cli: Cli, connected: DemoServer
):
    synced(cli)
    student = first_student(cli)
    mapping = {s["site"]: s["sourcedId"] for s in cli("schools", "--json").json() if s["site"]}
    school = mapping[student["site"]]
    assert cli("map", "--unmap", school).code == 0
    synced(cli, "--allow-mass-deactivation")
    assert story(cli, student["sourcedId"])["changes"][0]["reason"] == "unmapped_school"
    assert cli("map", school, student["site"]).code == 0
    synced(cli)
    back = story(cli, student["sourcedId"])
    assert back["record"]["active"] is True
    assert [c["change"] for c in back["changes"]] == ["updated", "deactivated", "added"]
    assert back["changes"][0]["fields"] == {"active": [False, True]}


def test_someone_never_stored_is_skipped_with_a_reason_once_across_syncs(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    guardian = next(
        r for r in provider_records(district) if r["roles"][0]["role"] in ("guardian", "parent")
    )
    first = synced(cli)
    synced(cli)
    found = story(cli, guardian["sourcedId"])
    assert found["record"] is None
    assert len(found["changes"]) == 1
    entry = found["changes"][0]
    assert (entry["change"], entry["reason"]) == ("skipped", "not_synced_role")
    history = cli("history", "--json").json()
    assert entry["since"] == history[1]["started_at"] != entry["started_at"]
    assert entry["started_at"] == history[0]["started_at"]
    assert first["skipped_reasons"]["not_synced_role"] >= 1


def test_a_night_extending_some_skips_gives_the_newly_skipped_one_entry_each(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    guardian = next(
        r for r in provider_records(district) if r["roles"][0]["role"] in ("guardian", "parent")
    )
    synced(cli)
    student = first_student(cli)
    district.update_user(student["sourcedId"], email="")  # skipped from now on: no email
    assert synced(cli, "--allow-mass-deactivation")["skipped_reasons"]["no_username"] >= 1
    newly = story(cli, student["sourcedId"])["changes"]
    assert [(c["change"], c.get("reason")) for c in newly] == [
        ("skipped", "no_username"),
        ("added", None),
    ]
    still = story(cli, guardian["sourcedId"])["changes"]
    assert [(c["change"], c["reason"]) for c in still] == [("skipped", "not_synced_role")]
    assert "since" in still[0]


def test_a_person_is_found_by_username_in_any_case(cli: Cli, connected: DemoServer):
    synced(cli)
    student = first_student(cli)
    assert story(cli, student["username"].upper())["sourcedId"] == student["sourcedId"]


def test_an_unknown_id_exits_1_with_a_sentence(cli: Cli, connected: DemoServer):
    synced(cli)
    result = cli("user", "nobody-at-all")
    assert result.code == 1
    assert "nobody-at-all" in result.err and "Traceback" not in result.err


def test_unchanged_re_syncs_dry_runs_and_failed_syncs_record_no_story(
    cli: Cli, connected: DemoServer, district: DemoDistrict, isolated_profile: Profile
):
    synced(cli)
    after_first = story_rows(isolated_profile)
    assert synced(cli)["unchanged"] > 0
    assert story_rows(isolated_profile) == after_first
    student = first_student(cli)
    district.update_user(student["sourcedId"], familyName="Dry")
    assert synced(cli, "--dry-run")["updated"] == 1
    assert story_rows(isolated_profile) == after_first
    for record in provider_records(district)[:200]:
        district.update_user(record["sourcedId"], status="tobedeleted")
    refused = cli("sync", "--json")
    assert refused.code == 1 and refused.json()["status"] == "failed"
    assert story_rows(isolated_profile) == after_first
    assert [c["change"] for c in story(cli, student["sourcedId"])["changes"]] == ["added"]


def test_entries_older_than_the_retention_are_forgotten(
    cli: Cli, connected: DemoServer, district: DemoDistrict, isolated_profile: Profile
):
    synced(cli)
    student = first_student(cli)
    context = AppContext(isolated_profile)
    try:
        with context.database.session() as session:
            first = session.scalar(select(SyncRun.started_at))
            session.execute(update(SyncRun).values(started_at=first - timedelta(days=400)))
    finally:
        context.close()
    district.update_user(student["sourcedId"], familyName="Later")
    synced(cli)
    assert [c["change"] for c in story(cli, student["sourcedId"])["changes"]] == ["updated"]
    # The old sync's list of people left out goes too; its run and counts stay.
    latest, old = cli("history", "--json").json()
    assert old["skipped"] > 0 and latest["skipped"] > 0
    assert len(cli("history", "--skips", str(latest["id"]), "--json").json()) == latest["skipped"]
    forgotten = cli("history", "--skips", str(old["id"]), "--json")
    assert forgotten.code == 0 and forgotten.json() == []
    assert f"left out {old['skipped']:,} people; who they were is no longer kept" in forgotten.err


def test_a_record_with_no_sourced_id_is_named_by_what_it_carries(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    nameless = provider_records(district)[0]
    nameless.update(sourcedId="", givenName="Jane", familyName="Doe", email="jane@x.example")
    district.add_user({**nameless, "sourcedId": "placeholder"})
    district.update_user("placeholder", sourcedId="")
    result = synced(cli)
    assert result["skipped_reasons"]["invalid_record"] == 1
    run = cli("history", "--json").json()[0]["id"]
    skips = cli("history", "--skips", str(run), "--json").json()
    assert {"sourcedId": None, "name": "Jane Doe, jane@x.example"}.items() <= next(
        s for s in skips if s["reason"] == "invalid_record"
    ).items()
