"""A deterministic synthetic school district, generated lazily from (seed, index).

Base users are never stored: a page is computed for the requested slice only. Tests change the
district through a small overlay (field overrides, removed ids, added records); every change
gets a ``dateLastModified`` after the shared base date, so a delta query at or after the base
date only looks at the overlay.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Final

from app.demo.factory import PersonFactory, SchoolRef
from app.demo.people import BASE_DATE, SCHOOL_TABLE, index_of, schools_for, sourced_id

DEFAULT_HREF_BASE: Final = "https://district.example/ims/oneroster/rostering/v1p2"
DISTRICT_ID: Final = "dist-001"
_BASE_DT: Final = datetime.fromisoformat(BASE_DATE)

Record = dict[str, Any]


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime; naive values are taken as UTC."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_v1p1(record: Record) -> Record:
    """The same user shaped as OneRoster 1.1: one ``role`` and an ``orgs`` list, the primary
    role's school first (1.1 has no primary marker; its list order says it)."""
    shaped = {k: v for k, v in record.items() if k not in ("roles", "userMasterIdentifier")}
    roles = [r for r in record.get("roles") or [] if isinstance(r, dict)]
    roles.sort(key=lambda r: r.get("roleType") != "primary")  # stable: the rest keep their order
    shaped["role"] = roles[0].get("role", "") if roles else ""
    shaped["orgs"] = [r["org"] for r in roles if "org" in r]
    return shaped


