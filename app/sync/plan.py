"""Deciding what a sync does, by the rules in PRODUCT.md ("Sync rules"), without any I/O.

Every provider user is counted exactly once, checks in this order: role (``not_synced_role``),
mapped school (``unmapped_school``, or deactivated when it had an active local record), leaving
(deactivated, or unchanged when it had no active record), username (``no_username``), duplicate
(``duplicate_username``); what remains is added, updated or unchanged. Local users that a full
sync no longer sees are deactivated.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from app.oneroster.records import InvalidRecord, User, UsernameField

SkipReason = Literal[
    "not_synced_role", "unmapped_school", "no_username", "duplicate_username", "invalid_record"
]


@dataclass(frozen=True, slots=True)
class LocalUser:
    """What the directory holds for one user: the fields ``users --json`` shows."""

    username: str
    given_name: str
    family_name: str
    email: str | None
    role: str
    site_id: int
    active: bool


@dataclass(frozen=True, slots=True)
class DesiredUser:
    """What an active directory record should hold after this sync."""

    sourced_id: str
    username: str
    given_name: str
    family_name: str
    email: str | None
    role: str
    site_id: int

    def matches(self, local: LocalUser) -> bool:
        return local == LocalUser(
            self.username,
            self.given_name,
            self.family_name,
            self.email,
            self.role,
            self.site_id,
            active=True,
        )


@dataclass(frozen=True, slots=True)
class Skip:
    sourced_id: str | None
    name: str
    reason: SkipReason
    detail: str


@dataclass
class SyncPlan:
    inserts: list[DesiredUser] = field(default_factory=list)
    updates: list[DesiredUser] = field(default_factory=list)
    #: sourcedIds of active local users that become inactive.
    deactivations: list[str] = field(default_factory=list)
    unchanged: int = 0
    skips: list[Skip] = field(default_factory=list)

    @property
    def skipped_reasons(self) -> dict[str, int]:
        return dict(Counter(skip.reason for skip in self.skips))

    @property
    def changes(self) -> int:
        return len(self.inserts) + len(self.updates) + len(self.deactivations)


def _display_name(user: User) -> str:
    return f"{user.given_name} {user.family_name}".strip() or user.sourced_id


class Planner:
    """Plans one sync from the local snapshot, the school mapping and the provider's users."""

    def __init__(
        self,
        local: Mapping[str, LocalUser],
        mapping: Mapping[str, int],
        username_field: UsernameField,
        *,
        full: bool,
    ) -> None:
        self._local = local
        self._mapping = mapping
        self._field = username_field
        self._full = full

    def plan(self, users: Iterable[User], invalid: Iterable[InvalidRecord] = ()) -> SyncPlan:
        plan = SyncPlan()
        for record in invalid:
            plan.skips.append(
                Skip(
                    record.sourced_id,
                    record.sourced_id or "(unnamed record)",
                    "invalid_record",
                    record.reason,
                )
            )
        # A malformed record still says the user exists: it is skipped, never deactivated.
        seen: set[str] = {record.sourced_id for record in invalid if record.sourced_id}
        candidates: list[DesiredUser] = []
        names: dict[str, str] = {}
        for user in users:
            seen.add(user.sourced_id)
            desired = self._classify(user, plan)
            if desired is not None:
                candidates.append(desired)
                names[user.sourced_id] = _display_name(user)
        self._place_candidates(candidates, names, seen, plan)
        if self._full:
            plan.deactivations.extend(
                sid for sid, local in self._local.items() if local.active and sid not in seen
            )
        return plan

    def _classify(self, user: User, plan: SyncPlan) -> DesiredUser | None:
        """Settle every check up to the username; a survivor is returned as a candidate."""
        local = self._local.get(user.sourced_id)
        had_active = local is not None and local.active
        synced_roles = user.synced_roles
        if not synced_roles:
            roles = ", ".join(sorted({role.role for role in user.roles}))
            plan.skips.append(self._skip(user, "not_synced_role", f"role: {roles}"))
            return None
        placing = next((r for r in synced_roles if r.org_sourced_id in self._mapping), None)
        if placing is None:
            if had_active:
                plan.deactivations.append(user.sourced_id)
            else:
                orgs = ", ".join(dict.fromkeys(r.org_sourced_id for r in synced_roles))
                plan.skips.append(self._skip(user, "unmapped_school", f"schools: {orgs}"))
            return None
        if user.is_leaving:
            if had_active:
                plan.deactivations.append(user.sourced_id)
            else:
                plan.unchanged += 1
            return None
        username = user.field(self._field)
        if username is None:
            plan.skips.append(self._skip(user, "no_username", f"no {self._field}"))
            return None
        return DesiredUser(
            sourced_id=user.sourced_id,
            username=username,
            given_name=user.given_name,
            family_name=user.family_name,
            email=user.email,
            role=placing.role,
            site_id=self._mapping[placing.org_sourced_id],
        )

    def _place_candidates(
        self,
        candidates: list[DesiredUser],
        names: Mapping[str, str],
        seen: set[str],
        plan: SyncPlan,
    ) -> None:
        by_username: defaultdict[str, list[DesiredUser]] = defaultdict(list)
        for candidate in candidates:
            by_username[candidate.username.casefold()].append(candidate)
        bystanders = self._bystander_usernames(seen)
        for key, group in by_username.items():
            sharers = len(group) + (1 if key in bystanders else 0)
            if sharers > 1:
                for candidate in group:
                    plan.skips.append(
                        Skip(
                            candidate.sourced_id,
                            names[candidate.sourced_id],
                            "duplicate_username",
                            f"'{candidate.username}' is shared by {sharers} users",
                        )
                    )
                continue
            (desired,) = group
            local = self._local.get(desired.sourced_id)
            if local is None:
                plan.inserts.append(desired)
            elif desired.matches(local):
                plan.unchanged += 1
            else:
                plan.updates.append(desired)

    def _bystander_usernames(self, seen: set[str]) -> set[str]:
        """Usernames of active local users a delta sync did not fetch; they keep theirs."""
        if self._full:
            return set()
        return {
            local.username.casefold()
            for sid, local in self._local.items()
            if local.active and sid not in seen
        }

    @staticmethod
    def _skip(user: User, reason: SkipReason, detail: str) -> Skip:
        return Skip(user.sourced_id, _display_name(user), reason, detail)
