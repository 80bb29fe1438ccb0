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

from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

from app.oneroster.records import (
    FIELD_ATTRIBUTES,
    SYNCED_ROLES,
    InvalidRecord,
    User,
    UsernameField,
    clean_text,
)

SkipReason = Literal[
    "not_synced_role", "unmapped_school", "no_username", "duplicate_username", "invalid_record"
]
#: What the record alone says. ``unmapped_school`` and ``leaving`` still depend on whether the
#: user has an active local record; ``candidate`` users still face the duplicate check.
Outcome = Literal[
    "candidate", "leaving", "unmapped_school", "not_synced_role", "no_username", "invalid_record"
]

#: What a staged user takes from the directory's record (see ``StagedUser.keeps``).
Keeps = Literal["", "placement", "fields"]


class StagedUser(NamedTuple):
    """One provider user after the record-level checks: what the directory should hold.

    A plain tuple, in the staging table's column order: a district's users are staged fast.
    """

    sourced_id: str
    outcome: Outcome
    given_name: str
    family_name: str
    #: Why the user was skipped, for the history; for a ``leaving`` user, why it leaves
    #: (``tobedeleted`` or ``disabled``).
    detail: str = ""
    username: str | None = None
    #: Usernames compare without regard to case, in every alphabet.
    username_key: str | None = None
    email: str | None = None
    role: str = ""
    site_id: int | None = None
    #: The person's OneRoster 1.1 id, to re-link them to a local record (app.sync.relink).
    legacy_id: str | None = None
    #: What the directory's record must supply, the record having only part of the person (a
    #: CSV delta, see :class:`app.oneroster.records.User`): ``placement`` (role and site) or
    #: ``fields`` (username, name and email). Filled in by :mod:`app.sync.placement`.
    keeps: Keeps = ""
    #: The record's fingerprint, when it came as JSON (app.sync.fingerprints).
    fingerprint: int | None = None


class Classifier:
    """The record-level checks, with the school mapping and the username field of this sync."""

    def __init__(self, mapping: Mapping[str, int], username_field: UsernameField) -> None:
        self._mapping = mapping
        self._field = username_field
        self._attribute = FIELD_ATTRIBUTES[username_field]

    # Run once for each user of the district, hence written for speed: no generators, and the
    # tuple built once, positionally.
    def classify(self, user: User) -> StagedUser:
        sid, given, family = user.sourced_id, user.given_name, user.family_name
        legacy, fingerprint = user.legacy_id, user.fingerprint
        mapping = self._mapping
        placing = None
        if user.carries != "fields":
            synced_roles = [r for r in user.roles if r.role in SYNCED_ROLES]
            if not synced_roles:
                roles = ", ".join(sorted({r.role for r in user.roles}))
                detail = f"role: {roles}"
                return StagedUser(
                    sid, "not_synced_role", given, family, detail, legacy_id=legacy,
                    fingerprint=fingerprint
                )  # fmt: skip
            for assignment in synced_roles:
                if assignment.org_sourced_id in mapping:
                    placing = assignment
                    break
            else:
                orgs = ", ".join(dict.fromkeys(r.org_sourced_id for r in synced_roles))
                detail = f"schools: {orgs}"
                return StagedUser(
                    sid, "unmapped_school", given, family, detail, legacy_id=legacy,
                    fingerprint=fingerprint
                )  # fmt: skip
        if user.carries == "roles":
            assert placing is not None
            site_id = mapping[placing.org_sourced_id]
            return StagedUser(
                sid, "candidate", given, family, "", None, None, None, placing.role, site_id,
                legacy, "fields"
            )  # fmt: skip
        if user.is_leaving:
            why = "tobedeleted" if user.status == "tobedeleted" else "disabled"
            return StagedUser(
                sid, "leaving", given, family, why, legacy_id=legacy, fingerprint=fingerprint
            )
        username = clean_text(getattr(user, self._attribute))
        if username is None:
            detail = f"no {self._field}"
            return StagedUser(
                sid, "no_username", given, family, detail, legacy_id=legacy,
                fingerprint=fingerprint
            )  # fmt: skip
        keeps: Keeps = "placement" if placing is None else ""
        role = placing.role if placing else ""
        site_id = mapping[placing.org_sourced_id] if placing else None
        return StagedUser(
            sid, "candidate", given, family, "", username, username.casefold(), user.email, role,
            site_id, legacy, keeps, fingerprint
        )  # fmt: skip

    def classify_page(
        self, users: Iterable[User], invalid: Iterable[InvalidRecord] = ()
    ) -> tuple[list[StagedUser], list[InvalidRecord]]:
        """One page's users to stage, and its unreadable records with no sourcedId.

        An unreadable record with a sourcedId is staged as skipped, and so never deactivated
        (it still exists); one without cannot be staged, and is only counted and listed.
        """
        staged = [self.classify(user) for user in users]
        unidentified: list[InvalidRecord] = []
        for record in invalid:
            if record.sourced_id is None:
                unidentified.append(record)
            else:
                staged.append(
                    StagedUser(record.sourced_id, "invalid_record", "", "", record.reason)
                )
        return staged, unidentified
