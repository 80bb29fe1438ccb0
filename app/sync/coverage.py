"""How well each candidate username field covers the users who would be synced.

Measured over users with a synced role who are not leaving: how many have a value, how many
lack one (they would be skipped), and how many share their value with someone else (they would
be skipped as duplicates), with a few example values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.oneroster.records import USERNAME_FIELDS, User, UsernameField

EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class LeftOut:
    sourced_id: str
    name: str
    role: str
    reason: str  # "missing" or "shared"


@dataclass
class FieldCoverage:
    field: UsernameField
    total: int = 0
    present: int = 0
    missing: int = 0
    shared: int = 0
    examples: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def usable(self) -> int:
        return self.present - self.shared

    def to_json(self) -> dict[str, object]:
        return {
            "field": self.field,
            "total": self.total,
            "present": self.present,
            "missing": self.missing,
            "shared": self.shared,
            "usable": self.usable,
            "examples": self.examples,
        }


def measure_coverage(users: Iterable[User]) -> dict[UsernameField, FieldCoverage]:
    # A CSV delta's roles-only rows carry no username fields to measure.
    candidates = [
        user
        for user in users
        if user.synced_roles and not user.is_leaving and user.carries != "roles"
    ]
    return {name: _measure(name, candidates) for name in USERNAME_FIELDS}


def _measure(name: UsernameField, users: list[User]) -> FieldCoverage:
    coverage = FieldCoverage(name, total=len(users))
    values = [user.field(name) for user in users]
    counts = Counter(value.casefold() for value in values if value is not None)
    for user, value in zip(users, values, strict=True):
        if value is None:
            coverage.missing += 1
            coverage.left_out.append(_left_out(user, "missing"))
            continue
        coverage.present += 1
        if counts[value.casefold()] > 1:
            coverage.shared += 1
            coverage.left_out.append(_left_out(user, "shared"))
        elif len(coverage.examples) < EXAMPLES:
            coverage.examples.append(value)
    return coverage


def _left_out(user: User, reason: str) -> LeftOut:
    name = f"{user.given_name} {user.family_name}".strip() or user.sourced_id
    return LeftOut(user.sourced_id, name, user.synced_roles[0].role, reason)
