"""What the person panel says: the record as labelled lines, why someone is not in the
directory, and the story as a short document (headlines in bold, changed fields under them)."""

from __future__ import annotations

from html import escape

from app.labels import FIELD_NOUNS, role_label
from app.oneroster.records import UsernameField
from app.store.directory import UserRow
from app.store.story import Change, PersonStory
from app.sync.story_wording import PROVIDER, day_text, field_lines, headline, skipped_because

ID_LABEL = f"{PROVIDER} ID"
NO_CHANGES = "No sync has changed this person in the past year."


def status_text(record: UserRow, changes: list[Change]) -> str:
    """ "Active", or "Inactive since 3 March 2026" (when they were last deactivated)."""
    if record.active:
        return "Active"
    deactivated = next((c for c in changes if c.change == "deactivated"), None)
    return f"Inactive since {day_text(deactivated.started_at)}" if deactivated else "Inactive"


def record_lines(story: PersonStory) -> list[tuple[str, str]]:
    """(label, value) pairs in reading order; someone never stored has only their ID (the
    panel says in a sentence why they are not in the directory)."""
    record = story.record
    if record is None:
        return [(ID_LABEL, story.sourced_id)]
    return [
        ("Status", status_text(record, story.changes)),
        ("Username", record.username),
        ("Email", record.email or "none"),
        ("Role", role_label(record.role)),
        ("Site", record.site),
        (ID_LABEL, record.sourced_id),
    ]


def not_in_directory_sentence(story: PersonStory, username_field: UsernameField) -> str:
    """Why someone never stored is missing, from their latest entry, and what would bring them
    in; empty for anyone stored."""
    if story.record is not None:
        return ""
    missing = f"{story.display_name} is not in the directory."
    latest = story.changes[0] if story.changes else None
    if latest is None or latest.change != "skipped":
        return missing
    reason = latest.reason or ""
    why = skipped_because(reason, latest.detail, username_field)
    sentence = f"{missing} {PROVIDER} sent them, but they were not added: {why}."
    remedy = _remedy(reason, username_field)
    return f"{sentence} {remedy}" if remedy else sentence


def _remedy(reason: str, username_field: UsernameField) -> str:
    """What would bring someone in, where anything would."""
    noun = FIELD_NOUNS[username_field]
    if reason == "no_username":
        return f"Once their {noun} is entered in {PROVIDER}, the next sync adds them."
    if reason == "duplicate_username":
        return f"Once their {noun} in {PROVIDER} is no one else's, the next sync adds them."
    if reason == "unmapped_school":
        return (
            "Choosing a site for their school (File → Setup wizard, Sites page) brings them in "
            "at the next sync."
        )
    return ""


def story_html(changes: list[Change], username_field: UsernameField) -> str:
    """Each entry, newest first: its headline, then one bullet per changed field."""
    if not changes:
        return f"<p>{NO_CHANGES}</p>"
    parts = []
    for change in changes:
        parts.append(f"<p><b>{escape(headline(change, username_field))}</b></p>")
        lines = field_lines(change)
        if lines:
            items = "".join(f"<li>{escape(line)}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
    return "".join(parts)
