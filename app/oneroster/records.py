"""OneRoster records as the rest of the app sees them, and the parsing that makes them.

Both OneRoster 1.2 (a ``roles`` list of role/org pairs) and 1.1 (one ``role`` and an ``orgs``
list) are read into the same shape. Unknown fields are ignored. A record that cannot be used
raises :class:`InvalidRecord` with a reason; callers skip it and report it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple

import msgspec

#: What a record tells about its person: everything (``whole``), or, in a OneRoster CSV delta
#: package, only the users.csv fields (``fields``: no roles.csv rows came with them) or only
#: the roles (``roles``: roles.csv rows without a users.csv row). The directory keeps the rest.
Carries = Literal["whole", "fields", "roles"]
UsernameField = Literal["email", "username", "identifier", "sourcedId", "userMasterIdentifier"]
USERNAME_FIELDS: Final[tuple[UsernameField, ...]] = (
    "email",
    "username",
    "identifier",
    "sourcedId",
    "userMasterIdentifier",
)

#: The :class:`User` attribute holding each username candidate field.
FIELD_ATTRIBUTES: Final[dict[UsernameField, str]] = {
    "email": "email",
    "username": "username",
    "identifier": "identifier",
    "sourcedId": "sourced_id",
    "userMasterIdentifier": "user_master_identifier",
}

STAFF_ROLES: Final = frozenset(
    {
        "teacher",
        "administrator",
        "aide",
        "principal",
        "counselor",
        "proctor",
        "districtAdministrator",
        "siteAdministrator",
        "systemAdministrator",
    }
)
SYNCED_ROLES: Final = STAFF_ROLES | {"student"}


class InvalidRecord(ValueError):
    """A provider record that cannot be used; ``sourced_id`` is set when the record had one,
    ``carries`` is whatever else names it (name, email), so a person can find it."""

    def __init__(self, reason: str, sourced_id: str | None = None, carries: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.sourced_id = sourced_id
        self.carries = carries


class RoleAssignment(NamedTuple):
    """A tuple, not a dataclass: a sync builds one or more for each user of the district, and a
    tuple is built several times faster."""

    role: str
    org_sourced_id: str


@dataclass(frozen=True, slots=True)
class School:
    sourced_id: str
    name: str
    status: str = "active"
    #: The id the provider knew this school by before (Infinite Campus 1.1 → 1.2).
    legacy_id: str | None = None


# Not frozen: a frozen dataclass takes seven times as long to build, and a sync builds one for
# each user of the district. Nothing changes a User once parsed.
@dataclass(slots=True)
class User:
    sourced_id: str
    status: str
    enabled: bool
    given_name: str
    family_name: str
    email: str | None
    username: str | None
    identifier: str | None
    user_master_identifier: str | None
    #: Primary roles first, then the rest in the order the provider sent them.
    roles: tuple[RoleAssignment, ...]
    date_last_modified: str | None = None
    #: The id (without its one-letter role prefix) Infinite Campus knew this person by in
    #: OneRoster 1.1, from ``metadata.ic.legacysourceId``: how a switch to 1.2 re-links them.
    legacy_id: str | None = None
    carries: Carries = "whole"
    #: A hash of the record's bytes as the provider sent them, when it came as JSON: how the
    #: next sync knows it unchanged without parsing it (:mod:`app.sync.fingerprints`).
    fingerprint: int | None = None

    @property
    def is_leaving(self) -> bool:
        return self.status == "tobedeleted" or not self.enabled

    def field(self, name: UsernameField) -> str | None:
        """The value of a username candidate field, trimmed; None when empty or absent."""
        return clean_text(getattr(self, FIELD_ATTRIBUTES[name]))

    @property
    def synced_roles(self) -> tuple[RoleAssignment, ...]:
        return tuple(r for r in self.roles if r.role in SYNCED_ROLES)


def clean_text(value: object) -> str | None:
    """A trimmed string, or None for anything empty, missing or not text."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped or None


def _required_id(raw: dict[str, Any]) -> str:
    sourced_id = clean_text(raw.get("sourcedId"))
    if sourced_id is None:
        raise InvalidRecord("the record has no sourcedId", carries=_what_names(raw))
    return sourced_id


def _what_names(raw: dict[str, Any]) -> str:
    """The name and email (or other id) a record carries: "Jane Doe, jane@x.org"."""
    return _names(
        raw.get("name"),
        raw.get("givenName"),
        raw.get("familyName"),
        (raw.get("email"), raw.get("username"), raw.get("identifier")),
    )


def _names(name: object, given: object, family: object, ids: tuple[object, ...]) -> str:
    full = clean_text(name) or " ".join(filter(None, (clean_text(given), clean_text(family))))
    first_id = next(filter(None, map(clean_text, ids)), None)
    return ", ".join(filter(None, (full, first_id)))


