"""The itemised connection check behind the wizard's "Validate configuration" page and
``rostersync check``: each line passes or fails with its own cause and fix."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from app.errors import (
    AuthenticationError,
    CanceledError,
    NetworkError,
    NotATokenEndpointError,
    RosterSyncError,
)
from app.oneroster.client import OneRosterClient
from app.oneroster.download import download_users
from app.oneroster.records import STAFF_ROLES, School, User
from app.oneroster.source import RosterSource
from app.oneroster_csv.package import PackageMissingError
from app.oneroster_csv.source import CsvSource

CheckName = Literal["reachable", "credentials", "oneroster", "schools", "users"]
CHECK_CANCELED = "The check was canceled."
CHECK_LABELS: dict[CheckName, str] = {
    "reachable": "Server reachable",
    "credentials": "Client ID and Client Secret accepted",
    "oneroster": "Base URL is a OneRoster service",
    "schools": "Schools readable",
    "users": "Users readable",
}


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    name: CheckName
    ok: bool
    detail: str

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.name]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class ConnectionReport:
    outcomes: list[CheckOutcome] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    #: Every user the provider returned, de-duplicated; reused by the username page.
    users: list[User] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return len(self.outcomes) == len(CHECK_LABELS) and all(o.ok for o in self.outcomes)


def _group(user: User) -> str:
    roles = {role.role for role in user.roles}
    if "student" in roles:
        return "students"
    if roles & STAFF_ROLES:
        return "staff"
    return "family members and others (never synced)"


def _role_summary(users: list[User]) -> str:
    groups = Counter(_group(user) for user in users)
    parts = ", ".join(f"{count:,} {group}" for group, count in groups.most_common())
    return f"{len(users):,} people: {parts}." if users else "No users were returned."


def run_connection_checks(
    client: RosterSource,
    on_outcome: Callable[[CheckOutcome], None] = lambda _outcome: None,
    on_users: Callable[[int, int | None], None] = lambda _done, _total: None,
    cancel: threading.Event | None = None,
) -> ConnectionReport:
    """Run the checks in order, stopping at the first failure; the client is not closed."""
    report = ConnectionReport()
    cancel = cancel or threading.Event()

    def record(name: CheckName, ok: bool, detail: str) -> bool:
        outcome = CheckOutcome(name, ok, detail)
        report.outcomes.append(outcome)
        on_outcome(outcome)
        return ok

    try:
        client.authenticate()
    except CanceledError:
        record("reachable", False, CHECK_CANCELED)
        return report
    except (NetworkError, PackageMissingError) as error:  # TlsError is a NetworkError
        record("reachable", False, error.message)
        return report
    except (AuthenticationError, NotATokenEndpointError, RosterSyncError) as error:
        record("reachable", True, "The server answered.")
        record("credentials", False, error.message)
        return report
    if isinstance(client, CsvSource):
        record("reachable", True, f"Found {client.package_file}.")
        record("credentials", True, "not needed")
    else:
        record("reachable", True, "The server answered.")
        record("credentials", True, "Infinite Campus accepted them.")

    try:
        report.schools = client.schools()
    except RosterSyncError as error:
        name: CheckName = (
            "oneroster" if error.kind in ("base_url", "provider", "csv_package") else "schools"
        )
        if name == "schools":
            record("oneroster", True, _version_text(client))
        record(name, False, error.message)
        return report
    record("oneroster", True, _version_text(client))
    if not record(
        "schools",
        bool(report.schools),
        f"{len(report.schools):,} schools"
        if report.schools
        else "The provider lists no schools, so nothing can be "
        "synced — ask your Infinite Campus administrator to check the connection.",
    ):
        return report

    try:
        download = download_users(
            client, on_progress=on_users, cancel=cancel, canceled_message=CHECK_CANCELED
        )
    except RosterSyncError as error:
        record("users", False, error.message)
        return report
    report.users = list(download.users.values())
    record("users", True, _role_summary(report.users))
    return report


def _version_text(client: RosterSource) -> str:
    if isinstance(client, CsvSource):
        return f"OneRoster CSV {client.version} package."
    assert isinstance(client, OneRosterClient)
    version = "1.1" if client.base_url.endswith("/v1p1") else "1.2"
    return f"OneRoster {version} found."
