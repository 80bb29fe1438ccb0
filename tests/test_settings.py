"""Settings survive as one JSON file; a damaged file is set aside, never fatal."""

from __future__ import annotations

import json

import pytest

from app.context import AppContext
from app.paths import Profile
from app.settings import Settings, SettingsFile
from tests.conftest import Cli


def test_settings_round_trip_and_hold_no_secret(isolated_profile: Profile):
    store = SettingsFile(isolated_profile)
    settings = Settings()
    settings.connection.client_id = "abc"
    settings.username_field = "identifier"
    settings.schedule.time = "03:30"
    store.save(settings)
    loaded = SettingsFile(isolated_profile).load()
    assert loaded == settings
    assert "secret" not in isolated_profile.settings_file.read_text()


def test_unknown_and_wrongly_typed_values_fall_back_to_defaults(isolated_profile: Profile):
    isolated_profile.ensure()
    isolated_profile.settings_file.write_text(
        json.dumps(
            {
                "connection": {"client_id": 42, "base_url": "https://x.example", "extra": 1},
                "username_field": "shoe size",
                "page_size": -5,
                "later_version_key": True,
            }
        )
    )
    loaded = SettingsFile(isolated_profile).load()
    assert loaded.connection.client_id == ""
    assert loaded.connection.base_url == "https://x.example"
    assert loaded.username_field == "email"
    assert loaded.page_size == Settings().page_size


def test_an_older_file_that_says_setup_was_finished_loads_and_decides_nothing(
    isolated_profile: Profile,
):
    isolated_profile.ensure()
    old = {"setup_complete": True, "connection": {"client_id": "abc"}, "username_field": "email"}
    isolated_profile.settings_file.write_text(json.dumps(old))
    context = AppContext(isolated_profile)
    try:
        assert context.settings_file.set_aside is None
        assert context.settings.connection.client_id == "abc"
        assert not context.is_set_up  # what is saved decides: no Base URL, nothing mapped
        context.save_settings()
    finally:
        context.close()
    assert "setup_complete" not in json.loads(isolated_profile.settings_file.read_text())


def test_a_corrupted_settings_file_is_set_aside_with_a_message(cli: Cli, isolated_profile: Profile):
    isolated_profile.ensure()
    isolated_profile.settings_file.write_text("{ this is not json")
    result = cli("sites", "list")
    assert result.code == 0
    assert "set aside" in result.err
    aside = list(isolated_profile.root.glob("settings.corrupt-*.json"))
    assert len(aside) == 1 and aside[0].read_text() == "{ this is not json"


def test_page_concurrency_is_saved_and_read_back(isolated_profile: Profile):
    store = SettingsFile(isolated_profile)
    settings = Settings()
    assert settings.page_concurrency == 1
    settings.page_concurrency = 4
    store.save(settings)
    assert SettingsFile(isolated_profile).load().page_concurrency == 4


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", True, None, [3]])
def test_page_concurrency_outside_one_to_five_keeps_the_default(value: object):
    assert Settings.from_json({"page_concurrency": value}).page_concurrency == 1


@pytest.mark.parametrize("value", [1, 3, 5])
def test_page_concurrency_from_one_to_five_is_kept(value: int):
    assert Settings.from_json({"page_concurrency": value}).page_concurrency == value


@pytest.mark.parametrize("value", ["0", "6", "two", "2.5"])
def test_sync_concurrency_outside_one_to_five_is_refused(
    cli: Cli, capsys: pytest.CaptureFixture[str], value: str
):
    with pytest.raises(SystemExit) as exited:
        cli("sync", "--concurrency", value)
    assert exited.value.code == 2
    assert (
        f"argument --concurrency: '{value}' is not a number from 1 to 5 (Infinite Campus allows "
        "at most 5 requests at once)"
    ) in capsys.readouterr().err


def test_a_profile_saved_with_the_old_page_size_asks_for_larger_pages():
    assert Settings.from_json({"page_size": 1000}).page_size == Settings().page_size == 5000


@pytest.mark.parametrize("value", [20, 250, 10_000])
def test_a_page_size_set_by_hand_is_kept(value: int):
    assert Settings.from_json({"page_size": value}).page_size == value


@pytest.mark.parametrize("value", [0, -5, True, "5000", 2.5, None])
def test_a_page_size_that_is_not_a_count_keeps_the_default(value: object):
    assert Settings.from_json({"page_size": value}).page_size == 5000