def _enabled(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() != "false"
    return True


def _roles_v1p2(entries: list[_RoleEntry]) -> list[RoleAssignment]:
    primary: list[RoleAssignment] = []
    others: list[RoleAssignment] = []
    for entry in entries:
        role = clean_text(entry.role)
        org = _org_id(entry.org)
        if role is None or org is None:
            continue
        target = primary if entry.roleType == "primary" else others
        target.append(RoleAssignment(role, org))
    return primary + others


def _roles_v1p1(role: str | None, orgs: list[_OrgRef] | None) -> list[RoleAssignment]:
    role_name = clean_text(role)
    if role_name is None or orgs is None:
        return []
    return [RoleAssignment(role_name, org) for org in map(_org_id, orgs) if org is not None]


def _org_id(ref: _OrgRef | None) -> str | None:
    return None if ref is None else clean_text(ref.sourcedId)


class _OrgRef(msgspec.Struct, gc=False):
    sourcedId: str | None = None


class _RoleEntry(msgspec.Struct, gc=False):
    roleType: str | None = None
    role: str | None = None
    org: _OrgRef | None = None


class TypedUser(msgspec.Struct, gc=False):
    """A user record holding only the fields the app reads, each of the type OneRoster gives
    it (any field may be missing or null).

    msgspec decodes a record straight into one, checking every type as it goes, so no
    dictionary is built per user. A record with a field of another type does not decode; it is
    read as a :class:`RawUser` instead, where such a value counts as missing.
    """

    sourcedId: str | None = None
    status: str | None = None
    enabledUser: bool | str | None = None
    givenName: str | None = None
    familyName: str | None = None
    email: str | None = None
    username: str | None = None
    identifier: str | None = None
    userMasterIdentifier: str | None = None
    roles: list[_RoleEntry] | None = None  # OneRoster 1.2
    role: str | None = None  # OneRoster 1.1, with orgs
    orgs: list[_OrgRef] | None = None
    dateLastModified: str | None = None
    metadata: Any = None


class RawUser(msgspec.Struct, gc=False):
    """The fields of :class:`TypedUser`, of any type: a record that does not type, read whole."""

    sourcedId: Any = None
    status: Any = None
    enabledUser: Any = None
    givenName: Any = None
    familyName: Any = None
    email: Any = None
    username: Any = None
    identifier: Any = None
    userMasterIdentifier: Any = None
    roles: Any = None
    role: Any = None
    orgs: Any = None
    dateLastModified: Any = None
    metadata: Any = None

    def typed(self) -> TypedUser:
        """The record with every value of another type than OneRoster's dropped."""
        roles, orgs = self.roles, self.orgs
        return TypedUser(
            sourcedId=_text(self.sourcedId),
            status=_text(self.status),
            enabledUser=self.enabledUser if isinstance(self.enabledUser, bool | str) else None,
            givenName=_text(self.givenName),
            familyName=_text(self.familyName),
            email=_text(self.email),
            username=_text(self.username),
            identifier=_text(self.identifier),
            userMasterIdentifier=_text(self.userMasterIdentifier),
            roles=[_role_entry(e) for e in roles if isinstance(e, dict)]
            if isinstance(roles, list)
            else None,
            role=_text(self.role),
            orgs=[_org_ref(o) for o in orgs if isinstance(o, dict)]
            if isinstance(orgs, list)
            else None,
            dateLastModified=_text(self.dateLastModified),
            metadata=self.metadata,
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _org_ref(value: dict[str, Any]) -> _OrgRef:
    return _OrgRef(_text(value.get("sourcedId")))


def _role_entry(value: dict[str, Any]) -> _RoleEntry:
    org = value.get("org")
    return _RoleEntry(
        _text(value.get("roleType")),
        _text(value.get("role")),
        _org_ref(org) if isinstance(org, dict) else None,
    )


_decode_typed_user = msgspec.json.Decoder(TypedUser).decode
_decode_raw_user = msgspec.json.Decoder(RawUser).decode


def parse_user(raw: object) -> User:
    """A user from one record's JSON bytes (a :class:`msgspec.Raw`) or a JSON object (a
    dict), by the same rules."""
    if not isinstance(raw, msgspec.Raw | dict):
        raise InvalidRecord("the record is not an object")
    try:
        record = (
            _decode_typed_user(raw)
            if isinstance(raw, msgspec.Raw)
            else msgspec.convert(raw, TypedUser)
        )
    except msgspec.ValidationError:  # a value of another type, or not an object at all
        record = _lenient(raw)
    sourced_id = clean_text(record.sourcedId)
    if sourced_id is None:
        carries = _names(
            None,
            record.givenName,
            record.familyName,
            (record.email, record.username, record.identifier),
        )
        raise InvalidRecord("the record has no sourcedId", carries=carries)
    if record.roles is not None:
        roles = _roles_v1p2(record.roles)
    else:
        roles = _roles_v1p1(record.role, record.orgs)
    # Positional, in User's field order: a sync builds one for each user of the district, and
    # keywords take a third longer.
    return User(
        sourced_id,
        clean_text(record.status) or "active",
        _enabled(record.enabledUser),
        clean_text(record.givenName) or "",
        clean_text(record.familyName) or "",
        clean_text(record.email),
        clean_text(record.username),
        clean_text(record.identifier),
        clean_text(record.userMasterIdentifier),
        tuple(roles),
        clean_text(record.dateLastModified),
        _legacy_id(record.metadata),
    )


def _lenient(raw: msgspec.Raw | dict[str, Any]) -> TypedUser:
    try:
        read = (
            _decode_raw_user(raw) if isinstance(raw, msgspec.Raw) else msgspec.convert(raw, RawUser)
        )
    except msgspec.ValidationError:  # valid JSON, as its page was, but not an object
        raise InvalidRecord("the record is not an object") from None
    return read.typed()


def parse_school(raw: object) -> School:
    if not isinstance(raw, dict):
        raise InvalidRecord("the record is not an object")
    sourced_id = _required_id(raw)
    name = clean_text(raw.get("name"))
    if name is None:
        raise InvalidRecord("the school has no name", sourced_id)
    status = clean_text(raw.get("status")) or "active"
    return School(sourced_id, name, status, _legacy_id(raw.get("metadata")))


def _legacy_id(metadata: object) -> str | None:
    """``metadata.ic.legacysourceId``: a key "ic.legacysourceId", or "legacysourceId" in "ic"."""
    if not isinstance(metadata, dict):
        return None
    nested = metadata.get("ic")
    value = metadata.get("ic.legacysourceId")
    if value is None and isinstance(nested, dict):
        value = nested.get("legacysourceId")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return clean_text(value)
