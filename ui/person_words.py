"""What the person panel says: the record as labelled lines, why someone is not in the
directory, and the story as a short document (headlines in bold, changed fields under them)."""

from __future__ import annotations

from html import escape

from app.labels import role_label
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
    """Why someone never stored is missing, from their latest entry; empty for anyone stored."""
    if story.record is not None:
        return ""
    name = story.display_name
    latest = story.changes[0] if story.changes else None
    if latest is None or latest.change != "skipped":
        return f"{name} is not in the directory."
    why = skipped_because(latest.reason or "", latest.detail, username_field)
    return f"{name} is not in the directory. {PROVIDER} sent them, but they were not added: {why}."


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
