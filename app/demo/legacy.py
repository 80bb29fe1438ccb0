"""The demo district as Infinite Campus's 1.2 connection shows it after a move from 1.1.

Every school gets a new sourcedId (a UUID, as Infinite Campus's 1.2 ids are), and each school
and person carries its 1.1 id in ``metadata.ic.legacysourceId``: a school's 1.1 sourcedId, a
person's number without 1.1's one-letter role prefix. People keep the demo's own 1.2 ids, which
differ from their 1.1 ids (see ``v1p1``). A sync of the 1.1 mode followed by one of this mode
is the switch RosterSync must re-link.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from app.demo.v1p1 import person_number

Record = dict[str, Any]

LEGACY_KEY: Final = "ic.legacysourceId"
_NAMESPACE: Final = uuid.UUID("6b1f3d0e-4a7c-4e5b-9c1d-2f8e7a6b5c4d")


def new_school_id(old: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, old))


def with_legacy_school(org: Record) -> Record:
    """A school under its new id with its old one in the metadata; other orgs as they are."""
    if org.get("type") != "school":
        return org
    old = str(org["sourcedId"])
    return {
        **org,
        "sourcedId": new_school_id(old),
        "metadata": {**(org.get("metadata") or {}), LEGACY_KEY: old},
    }


def with_legacy_user(user: Record, school_ids: frozenset[str]) -> Record:
    """A person with their 1.1 number in the metadata, their schools (``school_ids``) under
    the new ids."""
    return {
        **user,
        "metadata": {
            **(user.get("metadata") or {}),
            LEGACY_KEY: person_number(str(user["sourcedId"])),
        },
        "roles": [_with_new_school(role, school_ids) for role in user.get("roles") or []],
    }


def _with_new_school(role: Any, school_ids: frozenset[str]) -> Any:
    org = role.get("org") if isinstance(role, dict) else None
    if not isinstance(org, dict) or org.get("sourcedId") not in school_ids:
        return role
    old = str(org["sourcedId"])
    new = new_school_id(old)
    href = str(org.get("href", ""))
    return {**role, "org": {**org, "sourcedId": new, "href": href.removesuffix(old) + new}}
