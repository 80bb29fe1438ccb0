"""A OneRoster CSV package as a roster source: what the REST client offers (see
:class:`app.oneroster.source.RosterSource`), read from files, afresh for each use.

Users are read a page at a time, so a million-row users.csv takes little memory; in 1.2 their
roles come from roles.csv through a :class:`RoleIndex` on disk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from app.errors import CanceledError
from app.oneroster.client import KnownRecords, Page
from app.oneroster.closing import ClosedOnExit
from app.oneroster.records import (
    Carries,
    InvalidRecord,
    School,
    User,
    parse_school,
    parse_user,
)
from app.oneroster_csv.manifest import Manifest, Version, read_manifest
from app.oneroster_csv.package import MANIFEST, Package, PackageRefusedError, find_package
from app.oneroster_csv.records import (
    ORG_COLUMNS,
    ROLE_COLUMNS,
    USER_COLUMNS,
    is_school,
    org_record,
    user_record_v1p1,
    user_record_v1p2,
)
from app.oneroster_csv.roles import RoleIndex
from app.oneroster_csv.tables import Row, batches, check_columns, require_file, rows

log = logging.getLogger(__name__)


class CsvSource(ClosedOnExit):
    """Use it from one thread at a time; cancel from anywhere."""

    def __init__(
        self,
        path: str | Path,
        *,
        cancel: threading.Event | None = None,
        page_size: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self._cancel = cancel or threading.Event()
        self._page_size = page_size
        self._clock = clock
        self._found: Path | None = None
        self._package: Package | None = None
        self._manifest: Manifest | None = None

    def __repr__(self) -> str:
        return f"CsvSource(path={str(self.path)!r})"

    def close(self) -> None:
        if self._package is not None:
            self._package.close()

    @property
    def package_file(self) -> Path | None:
        return self._found

    @property
    def changes_only(self) -> bool:
        return self._manifest is not None and self._manifest.mode("users") == "delta"

    @property
    def version(self) -> Version | None:
        return self._manifest.version if self._manifest else None

    def authenticate(self) -> None:
        """Find the package (there is nothing to sign in to); a drop folder's newest."""
        if self._found is None:
            self._found = find_package(self.path, self._clock)
            log.info("Reading the OneRoster CSV package %s", self._found)

    def schools(self) -> list[School]:
        """Every school of orgs.csv (type ``school``), the first of any repeated sourcedId."""
        package, manifest = self._checked()
        found: dict[str, School] = {}
        if manifest.mode("orgs") == "absent":
            return []
        for row in rows(package, "orgs.csv"):
            if is_school(row):
                try:
                    school = parse_school(org_record(row))
                except InvalidRecord:
                    continue
                found.setdefault(school.sourced_id, school)
        return list(found.values())

    def user_pages(
        self, modified_since: datetime | None = None, known: KnownRecords | None = None
    ) -> Iterator[Page[User]]:
        """Every user of users.csv, a page at a time. ``modified_since`` is not used: a package
        carries what it carries, and a sync asking for a delta leaves the rest as it is. Nor is
        ``known``: a CSV row is parsed in the reading, so every user comes parsed.

        When roles.csv is a delta, a users.csv row without roles rows keeps the person's roles,
        and the people with roles rows but no users.csv row follow, carrying only their roles.
        """
        del modified_since, known
        package, manifest = self._checked()
        roles = None
        if manifest.version == "1.2":
            roles = RoleIndex(rows(package, "roles.csv"), self._cancel)
        roles_delta = manifest.mode("roles") == "delta"
        try:
            offset = 0
            for batch in batches(rows(package, "users.csv"), self._page_size):
                self._check_cancel()
                page = _page(batch, roles, offset, roles_delta=roles_delta)
                offset += len(batch)
                yield page
            if roles is not None and roles_delta:
                for roles_only in batches(roles.unclaimed(), self._page_size):
                    self._check_cancel()
                    yield _roles_only_page(roles_only, offset)
                    offset += len(roles_only)
        finally:
            if roles is not None:
                roles.close()

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise CanceledError()

    def _checked(self) -> tuple[Package, Manifest]:
        """The package, its manifest read and every file and column needed there."""
        self.authenticate()
        assert self._found is not None
        if self._package is None:
            self._package = Package(self._found)
        if self._manifest is None:
            self._manifest = _checked_manifest(self._package)
        return self._package, self._manifest


def _checked_manifest(package: Package) -> Manifest:
    require_file(package, MANIFEST)
    manifest = read_manifest(package)
    if manifest.mode("users") == "absent":
        raise PackageRefusedError(
            "manifest.csv says the package carries no users (file.users is absent), so there "
            "is nothing to sync. Export the package with users."
        )
    check_columns(package, "users.csv", USER_COLUMNS[manifest.version])
    if manifest.mode("orgs") != "absent":
        check_columns(package, "orgs.csv", ORG_COLUMNS)
    if manifest.version == "1.2":
        check_columns(package, "roles.csv", ROLE_COLUMNS)
    return manifest


def _page(
    batch: list[Row], roles: RoleIndex | None, offset: int, *, roles_delta: bool
) -> Page[User]:
    if roles is None:
        return _parsed([(user_record_v1p1(row), "whole") for row in batch], offset)
    found = roles.for_users([(row.get("sourcedId") or "").strip() for row in batch])
    records: list[tuple[dict[str, Any], Carries]] = []
    for row in batch:
        own = found.get((row.get("sourcedId") or "").strip(), [])
        records.append(
            (user_record_v1p2(row, own), "fields" if roles_delta and not own else "whole")
        )
    return _parsed(records, offset)


def _roles_only_page(people: list[tuple[str, list[dict[str, Any]]]], offset: int) -> Page[User]:
    return _parsed([({"sourcedId": id_, "roles": roles}, "roles") for id_, roles in people], offset)


def _parsed(records: list[tuple[dict[str, Any], Carries]], offset: int) -> Page[User]:
    page: Page[User] = Page([], [], offset, None)
    for record, carries in records:
        try:
            user = parse_user(record)
        except InvalidRecord as invalid:
            page.invalid.append(invalid)
            continue
        user.carries = carries
        page.records.append(user)
    return page
