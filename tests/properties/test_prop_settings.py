"""Whatever bytes settings.json holds, loading gives usable settings and never raises."""

from __future__ import annotations

import json
import tempfile
from dataclasses import fields
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.oneroster.client import MAX_PAGE_CONCURRENCY
from app.oneroster.records import USERNAME_FIELDS
from app.paths import Profile
from app.settings import ConnectionSettings, ScheduleSettings, Settings, SettingsFile
from tests.properties.strategies import json_values

DEFAULTS = Settings()


def load_bytes(data: bytes, folder: Path) -> tuple[Settings, SettingsFile]:
    profile = Profile(folder)
    profile.settings_file.parent.mkdir(parents=True, exist_ok=True)
    profile.settings_file.write_bytes(data)
    settings_file = SettingsFile(profile)
    return settings_file.load(), settings_file


def check_usable(loaded: Settings) -> None:
    assert isinstance(loaded, Settings)
    for section, kind in (
        (loaded.connection, ConnectionSettings),
        (loaded.schedule, ScheduleSettings),
    ):
        assert isinstance(section, kind)
        default = kind()
        for item in fields(kind):  # type: ignore[arg-type]
            assert type(getattr(section, item.name)) is type(getattr(default, item.name))
    assert isinstance(loaded.database_url, str)
    assert loaded.username_field in USERNAME_FIELDS
    assert type(loaded.page_size) is int and loaded.page_size > 0
    assert type(loaded.page_concurrency) is int
    assert 1 <= loaded.page_concurrency <= MAX_PAGE_CONCURRENCY
    assert type(loaded.tray_notice_shown) is bool


def check_loaded(data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="props-settings-") as folder:
        check_loaded_in(data, Path(folder))


def check_loaded_in(data: bytes, folder: Path) -> None:
    loaded, settings_file = load_bytes(data, folder)
    check_usable(loaded)
    try:
        parsed = json.loads(data.decode("utf-8"))
        readable = isinstance(parsed, dict)
    except (ValueError, RecursionError):
        readable = False
    if readable:
        assert settings_file.set_aside is None
        assert settings_file.path.read_bytes() == data  # a readable file is left alone
    else:
        assert settings_file.set_aside is not None, "an unreadable file was not set aside"
        assert settings_file.set_aside.exists()
        assert settings_file.set_aside.read_bytes() == data
        assert not settings_file.path.exists()
        assert loaded == DEFAULTS
    settings_file.save(loaded)  # and the settings it gave can be saved again
    assert SettingsFile(Profile(folder)).load() == loaded


settings_like = st.fixed_dictionaries(
    {},
    optional={
        "connection": st.one_of(
            json_values,
            st.fixed_dictionaries(
                {},
                optional={name: json_values for name in ("enabled", "base_url", "client_id")},
            ),
        ),
        "schedule": st.one_of(
            json_values,
            st.fixed_dictionaries({}, optional={"nightly": json_values, "time": json_values}),
        ),
        "username_field": st.one_of(json_values, st.sampled_from(USERNAME_FIELDS)),
        "database_url": json_values,
        "page_size": st.one_of(json_values, st.integers()),
        "page_concurrency": st.one_of(json_values, st.integers(-2, 8), st.booleans()),
        "setup_complete": json_values,  # no longer read: an older version wrote it
        "tray_notice_shown": json_values,
    },
)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.binary(max_size=200).filter(_utf8), st.text().map(str.encode)))
@example(b"")
@example(b"\xef\xbb\xbf{}")  # a byte-order mark, as Notepad writes it
@example(b"null")
@example(b"[]")
@example(b'{"page_size": 1' + b"0" * 5000 + b"}")  # past int's digit limit
def test_any_utf8_bytes_load_as_usable_settings(data: bytes) -> None:
    check_loaded(data)


@settings(max_examples=50, deadline=None)
@given(json_values)
def test_any_json_value_loads_as_usable_settings(value: object) -> None:
    check_loaded(json.dumps(value).encode())


@settings(max_examples=50, deadline=None)
@given(settings_like)
def test_fields_of_the_wrong_type_keep_their_defaults(data: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory(prefix="props-settings-") as folder:
        loaded, settings_file = load_bytes(json.dumps(data).encode(), Path(folder))
    check_usable(loaded)
    assert settings_file.set_aside is None
    if type(data.get("database_url")) is not str:
        assert loaded.database_url == DEFAULTS.database_url
    connection = data.get("connection")
    if isinstance(connection, dict) and type(connection.get("base_url")) is not str:
        assert loaded.connection.base_url == ""
    if isinstance(connection, dict) and type(connection.get("enabled")) is not bool:
        assert loaded.connection.enabled is False


@settings(max_examples=5, deadline=None)
@given(st.sampled_from([b"[", b'{"a":', b'[{"x":']))
def test_deeply_nested_json_is_set_aside(opening: bytes) -> None:
    # A truncated, deeply nested file: json.loads raises RecursionError, not ValueError.
    check_loaded(opening * 100_000)


@settings(max_examples=20, deadline=None)
@given(st.binary(min_size=1, max_size=200).filter(lambda data: not _utf8(data)))
@example(b"\xff")
@example(b"\xff\xfe{}")  # UTF-16 with its byte-order mark
def test_bytes_that_are_not_utf8_are_set_aside(data: bytes) -> None:
    check_loaded(data)
