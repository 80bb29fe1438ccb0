"""How many staff and students each school has, for the wizard's Sites page.

Counted over people who would be synced (not leaving); someone with roles at two schools counts
at both, once per school.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.oneroster.records import STAFF_ROLES, User


@dataclass
class SchoolCount:
    staff: int = 0
    students: int = 0


def count_people_by_school(users: Iterable[User]) -> dict[str, SchoolCount]:
    counts: dict[str, SchoolCount] = {}
    for user in users:
        if user.is_leaving:
            continue
        seen: set[tuple[str, bool]] = set()
        for role in user.synced_roles:
            key = (role.org_sourced_id, role.role in STAFF_ROLES)
            if key in seen:
                continue
            seen.add(key)
            count = counts.setdefault(role.org_sourced_id, SchoolCount())
            if key[1]:
                count.staff += 1
            else:
                count.students += 1
    return counts
