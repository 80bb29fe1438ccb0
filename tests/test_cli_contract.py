"""The command-line contract of PRODUCT.md, end to end against the demo server."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.oneroster.urls import BASE_URL_DISTRICT_FIX
from app.paths import Profile
from app.settings import SettingsFile
from tests.conftest import Cli, connect_args
from tests.support.oracle import expected_first_sync

SYNC_KEYS = {
    "status",
    "added",
    "updated",
    "deactivated",
    "unchanged",
    "skipped",
    "skipped_reasons",
    "error",
}
USER_KEYS = {"sourcedId", "username", "givenName", "familyName", "email", "role", "site", "active"}
HISTORY_KEYS = {"started_at", "finished_at", "trigger", "dry_run"} | SYNC_KEYS


def mapping_of(cli: Cli) -> dict[str, str]:
    return {s["sourcedId"]: s["site"] for s in cli("schools", "--json").json() if s["site"]}


def test_connect_validates_and_saves_the_secret_in_the_keyring(cli: Cli, demo_server: DemoServer):
    result = cli(*connect_args(demo_server), stdin=demo_server.client_secret + "\n")
    assert result.code == 0, result.err
    check = cli("check", "--json")
    assert check.code == 0
    assert [c["name"] for c in check.json()["checks"]] == [
        "reachable",
        "credentials",
        "oneroster",
        "schools",
        "users",
    ]
    assert all(c["ok"] for c in check.json()["checks"])


def test_connect_with_a_wrong_secret_says_so_and_saves_nothing(cli: Cli, demo_server: DemoServer):
    result = cli(*connect_args(demo_server), stdin="not-the-secret")
    assert result.code == 1
    assert "secret" in result.err.lower()
    assert "not-the-secret" not in result.err
    assert "Traceback" not in result.err
    assert cli("check").code == 1  # nothing was saved


def test_connect_rejects_a_base_url_without_its_oneroster_part(cli: Cli, demo_server: DemoServer):
    base = demo_server.base_url.split("/ims/")[0]
    args = connect_args(demo_server)
    args[args.index("--base-url") + 1] = base
    result = cli(*args, stdin=demo_server.client_secret)
    assert result.code == 1
    assert "/ims/oneroster/rostering/v1p2" in result.err


def district_part_missing(server: DemoServer) -> str:
    """The Base URL as typed by hand: the host and the standard ending, nothing between."""
    return f"http://127.0.0.1:{server.port}/ims/oneroster/rostering/v1p2"


def test_connect_with_a_base_url_lacking_its_district_part_says_to_copy_it_whole(
    cli: Cli, demo_server: DemoServer
):
    args = connect_args(demo_server)
    args[args.index("--base-url") + 1] = district_part_missing(demo_server)
    result = cli(*args, stdin=demo_server.client_secret)
    assert result.code == 1
    assert BASE_URL_DISTRICT_FIX in result.err
    assert "check it ends with" not in result.err
    assert "Traceback" not in result.err and demo_server.client_secret not in result.err
    assert cli("check").code == 1  # nothing was saved


def test_check_names_a_saved_base_url_lacking_its_district_part(
    cli: Cli, connected: DemoServer, isolated_profile: Profile
):
    settings_file = SettingsFile(isolated_profile)
    settings = settings_file.load()
    settings.connection.base_url = district_part_missing(connected)
    settings_file.save(settings)
    result = cli("check", "--json")
    assert result.code == 1
    checks = {check["name"]: check for check in result.json()["checks"]}
    assert checks["credentials"]["ok"] and not checks["oneroster"]["ok"]
    assert BASE_URL_DISTRICT_FIX in checks["oneroster"]["detail"]


def test_without_a_keyring_connect_warns_and_the_variable_is_used(
    cli: Cli, demo_server: DemoServer, monkeypatch
):
    keyring.set_keyring(fail.Keyring())
    result = cli(*connect_args(demo_server), stdin=demo_server.client_secret)
    assert result.code == 0
    assert "ROSTERSYNC_CLIENT_SECRET" in result.err
    assert cli("check").code == 1
    monkeypatch.setenv("ROSTERSYNC_CLIENT_SECRET", demo_server.client_secret)
    assert cli("check").code == 0


def test_schools_start_unmapped_and_map_by_name_or_id(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    cli("map", "--unmap", district.schools[0]["sourcedId"])
    schools = cli("schools", "--json").json()
    assert set(schools[0]) == {"sourcedId", "name", "site"}
    first = next(s for s in schools if s["sourcedId"] == district.schools[0]["sourcedId"])
    assert first["site"] is None
    site = district.local_site_names[0]
    assert cli("map", first["name"], site).code == 0
    assert mapping_of(cli)[first["sourcedId"]] == site
    assert cli("map", "--unmap", first["sourcedId"]).code == 0
    assert first["sourcedId"] not in mapping_of(cli)


def test_map_to_an_unknown_site_names_the_fix(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    result = cli("map", district.schools[0]["sourcedId"], "Nowhere Elem")
    assert result.code == 1
    assert "sites add" in result.err


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Lincoln", "Lincoln Elem"),
        ("lincoln elem.", "Lincoln Elem"),
        ("Kenedy Middle", "Kennedy Middle"),
    ],
)
def test_a_mistyped_site_gets_a_suggestion(
    cli: Cli, connected: DemoServer, district: DemoDistrict, typed: str, meant: str
):
    result = cli("map", district.schools[0]["sourcedId"], typed)
    assert result.code == 1
    assert f"Did you mean '{meant}'?" in result.err


def test_suggestions_pair_every_demo_school_with_its_site(
    cli: Cli, demo_server: DemoServer, district: DemoDistrict
):
    cli(*connect_args(demo_server), stdin=demo_server.client_secret)
    cli("sites", "add", *district.local_site_names)
    preview = cli("map", "--suggest", "--json").json()
    assert len(preview) == len(district.schools)
    assert mapping_of(cli) == {}  # a preview saves nothing
    cli("map", "--suggest", "--apply")
    assert len(mapping_of(cli)) == len(district.schools)


def test_sites_add_and_list(cli: Cli):
    assert cli("sites", "add", "Lincoln Elem", "  Washington   HS ").code == 0
    assert cli("sites", "add", "lincoln elem").code == 0  # already there, not doubled
    assert [s["name"] for s in cli("sites", "list", "--json").json()] == [
        "Lincoln Elem",
        "Washington HS",
    ]


def test_first_sync_stores_exactly_what_the_rules_say(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    result = cli("sync", "--json")
    assert result.code == 0, result.err
    summary = result.json()
    assert set(summary) >= SYNC_KEYS
    expected, reasons = expected_first_sync(list(district.iter_users()), mapping_of(cli), "email")
    users = cli("users", "--json").json()
    assert all(set(user) == USER_KEYS for user in users)
    assert {u["sourcedId"]: u for u in users} == expected
    assert summary["status"] == "succeeded" and summary["error"] is None
    assert summary["added"] == len(expected)
    assert summary["skipped_reasons"] == dict(reasons)
    assert summary["skipped"] == sum(reasons.values())


def test_username_preview_counts_match_the_data(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    preview = cli("username-field", "email", "--preview", "--json").json()
    synced = [
        u
        for u in district.iter_users()
        if any(r["role"] not in ("guardian", "parent", "relative") for r in u["roles"])
        and u["status"] != "tobedeleted"
        and u["enabledUser"] != "false"
    ]
    missing = sum(1 for u in synced if not (u.get("email") or "").strip())
    assert preview["total"] == len(synced)
    assert preview["missing"] == missing
    assert preview["present"] == len(synced) - missing
    assert cli("username-field", "username").code == 0
    cli("sync")
    assert all(u["username"] for u in cli("users", "--json").json())


def test_second_sync_of_unchanged_data_changes_nothing(cli: Cli, connected: DemoServer):
    first = cli("sync", "--json").json()
    second = cli("sync", "--json").json()
    assert (second["added"], second["updated"], second["deactivated"]) == (0, 0, 0)
    assert second["unchanged"] == first["added"] + first["unchanged"]
    assert second["skipped"] == first["skipped"]


def test_dry_run_changes_nothing_but_is_recorded(cli: Cli, connected: DemoServer):
    dry = cli("sync", "--dry-run", "--json").json()
    assert dry["added"] > 0
    assert cli("users", "--json").json() == []
    history = cli("history", "--json").json()
    assert history[0]["dry_run"] is True and set(history[0]) >= HISTORY_KEYS
    real = cli("sync", "--json").json()
    assert real["added"] == dry["added"]


def test_history_is_newest_first_with_its_trigger(cli: Cli, connected: DemoServer):
    cli("sync")
    cli("sync", "--scheduled")
    history = cli("history", "--json").json()
    assert [run["trigger"] for run in history] == ["schedule", "cli"]
    assert history[0]["started_at"] >= history[1]["started_at"]
    assert all(run["finished_at"] for run in history)


def test_leaving_and_removed_users_become_inactive(
    cli: Cli, connected: DemoServer, district: DemoDistrict
):
    cli("sync")
    active = cli("users", "--json").json()
    leaving, removed = active[0]["sourcedId"], active[1]["sourcedId"]
    district.update_user(leaving, status="tobedeleted")
    district.remove_user(removed)
    result = cli("sync", "--json").json()
    assert result["deactivated"] == 2
    everyone = {u["sourcedId"]: u for u in cli("users", "--json", "--include-inactive").json()}
    assert everyone[leaving]["active"] is False and everyone[removed]["active"] is False
    assert everyone[leaving]["site"] == active[0]["site"]  # keeps what it had
    assert leaving not in {u["sourcedId"] for u in cli("users", "--json").json()}


def test_safety_limit_stops_a_sync_that_would_empty_a_school(cli: Cli, connected: DemoServer):
    cli("sync")
    before = cli("users", "--json").json()
    biggest = max({u["site"] for u in before}, key=lambda s: sum(u["site"] == s for u in before))
    school = next(s["sourcedId"] for s in cli("schools", "--json").json() if s["site"] == biggest)
    cli("map", "--unmap", school)
    stopped = cli("sync", "--json")
    assert stopped.code == 1
    assert stopped.json()["status"] == "failed"
    assert "safety limit" in stopped.json()["error"]
    assert cli("users", "--json").json() == before
    confirmed = cli("sync", "--allow-mass-deactivation", "--json")
    assert confirmed.code == 0
    assert confirmed.json()["deactivated"] == sum(u["site"] == biggest for u in before)


def test_users_filters_by_site_and_exports_safe_csv(
    cli: Cli, connected: DemoServer, district: DemoDistrict, tmp_path: Path
):
    first = district.iter_users().__next__()
    district.update_user(first["sourcedId"], givenName='=HYPERLINK("http://x")')
    cli("sync")
    site = cli("users", "--json").json()[0]["site"]
    assert {u["site"] for u in cli("users", "--json", "--site", site).json()} == {site}
    out = tmp_path / "users.csv"
    assert cli("users", "--csv", str(out)).code == 0
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == USER_KEYS
    assert not any(row["givenName"].startswith("=") for row in rows)


def test_unknown_command_input_gets_a_sentence_not_a_traceback(cli: Cli):
    result = cli("sync", "--json")
    assert result.code == 1
    assert "not connected" in result.json()["error"]


def test_site_names_compare_case_insensitively_in_every_alphabet(cli: Cli):
    assert cli("sites", "add", "École Nord").code == 0
    cli("sites", "add", "école nord", "ÉCOLE NORD")
    assert [s["name"] for s in cli("sites", "list", "--json").json()] == ["École Nord"]
    cli("sites", "add", "Other")
    assert cli("sites", "rename", "école NORD", "Nord").code == 0
    assert [s["name"] for s in cli("sites", "list", "--json").json()] == ["Nord", "Other"]


def test_an_unusable_profile_folder_gets_a_sentence_not_a_traceback(tmp_path: Path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    env = os.environ | {"ROSTERSYNC_HOME": str(not_a_folder)}
    done = subprocess.run(
        [sys.executable, "-m", "app", "sync", "--json"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "profile folder" in done.stderr and "ROSTERSYNC_HOME" in done.stderr


def test_demo_takes_no_command(cli: Cli):
    with pytest.raises(SystemExit) as exited:
        cli("--demo", "sites", "add", "Somewhere")
    assert exited.value.code == 2
    assert cli("sites", "list", "--json").json() == []


def test_a_failed_csv_export_leaves_the_old_file(cli: Cli, tmp_path: Path):
    out = tmp_path / "users.csv"
    out.write_text("yesterday's export\n")
    assert cli("users", "--csv", str(out), "--site", "No Such Site").code == 1
    assert out.read_text() == "yesterday's export\n"


def test_history_lists_the_people_a_run_skipped_and_why(cli: Cli, connected: DemoServer):
    summary = cli("sync", "--json").json()
    run = cli("history", "--json").json()[0]
    skips = cli("history", "--skips", str(run["id"]), "--json").json()
    assert len(skips) == summary["skipped"]
    reasons = {
        reason: sum(s["reason"] == reason for s in skips) for reason in summary["skipped_reasons"]
    }
    assert reasons == summary["skipped_reasons"]
    assert all(s["name"] and s["detail"] for s in skips)
    assert cli("history", "--skips", "999").code == 1


def test_schools_falls_back_to_the_saved_list_when_the_provider_is_down(
    cli: Cli, connected: DemoServer
):
    saved = cli("schools", "--json").json()
    connected.faults.update({"rate_limit_every": 1, "retry_after": "3600"})
    offline = cli("schools", "--json")
    assert offline.code == 0 and offline.json() == saved
    assert "saved earlier" in offline.err


def test_sync_now_without_a_running_app_syncs_here(cli: Cli, connected: DemoServer):
    result = cli("--sync-now")
    assert result.code == 0, result.err
    assert cli("history", "--json").json()[0]["trigger"] == "cli"
