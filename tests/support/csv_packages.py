"""OneRoster CSV packages written for tests: 1.1 or 1.2, as a folder or a zip, real files."""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SCHOOLS = [("sch-1", "Lincoln Elementary School"), ("sch-2", "Washington High School")]
SITES = ["Lincoln Elem", "Washington High"]


@dataclass
class Person:
    sourced_id: str
    given: str
    family: str
    email: str
    role: str = "student"
    orgs: tuple[str, ...] = ("sch-1",)
    status: str = ""
    enabled: str = "true"
    legacy_id: str = ""


DISTRICT = [
    Person("p1", "Ana", "Lopez", "ana@district.org"),
    Person("p2", 'Bo "B"', "Chen, Jr.", "bo@district.org", orgs=("sch-2",)),
    Person("p3", "Cy", "Line\nBreak", "cy@district.org", role="teacher", orgs=("sch-2", "sch-1")),
    Person("p4", "Di", "Parent", "di@district.org", role="parent"),
    Person("p5", "Ed", "Nomail", ""),
]


@dataclass
class CsvPackage:
    version: str = "1.2"
    people: list[Person] = field(default_factory=lambda: list(DISTRICT))
    users_mode: str = "bulk"
    bom: bool = True
    #: File name -> text that replaces what would be written (or None to leave it out).
    overrides: dict[str, str | None] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """One file as written, without its byte-order mark: to edit into an override."""
        return self.files()[name].removeprefix("\ufeff")

    def files(self) -> dict[str, str]:
        files = {
            "manifest.csv": self._manifest(),
            "orgs.csv": _csv(
                ["sourcedId", "status", "dateLastModified", "name", "type", "parentSourcedId"],
                [[sid, "", "", name, "school", "dist"] for sid, name in SCHOOLS]
                + [["dist", "", "", "The District", "district", ""]],
            ),
            "users.csv": self._users(),
        }
        if self.version == "1.2":
            files["roles.csv"] = self._roles()
        for name, text in self.overrides.items():
            if text is None:
                files.pop(name, None)
            else:
                files[name] = text
        if self.bom:
            files = {name: "\ufeff" + text for name, text in files.items()}
        return files

    def write_folder(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files().items():
            (folder / name).write_bytes(text.encode("utf-8"))
        return folder

    def write_zip(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in self.files().items():
                archive.writestr(name, text.encode("utf-8"))
        return path

    def _manifest(self) -> str:
        rows = [
            ["manifest.version", "1.0"],
            ["oneroster.version", self.version],
            ["file.academicSessions", "absent"],
            ["file.orgs", "bulk"],
            ["file.users", self.users_mode],
        ]
        if self.version == "1.2":
            rows.append(["file.roles", self.users_mode])
        return _csv(["propertyName", "value"], rows)

    def _users(self) -> str:
        base = ["sourcedId", "status", "dateLastModified", "enabledUser"]
        names = ["username", "userIds", "givenName", "familyName", "email"]
        if self.version == "1.1":
            header = [*base, "orgSourcedIds", "role", *names, "metadata.ic.legacysourceId"]
            rows = [
                [
                    *(p.sourced_id, p.status, "", p.enabled, ",".join(p.orgs), p.role),
                    *(p.email, "", p.given, p.family, p.email, p.legacy_id),
                ]
                for p in self.people
            ]
        else:
            header = [*base, *names, "primaryOrgSourcedId", "metadata.ic.legacysourceId"]
            rows = [
                [
                    *(p.sourced_id, p.status, "", p.enabled, p.email, "", p.given, p.family),
                    *(p.email, p.orgs[0], p.legacy_id),
                ]
                for p in self.people
            ]
        return _csv(header, rows)

    def _roles(self) -> str:
        header = ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role"]
        header += ["beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"]
        rows = []
        # In reverse, secondary roles before primary ones: roles.csv keeps no order.
        for person in reversed(self.people):
            for index, org in reversed(list(enumerate(person.orgs))):
                kind = "primary" if index == 0 else "secondary"
                rows.append(
                    [
                        *(f"r-{person.sourced_id}-{org}", "", "", person.sourced_id, kind),
                        *(person.role, "", "", org, ""),
                    ]
                )
        return _csv(header, rows)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def aged(path: Path, seconds_ago: float) -> Path:
    """``path``, its modification time set that long ago (a drop folder orders zips by it)."""
    moment = time.time() - seconds_ago
    os.utime(path, (moment, moment))
    return path
