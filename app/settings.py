"""Non-secret settings, kept as one JSON file in the profile folder.

The client secret is never here: it lives in the OS keyring (see ``secret_store``).
A settings file that cannot be read is set aside (renamed) and defaults are used, so a
corrupted file never stops the app.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from app.oneroster.client import MAX_PAGE_CONCURRENCY
from app.oneroster.records import USERNAME_FIELDS, UsernameField
from app.paths import Profile

log = logging.getLogger(__name__)

SyncMode = Literal["full", "delta"]
_Section = TypeVar("_Section", "ConnectionSettings", "ScheduleSettings")


@dataclass
class ConnectionSettings:
    enabled: bool = False
    base_url: str = ""
    token_url: str = ""
    client_id: str = ""
    scope: str = ""
    #: A OneRoster CSV package (zip, folder or drop folder) read instead of a server.
    csv_path: str = ""
    #: "oauth2" (tokens from the Token URL) or "oauth1" (signed requests, no Token URL).
    auth: str = "oauth2"
    #: For "oauth1": the signature method that worked (HMAC-SHA256 or HMAC-SHA1).
    signature_method: str = ""

    @property
    def is_complete(self) -> bool:
        signs = self.auth == "oauth1"
        rest = self.base_url and self.client_id and (signs or self.token_url)
        return bool(self.csv_path or rest)


@dataclass
class ScheduleSettings:
    nightly: bool = True
    time: str = "02:00"
    #: What a scheduled run does; a full sync still runs weekly to catch deletions.
    mode: SyncMode = "full"


#: What every profile saved before issue #15 holds as its page size (nothing let anyone change
#: it): read as today's default, so an upgraded district asks for the larger pages too.
OLD_DEFAULT_PAGE_SIZE = 1000


@dataclass
class Settings:
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)
    username_field: UsernameField = "email"
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    #: Empty means the SQLite file in the profile folder.
    database_url: str = ""
    #: Records asked for per page. Infinite Campus serves pages far larger than 1,000 (5,000 is
    #: what integrators use); a provider that caps pages lower silently is followed page by page.
    page_size: int = 5000
    #: Page requests in flight at once during a download (1 to 5); 1 asks for one page at a time.
    page_concurrency: int = 1
    #: A PEM file of extra trusted certificates (a TLS-inspecting proxy's), beside the
    #: computer's own; empty for the computer's own only.
    ca_file: str = ""
    #: How long each entry of a person's story is kept, in days (a school year by default).
    story_retention_days: int = 365
    #: True once the person was told that closing the window keeps RosterSync in the tray.
    tray_notice_shown: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> Settings:
        if not isinstance(data, dict):
            raise ValueError("the settings file does not hold an object")
        settings = cls(
            connection=_dataclass_from(ConnectionSettings, data.get("connection")),
            schedule=_dataclass_from(ScheduleSettings, data.get("schedule")),
        )
        if isinstance(data.get("database_url"), str):
            settings.database_url = data["database_url"]
        settings.tray_notice_shown = data.get("tray_notice_shown") is True
        if data.get("username_field") in USERNAME_FIELDS:
            settings.username_field = data["username_field"]
        page_size = data.get("page_size")
        if type(page_size) is int and page_size > 0 and page_size != OLD_DEFAULT_PAGE_SIZE:
            settings.page_size = page_size
        if _is_concurrency(data.get("page_concurrency")):
            settings.page_concurrency = data["page_concurrency"]
        if isinstance(data.get("ca_file"), str):
            settings.ca_file = data["ca_file"]
        if _is_retention(data.get("story_retention_days")):
            settings.story_retention_days = data["story_retention_days"]
        return settings


#: The story's retention may be set from a month to ten years.
STORY_RETENTION_DAYS = (30, 3650)


def _is_retention(value: object) -> bool:
    low, high = STORY_RETENTION_DAYS
    return type(value) is int and low <= value <= high  # exact: not a bool


def _is_concurrency(value: object) -> bool:
    return type(value) is int and 1 <= value <= MAX_PAGE_CONCURRENCY  # exact: not a bool


def _dataclass_from(kind: type[_Section], data: object) -> _Section:
    """Build a settings section, keeping only known keys whose type matches the default's."""
    instance = kind()
    if isinstance(data, dict):
        for item in fields(kind):  # type: ignore[arg-type]
            value = data.get(item.name)
            if value is not None and type(value) is type(getattr(instance, item.name)):
                setattr(instance, item.name, value)
    return instance


class SettingsFile:
    """Loads and saves :class:`Settings` atomically in a profile folder."""

    def __init__(self, profile: Profile) -> None:
        self.path = profile.settings_file
        #: Set when a corrupted file was renamed aside during load, so callers can tell the person.
        self.set_aside: Path | None = None

    def load(self) -> Settings:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return Settings()
        try:
            # Not UTF-8 (UnicodeDecodeError is a ValueError), not JSON, too deeply nested, or
            # not an object: all set aside the same way.
            return Settings.from_json(json.loads(data.decode("utf-8")))
        except (ValueError, RecursionError):
            self.set_aside = self._set_aside()
            log.warning("The settings file could not be read; it was renamed to %s", self.set_aside)
            return Settings()

    def save(self, settings: Settings) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".settings-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(settings.to_json(), handle, indent=2)
        os.replace(temp, self.path)

    def _set_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"settings.corrupt-{stamp}.json")
        os.replace(self.path, target)
        return target
