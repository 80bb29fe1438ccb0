"""Deciding what a sync does with each provider user, by the rules in PRODUCT.md ("Sync rules").

Every provider user is counted exactly once, checks in this order: role (``not_synced_role``),
mapped school (``unmapped_school``, or deactivated when it had an active local record), leaving
(deactivated, or unchanged when it had no active record), username (``no_username``), duplicate
(``duplicate_username``); what remains is added, updated or unchanged. Local users that a full
sync no longer sees are deactivated.

The checks that need only the record itself are made here, page by page, as users arrive
(:class:`Classifier`, no I/O). What depends on the local directory or on every user of the sync
(an active local record, a username someone else also has, users no longer seen) is decided
afterwards over the whole staged sync, in SQL: see :mod:`app.sync.placement`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.oneroster.records import InvalidRecord, User, UsernameField

SkipReason = Literal[
    "not_synced_role", "unmapped_school", "no_username", "duplicate_username", "invalid_record"
]
#: What the record alone says. ``unmapped_school`` and ``leaving`` still depend on whether the
#: user has an active local record; ``candidate`` users still face the duplicate check.
Outcome = Literal[
    "candidate", "leaving", "unmapped_school", "not_synced_role", "no_username", "invalid_record"
]


@dataclass(frozen=True, slots=True)
class StagedUser:
    """One provider user after the record-level checks: what the directory should hold."""

    sourced_id: str
    outcome: Outcome
    #: For the history: the person's name, and why they were skipped.
    name: str
    detail: str = ""
    username: str | None = None
    given_name: str = ""
    family_name: str = ""
    email: str | None = None
    role: str = ""
    site_id: int | None = None

    @property
    def username_key(self) -> str | None:
        """Usernames compare without regard to case, in every alphabet."""
        return self.username.casefold() if self.username is not None else None


def display_name(user: User) -> str:
    return f"{user.given_name} {user.family_name}".strip() or user.sourced_id


class Classifier:
    """The record-level checks, with the school mapping and the username field of this sync."""

    def __init__(self, mapping: Mapping[str, int], username_field: UsernameField) -> None:
        self._mapping = mapping
        self._field = username_field

    def classify(self, user: User) -> StagedUser:
        name = display_name(user)
        synced_roles = user.synced_roles
        if not synced_roles:
            roles = ", ".join(sorted({role.role for role in user.roles}))
            return StagedUser(user.sourced_id, "not_synced_role", name, f"role: {roles}")
        placing = next((r for r in synced_roles if r.org_sourced_id in self._mapping), None)
        if placing is None:
            orgs = ", ".join(dict.fromkeys(r.org_sourced_id for r in synced_roles))
            return StagedUser(user.sourced_id, "unmapped_school", name, f"schools: {orgs}")
        if user.is_leaving:
            return StagedUser(user.sourced_id, "leaving", name)
        username = user.field(self._field)
        if username is None:
            return StagedUser(user.sourced_id, "no_username", name, f"no {self._field}")
        return StagedUser(
            user.sourced_id,
            "candidate",
            name,
            username=username,
            given_name=user.given_name,
            family_name=user.family_name,
            email=user.email,
            role=placing.role,
            site_id=self._mapping[placing.org_sourced_id],
        )

    @staticmethod
    def invalid(record: InvalidRecord) -> StagedUser | None:
        """A record that could not be read: skipped, and never deactivated (it still exists).

        None when it has no sourcedId; the caller keeps those aside.
        """
        if record.sourced_id is None:
            return None
        return StagedUser(record.sourced_id, "invalid_record", record.sourced_id, record.reason)
