"""Settings survive as one JSON file; a damaged file is set aside, never fatal."""

from __future__ import annotations

import json

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


def test_a_corrupted_settings_file_is_set_aside_with_a_message(cli: Cli, isolated_profile: Profile):
    isolated_profile.ensure()
    isolated_profile.settings_file.write_text("{ this is not json")
    result = cli("sites", "list")
    assert result.code == 0
    assert "set aside" in result.err
    aside = list(isolated_profile.root.glob("settings.corrupt-*.json"))
    assert len(aside) == 1 and aside[0].read_text() == "{ this is not json"
