"""A person's story in plain words: "Deactivated on 3 March 2026: no longer in any school mapped
to a site", "Email changed from … to …". The window and the command line both say it so."""

from __future__ import annotations

from datetime import datetime

from app.oneroster.records import UsernameField
from app.store.story import Change, FieldChange, SkippedPerson
from app.sync.wording import skip_reason_text

PROVIDER = "Infinite Campus"

DEACTIVATION_REASONS: dict[str, str] = {
    "tobedeleted": f"marked to be deleted in {PROVIDER}",
    "disabled": f"turned off (not enabled) in {PROVIDER}",
    "absent": f"no longer sent by {PROVIDER}",
    "unmapped_school": "no longer in any school mapped to a site",
}
FIELD_NAMES: dict[str, str] = {
    "username": "Username",
    "givenName": "First name",
    "familyName": "Last name",
    "email": "Email",
    "role": "Role",
    "site": "Site",
}


def day_text(moment: datetime) -> str:
    """Like "3 March 2026", in this computer's time zone."""
    local = moment.astimezone()
    return f"{local.day} {local:%B %Y}"


def headline(change: Change, username_field: UsernameField) -> str:
    """The entry's first line: what happened, when, and why."""
    day = day_text(change.started_at)
    if change.change == "added":
        return f"Added on {day}"
    if change.change == "updated":
        verb = "Reactivated" if _reactivated(change) else "Changed"
        return f"{verb} on {day}"
    if change.change == "deactivated":
        why = DEACTIVATION_REASONS.get(change.reason or "", change.reason or "")
        return f"Deactivated on {day}: {why}"
    why = skipped_because(change.reason or "", change.detail, username_field)
    if change.since is not None:
        return f"Skipped at every sync from {day_text(change.since)} to {day}: {why}"
    return f"Skipped on {day}: {why}"


def field_lines(change: Change) -> list[str]:
    """One sentence for each field an update changed; reactivation is in the headline."""
    return [field_sentence(key, values) for key, values in change.fields.items() if key != "active"]


def field_sentence(key: str, values: FieldChange) -> str:
    name = FIELD_NAMES.get(key, key)
    old, new = values
    if old in (None, ""):
        return f"{name} set to {new}"
    if new in (None, ""):
        return f"{name} removed (was {old})"
    return f"{name} changed from {old} to {new}"


def skipped_because(reason: str, detail: str, username_field: UsernameField) -> str:
    """Why someone was left out, in words: "no email address in Infinite Campus"."""
    if reason == "no_username":
        return f"{skip_reason_text(reason, username_field)} in {PROVIDER}"
    if reason == "unmapped_school":
        return "their school is not mapped to a site"
    text = skip_reason_text(reason, username_field)
    return f"{text} ({detail})" if detail and reason != "not_synced_role" else text


def not_added_sentence(person: SkippedPerson, username_field: UsernameField) -> str:
    """Like "Jane Doe was not added: no email address in Infinite Campus." """
    why = skipped_because(person.reason, person.detail, username_field)
    return f"{person.name} was not added: {why}."


def _reactivated(change: Change) -> bool:
    old, new = change.fields.get("active", (True, True))
    return old is False and new is True
