"""roles.csv (OneRoster 1.2) grouped by person in a temporary SQLite file.

users.csv and roles.csv come in no particular order, and a district's roles do not fit in
memory comfortably at a million people; indexed on disk, each page of users finds its roles in
one query.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

from app.errors import CanceledError
from app.oneroster_csv.records import role_entry
from app.oneroster_csv.tables import Row, batches

_BATCH: Final = 10_000
#: Ids per lookup query, below SQLite's oldest limit on bound variables (999).
_LOOKUP: Final = 900


class RoleIndex:
    def __init__(self, rows: Iterable[Row], cancel: threading.Event) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="rostersync-roles-")
        self._db = sqlite3.connect(Path(self._folder.name) / "roles.sqlite")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(
            "CREATE TABLE role (seq INTEGER PRIMARY KEY, user TEXT, role_type TEXT, "
            "role TEXT, org TEXT)"
        )
        wanted = (row for row in rows if (row.get("status") or "").strip() != "tobedeleted")
        for batch in batches(wanted, _BATCH):
            if cancel.is_set():
                raise CanceledError()
            self._db.executemany(
                "INSERT INTO role (user, role_type, role, org) VALUES (?, ?, ?, ?)",
                [
                    (
                        (row.get("userSourcedId") or "").strip(),
                        row.get("roleType") or "",
                        row.get("role") or "",
                        (row.get("orgSourcedId") or "").strip(),
                    )
                    for row in batch
                ],
            )
        self._db.execute("CREATE TABLE looked_up (user TEXT PRIMARY KEY)")
        self._db.execute("CREATE INDEX role_user ON role (user, seq)")
        self._db.commit()

    def for_users(self, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Each of these people's roles, in the order roles.csv listed them."""
        found: dict[str, list[dict[str, Any]]] = {}
        self._db.executemany(
            "INSERT OR IGNORE INTO looked_up (user) VALUES (?)", [(id_,) for id_ in ids]
        )
        for chunk in batches(ids, _LOOKUP):
            marks = ",".join("?" * len(chunk))
            query = (
                f"SELECT user, role_type, role, org FROM role WHERE user IN ({marks}) "
                "ORDER BY user, seq"
            )
            for user, role_type, role, org in self._db.execute(query, chunk):
                found.setdefault(user, []).append(role_entry(role_type, role, org))
        return found

    def unclaimed(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Each person with roles that :meth:`for_users` was never asked for, and their roles:
        in a delta package, people whose roles changed while their users.csv row did not."""
        query = (
            "SELECT user, role_type, role, org FROM role "
            "WHERE user NOT IN (SELECT user FROM looked_up) ORDER BY user, seq"
        )
        current: str | None = None
        roles: list[dict[str, Any]] = []
        for user, role_type, role, org in self._db.execute(query):
            if user != current:
                if current is not None:
                    yield current, roles
                current, roles = user, []
            roles.append(role_entry(role_type, role, org))
        if current is not None:
            yield current, roles

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()
