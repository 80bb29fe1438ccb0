"""The wizard's username scan: every user (reused or downloaded), how well each candidate
field covers them, and who each field would leave out, with the reason and the shared value."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.bulk_work import cyclic_gc_paused
from app.csv_export import write_csv
from app.labels import role_label
from app.oneroster.client import OneRosterClient
from app.oneroster.download import download_users
from app.oneroster.records import USERNAME_FIELDS, User, UsernameField
from app.sync.coverage import FieldCoverage, measure_coverage

ScanStage = Literal["downloading", "measuring"]


@dataclass(frozen=True, slots=True)
class ScanProgress:
    stage: ScanStage
    done: int
    total: int | None


@dataclass(frozen=True, slots=True)
class LeftOutPerson:
    sourced_id: str
    name: str
    role: str
    reason: Literal["missing", "shared"]
    #: The value shared with someone else; None when the field is empty.
    value: str | None


@dataclass(frozen=True)
class FieldReport:
    coverage: FieldCoverage
    left_out: tuple[LeftOutPerson, ...]

    @property
    def field(self) -> UsernameField:
        return self.coverage.field

    @property
    def left_out_share(self) -> float:
        total = self.coverage.total
        return len(self.left_out) / total if total else 0.0


@dataclass(frozen=True)
class UsernameScan:
    fields: dict[UsernameField, FieldReport]

    @property
    def people(self) -> int:
        """Students and staff who would be synced (the same for every field)."""
        return self.fields["email"].coverage.total


def read_all_users(
    client: OneRosterClient,
    progress: Callable[[ScanProgress], None],
    cancel: threading.Event,
) -> list[User]:
    """Every user, a record sent twice counted once; the collector waits (see ``gc_pause``)."""
    with cyclic_gc_paused():
        client.authenticate()
        download = download_users(
            client,
            on_progress=lambda done, total: progress(ScanProgress("downloading", done, total)),
            cancel=cancel,
            canceled_message="Counting was canceled.",
        )
    return list(download.users.values())


def scan_usernames(users: Sequence[User]) -> UsernameScan:
    with cyclic_gc_paused():
        return _scan(users)


def _scan(users: Sequence[User]) -> UsernameScan:
    by_id = {user.sourced_id: user for user in users}
    fields: dict[UsernameField, FieldReport] = {}
    for name, coverage in measure_coverage(by_id.values()).items():
        people = tuple(
            LeftOutPerson(
                person.sourced_id,
                person.name,
                person.role,
                "shared" if person.reason == "shared" else "missing",
                by_id[person.sourced_id].field(name) if person.reason == "shared" else None,
            )
            for person in coverage.left_out
        )
        fields[name] = FieldReport(coverage, people)
    assert tuple(fields) == USERNAME_FIELDS
    return UsernameScan(fields)


LEFT_OUT_HEADERS = (
    "Name",
    "Role",
    "Why left out",
    "Shared value",
    "Infinite Campus ID (sourcedId)",
)


def left_out_reason(person: LeftOutPerson, noun: str) -> str:
    if person.reason == "missing":
        return f"No {noun}"
    return f"Shares this {noun} with someone else"


def left_out_row(person: LeftOutPerson, noun: str) -> tuple[str, str, str, str, str]:
    return (
        person.name,
        role_label(person.role),
        left_out_reason(person, noun),
        person.value or "",
        person.sourced_id,
    )


def write_left_out_csv(path: Path, people: Iterable[LeftOutPerson], noun: str) -> int:
    """The people a field would leave out, as a spreadsheet-safe CSV; returns the row count."""
    return write_csv(path, LEFT_OUT_HEADERS, (left_out_row(person, noun) for person in people))
