"""CSV rows turned into the record shape the REST client parses, so a CSV user or school is
read by the very same rules (:func:`app.oneroster.records.parse_user`)."""

from __future__ import annotations

from typing import Any, Final

from app.oneroster_csv.tables import Row

ORG_COLUMNS: Final = ("sourcedId", "name", "type")
USER_COLUMNS: Final = {
    "1.1": (
        "sourcedId",
        "enabledUser",
        "orgSourcedIds",
        "role",
        "username",
        "givenName",
        "familyName",
    ),
    "1.2": ("sourcedId", "enabledUser", "username", "givenName", "familyName"),
}
ROLE_COLUMNS: Final = ("userSourcedId", "roleType", "role", "orgSourcedId")
_METADATA: Final = "metadata."


def is_school(row: Row) -> bool:
    return (row.get("type") or "").strip() == "school"


def org_record(row: Row) -> dict[str, Any]:
    return _with_metadata(row)


def user_record_v1p1(row: Row) -> dict[str, Any]:
    """A 1.1 row: one role, and its orgs as a comma-separated list."""
    record = _with_metadata(row)
    orgs = (row.get("orgSourcedIds") or "").split(",")
    record["orgs"] = [{"sourcedId": org} for org in orgs]
    return record


def user_record_v1p2(row: Row, roles: list[dict[str, Any]]) -> dict[str, Any]:
    """A 1.2 row with its roles, from roles.csv (see :func:`role_entry`)."""
    record = _with_metadata(row)
    record["roles"] = roles
    return record


def role_entry(role_type: str, role: str, org: str) -> dict[str, Any]:
    return {"roleType": role_type.strip(), "role": role, "org": {"sourcedId": org}}


def _with_metadata(row: Row) -> dict[str, Any]:
    """The row, with its ``metadata.*`` columns gathered as the JSON binding's metadata."""
    record: dict[str, Any] = dict(row)
    metadata = {
        key.removeprefix(_METADATA): value
        for key, value in row.items()
        if key.startswith(_METADATA) and value
    }
    if metadata:
        record["metadata"] = metadata
    return record
