"""An independent statement of PRODUCT.md's rules for a first sync into an empty directory.

Written plainly from the spec, over raw provider JSON, to cross-check what the app stores.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

SYNCED = {
    "student",
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


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _ordered_roles(raw: dict[str, Any]) -> list[tuple[str, str]]:
    roles = raw.get("roles")
    if isinstance(roles, list):
        primary = [r for r in roles if r.get("roleType") == "primary"]
        rest = [r for r in roles if r.get("roleType") != "primary"]
        return [(r["role"], r["org"]["sourcedId"]) for r in primary + rest]
    return [(raw["role"], org["sourcedId"]) for org in raw.get("orgs", [])]


def expected_first_sync(
    records: list[dict[str, Any]], mapping: dict[str, str], field: str
) -> tuple[dict[str, dict[str, Any]], Counter[str]]:
    """(sourcedId -> users --json object, skip reason counts) for a sync into an empty directory."""
    reasons: Counter[str] = Counter()
    candidates: dict[str, dict[str, Any]] = {}
    for raw in records:
        roles = [(role, org) for role, org in _ordered_roles(raw) if role in SYNCED]
        if not roles:
            reasons["not_synced_role"] += 1
            continue
        placing = next(((role, org) for role, org in roles if org in mapping), None)
        if placing is None:
            reasons["unmapped_school"] += 1
            continue
        if raw.get("status") == "tobedeleted" or str(raw.get("enabledUser")).lower() == "false":
            continue  # counted unchanged: not added
        username = _text(raw.get(field))
        if username is None:
            reasons["no_username"] += 1
            continue
        candidates[raw["sourcedId"]] = {
            "sourcedId": raw["sourcedId"],
            "username": username,
            "givenName": _text(raw.get("givenName")) or "",
            "familyName": _text(raw.get("familyName")) or "",
            "email": _text(raw.get("email")),
            "role": placing[0],
            "site": mapping[placing[1]],
            "active": True,
        }
    keys = Counter(user["username"].casefold() for user in candidates.values())
    for sid, user in list(candidates.items()):
        if keys[user["username"].casefold()] > 1:
            reasons["duplicate_username"] += 1
            del candidates[sid]
    return candidates, reasons
