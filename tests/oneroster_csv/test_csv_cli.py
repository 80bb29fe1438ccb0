"""The command line over a OneRoster CSV source, end to end: real packages in a drop folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.csv_packages import DISTRICT, SITES, CsvPackage, Person, aged


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    aged(CsvPackage("1.1").write_zip(folder / "old-1.1.zip"), 86_400)
    aged(CsvPackage("1.2").write_zip(folder / "roster-1.2.zip"), 3_600)
    return folder


@pytest.fixture
def synced(cli: Cli, drop: Path) -> Path:
    """Connected to the drop folder, mapped, usernames from email, synced once."""
    connected = cli("connect", "--csv", str(drop))  # no secret, no Token URL
    assert connected.code == 0, connected.err
    assert "2 schools" in connected.out
    assert cli("sites", "add", *SITES).code == 0
    assert cli("map", "--suggest", "--apply").code == 0
    assert cli("username-field", "email").code == 0
    first = cli("sync", "--json")
    assert first.code == 0, first.err
    return drop


def active_users(cli: Cli) -> dict[str, dict[str, object]]:
    return {user["sourcedId"]: user for user in cli("users", "--json").json() if user["active"]}


def test_the_whole_flow_puts_the_right_people_in_the_directory(cli: Cli, drop: Path):
    assert cli("connect", "--csv", str(drop)).code == 0
    assert cli("sites", "add", *SITES).code == 0
    assert cli("map", "--suggest", "--apply").code == 0
    schools = {s["name"]: s["site"] for s in cli("schools", "--json").json()}
    assert schools == {"Lincoln Elementary School": SITES[0], "Washington High School": SITES[1]}
    preview = cli("username-field", "email", "--preview", "--json")
    assert preview.code == 0 and preview.json()["missing"] == 1  # Ed has no email
    assert cli("username-field", "email").code == 0

    sync = cli("sync", "--json")
    assert sync.code == 0, sync.err
    result = sync.json()
    assert result["status"] == "succeeded"
    assert result["source_file"] == str(drop.resolve() / "roster-1.2.zip")
    assert (result["added"], result["skipped"]) == (3, 2)
    assert result["skipped_reasons"] == {"not_synced_role": 1, "no_username": 1}

    users = active_users(cli)
    assert {sid: (u["username"], u["role"], u["site"]) for sid, u in users.items()} == {
        "p1": ("ana@district.org", "student", SITES[0]),
        "p2": ("bo@district.org", "student", SITES[1]),
        "p3": ("cy@district.org", "teacher", SITES[1]),  # the primary role's school
    }
    assert (users["p2"]["givenName"], users["p3"]["familyName"]) == ('Bo "B"', "Line\nBreak")

    again = cli("sync", "--json").json()
    assert (again["unchanged"], again["added"], again["updated"], again["deactivated"]) == (
        3,
        0,
        0,
        0,
    )

    check = cli("check", "--json")
    assert check.code == 0, check.out
    checks = {c["name"]: c for c in check.json()["checks"]}
    assert list(checks) == ["reachable", "credentials", "oneroster", "schools", "users"]
    assert all(c["ok"] for c in checks.values())
    assert checks["credentials"]["detail"] == "not needed"
    assert "1.2" in checks["oneroster"]["detail"]


def test_the_log_names_the_file_a_sync_read(cli: Cli, synced: Path, isolated_profile):
    log_text = "".join(p.read_text() for p in isolated_profile.root.rglob("*.log"))
    assert f"Reading the OneRoster CSV package {synced.resolve() / 'roster-1.2.zip'}" in log_text


def test_a_delta_package_changes_only_the_people_it_carries(cli: Cli, synced: Path):
    changed = [
        Person("p1", "Ana", "Lopez-Ruiz", "ana@district.org"),
        Person("p2", "Bo", "Chen", "bo@district.org", orgs=("sch-2",), status="tobedeleted"),
    ]
    CsvPackage("1.2", changed, users_mode="delta").write_zip(synced / "delta.zip")
    aged(synced / "delta.zip", 60)
    result = cli("sync", "--full", "--json").json()  # a full sync, still a delta package
    assert result["status"] == "succeeded", result
    assert (result["updated"], result["deactivated"], result["unchanged"]) == (1, 1, 0)
    users = active_users(cli)
    assert set(users) == {"p1", "p3"}  # p3 was not in the package, and stays
    assert users["p1"]["familyName"] == "Lopez-Ruiz"


def test_a_bulk_package_without_someone_deactivates_them(cli: Cli, synced: Path):
    CsvPackage("1.2", [p for p in DISTRICT if p.sourced_id != "p2"]).write_zip(synced / "n.zip")
    aged(synced / "n.zip", 60)
    result = cli("sync", "--json").json()
    assert (result["deactivated"], result["unchanged"]) == (1, 2)


def test_a_refused_package_changes_nothing(cli: Cli, synced: Path):
    before = cli("users", "--json").json()
    broken = CsvPackage("1.2")
    broken.overrides["users.csv"] = broken.text("users.csv").replace("givenName", "first")
    aged(broken.write_zip(synced / "broken.zip"), 60)
    sync = cli("sync", "--json")
    assert sync.code == 1
    assert sync.json()["status"] == "failed"
    assert sync.json()["error"].startswith("users.csv has no column givenName.")
    assert cli("users", "--json").json() == before
    check = {c["name"]: c for c in cli("check", "--json").json()["checks"]}
    assert not check["oneroster"]["ok"]
    assert "givenName" in check["oneroster"]["detail"]


def test_connect_refuses_a_bad_package_and_saves_nothing(cli: Cli, tmp_path: Path):
    package = CsvPackage("1.1", overrides={"orgs.csv": None}).write_folder(tmp_path / "x")
    result = cli("connect", "--csv", str(package))
    assert result.code == 1
    assert "has no orgs.csv" in result.err
    assert "Traceback" not in result.err
    assert cli("check", "--json").json()["checks"][0]["name"] == "connection"


def test_check_says_when_the_drop_folder_is_gone(cli: Cli, synced: Path):
    for item in synced.iterdir():
        item.unlink()
    synced.rmdir()
    check = cli("check", "--json")
    assert check.code == 1
    first = check.json()["checks"][0]
    assert (first["name"], first["ok"]) == ("reachable", False)
    assert "cannot find" in first["detail"]


def test_connect_needs_a_server_or_a_package(cli: Cli):
    result = cli("connect", "--client-id", "x")
    assert result.code == 1
    assert "--csv PATH" in result.err


def test_a_delta_sync_of_a_bulk_package_deactivates_no_one_absent(cli: Cli, synced: Path):
    CsvPackage("1.2", [p for p in DISTRICT if p.sourced_id != "p2"]).write_zip(synced / "n.zip")
    aged(synced / "n.zip", 60)
    result = cli("sync", "--delta", "--json").json()
    assert (result["deactivated"], result["unchanged"]) == (0, 2)
    assert set(active_users(cli)) == {"p1", "p2", "p3"}


def _delta(people: list[Person], *, users: bool = True, roles: bool = True) -> CsvPackage:
    """A 1.2 delta package of ``people``; without their users.csv or roles.csv rows if asked."""
    package = CsvPackage("1.2", people, users_mode="delta")
    empty = CsvPackage("1.2", [])
    for name, carried in (("users.csv", users), ("roles.csv", roles)):
        if not carried:
            package.overrides[name] = empty.text(name)
    return package


def test_a_delta_user_row_without_roles_rows_stays_where_they_are(cli: Cli, synced: Path):
    renamed = Person("p3", "Cy", "Renamed", "cy@district.org", role="teacher", orgs=("sch-2",))
    _delta([renamed], roles=False).write_zip(synced / "delta.zip")
    aged(synced / "delta.zip", 60)
    result = cli("sync", "--json").json()
    assert result["status"] == "succeeded", result
    assert (result["updated"], result["deactivated"], result["skipped"]) == (1, 0, 0)
    p3 = active_users(cli)["p3"]
    assert (p3["familyName"], p3["role"], p3["site"]) == ("Renamed", "teacher", SITES[1])


def test_a_delta_roles_row_without_its_user_row_moves_the_person(cli: Cli, synced: Path):
    moved = Person("p1", "ignored", "ignored", "ignored@x", orgs=("sch-2",))
    _delta([moved], users=False).write_zip(synced / "delta.zip")
    aged(synced / "delta.zip", 60)
    result = cli("sync", "--json").json()
    assert result["status"] == "succeeded", result
    assert (result["updated"], result["deactivated"], result["skipped"]) == (1, 0, 0)
    users = active_users(cli)
    assert set(users) == {"p1", "p2", "p3"}
    p1 = users["p1"]
    assert (p1["givenName"], p1["username"], p1["site"]) == ("Ana", "ana@district.org", SITES[1])
    latest = cli("user", "p1", "--json").json()["changes"][0]
    assert (latest["change"], latest["fields"]) == ("updated", {"site": [SITES[0], SITES[1]]})


def test_a_delta_that_cannot_place_or_name_a_newcomer_says_so(cli: Cli, synced: Path):
    newcomer = Person("p9", "Flo", "New", "flo@district.org")
    stranger = Person("p8", "", "", "", orgs=("sch-2",))
    _delta([newcomer], roles=False).write_zip(synced / "a.zip")
    aged(synced / "a.zip", 120)
    first = cli("sync", "--json").json()
    assert (first["added"], first["skipped"]) == (0, 1)
    assert first["skipped_reasons"] == {"unmapped_school": 1}
    _delta([stranger], users=False).write_zip(synced / "b.zip")
    aged(synced / "b.zip", 60)
    second = cli("sync", "--json").json()
    assert (second["added"], second["skipped"]) == (0, 1)
    assert second["skipped_reasons"] == {"invalid_record": 1}
    latest = cli("user", "p8", "--json").json()["changes"][0]
    assert (latest["change"], latest["reason"]) == ("skipped", "invalid_record")
    assert "no users.csv row" in cli("user", "p8").out
    assert set(active_users(cli)) == {"p1", "p2", "p3"}