class DemoDistrict:
    """A district of ``users`` people whose data depends only on ``seed`` (plus test changes)."""

    def __init__(
        self,
        users: int = 1500,
        seed: int = 1,
        *,
        clock: Callable[[], float] = time.time,
        href_base: str = DEFAULT_HREF_BASE,
        guid_ids: bool = False,
    ) -> None:
        """``guid_ids``: people's ids shaped like Infinite Campus's 1.2 GUIDs (in no order)
        instead of "u-000042" (in the order they come); the 1.2 shape only."""
        if users < 0:
            raise ValueError("users must be zero or more")
        self.seed = seed
        self.base_users = users
        self.guid_ids = guid_ids
        self._clock = clock
        self._lock = threading.RLock()
        self._overrides: dict[int, Record] = {}
        self._removed: set[int] = set()
        self._added: dict[str, Record] = {}
        self.schools: list[Record] = []
        self.district: Record = {}
        self.local_site_names: list[str] = []
        self.set_href_base(href_base)

    # -- organisations -------------------------------------------------------------------

    def set_href_base(self, href_base: str) -> None:
        """Point every ``href`` at this base URL (a server calls this with its own).

        ``schools`` and ``district`` are updated in place, so references taken earlier stay
        current.
        """
        self.href_base = href_base.rstrip("/")
        table = SCHOOL_TABLE[: schools_for(self.base_users)]
        refs = [self._org_ref(f"sch-{k + 1:03d}") for k in range(len(table))]
        self.schools[:] = [
            self._school(ref["sourcedId"], name, k)
            for k, (ref, (name, _, _)) in enumerate(zip(refs, table, strict=True))
        ]
        self.district.clear()
        self.district.update(
            {
                "sourcedId": DISTRICT_ID,
                "status": "active",
                "dateLastModified": BASE_DATE,
                "metadata": {"ic.districtNumber": "9001"},
                "name": "Demo Unified School District",
                "type": "district",
                "identifier": "9001",
                "children": refs,
            }
        )
        self.local_site_names[:] = sorted(local for _, local, _ in table)
        school_refs = [
            SchoolRef(ref["sourcedId"], level, ref)
            for ref, (_, _, level) in zip(refs, table, strict=True)
        ]
        self._factory = PersonFactory(
            self.seed, self.base_users, school_refs, self.href_base, guid_ids=self.guid_ids
        )

    def _org_ref(self, org_id: str) -> dict[str, str]:
        return {"href": f"{self.href_base}/orgs/{org_id}", "sourcedId": org_id, "type": "org"}

    def _school(self, org_id: str, name: str, k: int) -> Record:
        return {
            "sourcedId": org_id,
            "status": "active",
            "dateLastModified": BASE_DATE,
            "metadata": {"ic.schoolNumber": str(101 + k)},
            "name": name,
            "type": "school",
            "identifier": str(101 + k),
            "parent": self._org_ref(DISTRICT_ID),
            "children": [],
        }

    def orgs(self) -> list[Record]:
        """The district org followed by its schools."""
        return [self.district, *self.schools]

    # -- reading users -------------------------------------------------------------------

    def user_count(self) -> int:
        with self._lock:
            return self.base_users - len(self._removed) + len(self._added)

    def user(self, sourced_id: str) -> Record | None:
        with self._lock:
            if sourced_id in self._added:
                return copy.deepcopy(self._added[sourced_id])
            index = self._visible_index(sourced_id)
            return None if index is None else self._base_record(index)

    def users_page(
        self,
        offset: int,
        limit: int,
        modified_since: str | None = None,
        *,
        strict: bool = False,
    ) -> tuple[list[Record], int]:
        """Records ``offset``..``offset+limit`` of those matching, and how many match in all.

        ``modified_since`` keeps users with ``dateLastModified`` at or after it (``strict``:
        only after it). Order: base users by index, then added users in the order added.
        """
        text, total = self.users_page_json(offset, limit, modified_since, strict=strict)
        return json.loads(text), total

    def users_page_json(
        self,
        offset: int,
        limit: int,
        modified_since: str | None = None,
        *,
        strict: bool = False,
    ) -> tuple[str, int]:
        """:meth:`users_page` as the text of a JSON array (UTF-8 safe, not ASCII-escaped)."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be zero or more")
        cutoff = parse_timestamp(modified_since) if modified_since else None
        with self._lock:
            if cutoff is None or _newer(_BASE_DT, cutoff, strict):
                items, total = self._full_page(offset, limit, cutoff, strict)
            else:
                items, total = self._changed_page(offset, limit, cutoff, strict)
        return f"[{','.join(items)}]", total

    def iter_users(
        self, modified_since: str | None = None, *, strict: bool = False
    ) -> Iterator[Record]:
        """Every matching user, a page at a time (a full scan: meant for small districts)."""
        offset = 0
        while True:
            page, total = self.users_page(offset, 1000, modified_since, strict=strict)
            yield from page
            offset += len(page)
            if not page or offset >= total:
                return

    # -- changing users (tests) -----------------------------------------------------------

    def update_user(self, sourced_id: str, **fields: object) -> None:
        """Set fields; ``dateLastModified`` becomes now unless given. KeyError when unknown."""
        stamped = {"dateLastModified": self._now_stamp(), **copy.deepcopy(fields)}
        with self._lock:
            if sourced_id in self._added:
                self._added[sourced_id].update(stamped)
                return
            index = self._visible_index(sourced_id)
            if index is None:
                raise KeyError(sourced_id)
            self._overrides.setdefault(index, {}).update(stamped)

    def remove_user(self, sourced_id: str) -> None:
        """Take the user out of /users entirely. KeyError when unknown."""
        with self._lock:
            if self._added.pop(sourced_id, None) is not None:
                return
            index = self._visible_index(sourced_id)
            if index is None:
                raise KeyError(sourced_id)
            self._removed.add(index)
            self._overrides.pop(index, None)

    def add_user(self, record: dict[str, Any]) -> None:
        """Add a user after the base ones. ValueError when the sourcedId is taken or missing."""
        user_id = record.get("sourcedId")
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("an added user needs a sourcedId")
        stored = copy.deepcopy(record)
        stored.setdefault("dateLastModified", self._now_stamp())
        with self._lock:
            if user_id in self._added or self._visible_index(user_id) is not None:
                raise ValueError(f"user {user_id} already exists")
            self._added[user_id] = stored

    # -- internals --------------------------------------------------------------------------

    def _visible_index(self, user_id: str) -> int | None:
        index = index_of(user_id)
        if index is None or index >= self.base_users or index in self._removed:
            return None
        return index if sourced_id(index, guid=self.guid_ids) == user_id else None

    def _base_record(self, index: int) -> Record:
        record: Record = json.loads(self._factory.record_json(index))
        override = self._overrides.get(index)
        if override:
            record.update(copy.deepcopy(override))
        return record

    def _base_json(self, index: int) -> str:
        if index in self._overrides:
            return _dumps(self._base_record(index))
        return self._factory.record_json(index)

    def _full_page(
        self, offset: int, limit: int, cutoff: datetime | None, strict: bool
    ) -> tuple[list[str], int]:
        hidden = set(self._removed)
        hidden.update(i for i, o in self._overrides.items() if not _matches(o, cutoff, strict))
        added = [r for r in self._added.values() if _matches(r, cutoff, strict)]
        visible = self.base_users - len(hidden)
        items: list[str] = []
        if offset < visible:
            items = self._base_slice(offset, limit, hidden)
        start = max(0, offset - visible)
        items += map(_dumps, added[start : start + limit - len(items)])
        return items, visible + len(added)

    def _base_slice(self, offset: int, limit: int, hidden: set[int]) -> list[str]:
        ordered = sorted(hidden)
        index = offset  # becomes the base index of the offset-th visible user
        while (moved := offset + bisect_right(ordered, index)) != index:
            index = moved
        end = self.base_users
        if not hidden and not self._overrides:  # the common case, kept tight for big pages
            return list(map(self._factory.record_json, range(index, min(end, index + limit))))
        items: list[str] = []
        while len(items) < limit and index < end:
            if index not in hidden:
                items.append(self._base_json(index))
            index += 1
        return items

    def _changed_page(
        self, offset: int, limit: int, cutoff: datetime, strict: bool
    ) -> tuple[list[str], int]:
        overrides = self._overrides
        changed = [i for i in sorted(overrides) if _matches(overrides[i], cutoff, strict)]
        added = [r for r in self._added.values() if _matches(r, cutoff, strict)]
        # Only this page's records are turned into JSON: a big delta is many pages.
        page = [self._base_json(i) for i in changed[offset : offset + limit]]
        start = max(0, offset - len(changed))
        page += map(_dumps, added[start : start + limit - len(page)])
        return page, len(changed) + len(added)

    def _now_stamp(self) -> str:
        # Never at or before the base date, so a change is always newer than the base users.
        now = max(self._clock(), _BASE_DT.timestamp() + 1)
        return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _newer(stamp: datetime, cutoff: datetime, strict: bool) -> bool:
    return stamp > cutoff if strict else stamp >= cutoff


def _matches(record: Record, cutoff: datetime | None, strict: bool) -> bool:
    if cutoff is None:
        return True
    stamp = record.get("dateLastModified")
    if not isinstance(stamp, str):
        return False
    try:
        return _newer(parse_timestamp(stamp), cutoff, strict)
    except ValueError:
        return False


def record_matches(record: Record, modified_since: str | None, *, strict: bool = False) -> bool:
    """Whether a record's ``dateLastModified`` passes a ``modified_since`` cutoff."""
    cutoff = parse_timestamp(modified_since) if modified_since else None
    return _matches(record, cutoff, strict)


def _dumps(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False)


__all__ = ["DemoDistrict", "parse_timestamp", "record_matches", "sourced_id", "to_v1p1"]
