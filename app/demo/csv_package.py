"""A synthetic OneRoster CSV package of any size, written streaming: 1.1 or 1.2 (with roles.csv
in another order than users.csv), ``SCHOOLS`` schools named "School 00" on. For the CSV
benchmark and the screenshots of the CSV source."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

SCHOOLS = 20
ROLE_HEADER = ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role"]
ROLE_HEADER += ["beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"]


def write_package(folder: Path, users: int, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = [
        ("manifest.version", "1.0"),
        ("oneroster.version", version),
        ("file.orgs", "bulk"),
        ("file.users", "bulk"),
    ]
    if version == "1.2":
        manifest.append(("file.roles", "bulk"))
    _write(folder / "manifest.csv", ["propertyName", "value"], manifest)
    _write(
        folder / "orgs.csv",
        ["sourcedId", "status", "dateLastModified", "name", "type", "parentSourcedId"],
        ((f"sch-{s}", "", "", f"School {s:02d}", "school", "") for s in range(SCHOOLS)),
    )
    names = ["username", "userIds", "givenName", "familyName", "middleName", "identifier"]
    names += ["email", "sms", "phone", "agentSourcedIds", "grades", "password"]
    base = ["sourcedId", "status", "dateLastModified", "enabledUser"]
    if version == "1.1":
        header = [*base, "orgSourcedIds", "role", *names]
    else:
        header = [*base, *names, "userMasterIdentifier", "primaryOrgSourcedId"]
    _write(folder / "users.csv", header, (_user(i, version) for i in range(users)))
    if version == "1.2":
        _write(
            folder / "roles.csv",
            ROLE_HEADER,
            _roles(users),
        )


def _user(index: int, version: str) -> list[str]:
    school = f"sch-{index % SCHOOLS}"
    role = "teacher" if index % 15 == 0 else "student"
    email = f"person{index}@district.example.org"
    names = [email, "", f"Given{index}", f"Family, {index}", "", f"{index:07d}", email]
    names += ["", "", "", "", ""]
    if version == "1.1":
        return [f"u-{index}", "", "", "true", school, role, *names]
    return [f"u-{index}", "", "", "true", *names, f"{index:07d}", school]


def _roles(users: int) -> object:
    # From the last person to the first: roles.csv in another order than users.csv.
    for index in reversed(range(users)):
        role = "teacher" if index % 15 == 0 else "student"
        yield [
            f"r-{index}",
            "",
            "",
            f"u-{index}",
            "primary",
            role,
            "",
            "",
            f"sch-{index % SCHOOLS}",
            "",
        ]
        if index % 7 == 0:
            other = f"sch-{(index + 1) % SCHOOLS}"
            yield [f"r2-{index}", "", "", f"u-{index}", "secondary", role, "", "", other, ""]


def _write(path: Path, header: list[str], rows: object) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)  # type: ignore[arg-type]


def zipped(folder: Path) -> Path:
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for item in sorted(folder.iterdir()):
            archive.write(item, item.name)
    return target
