"""Sync outcomes and skip reasons in words a school secretary understands."""

from __future__ import annotations

from app.labels import FIELD_NOUNS
from app.oneroster.records import UsernameField
from app.store.history import RunCounts

_FIXED_REASONS: dict[str, str] = {
    "unmapped_school": "school not mapped to a site",
    "not_synced_role": "guardian, parent or relative (never synced)",
    "invalid_record": "the record could not be read",
}
#: The order reasons are listed in: the ones a person can fix first.
REASON_ORDER = (
    "no_username",
    "duplicate_username",
    "unmapped_school",
    "not_synced_role",
    "invalid_record",
)


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def skip_reason_text(reason: str, username_field: UsernameField) -> str:
    """The reason in words: "no_username" with "email" -> "no email address"."""
    noun = FIELD_NOUNS[username_field]
    if reason == "no_username":
        return f"no {noun}"
    if reason == "duplicate_username":
        return f"shares {_article(noun)} {noun} with someone else"
    return _FIXED_REASONS.get(reason, reason.replace("_", " "))


def reason_hints(reasons: dict[str, int], username_field: UsernameField) -> list[str]:
    """What the person can do in the wizard about the reasons present."""
    noun = FIELD_NOUNS[username_field]
    who = []
    if reasons.get("no_username"):
        who.append(f"no {noun}")
    if reasons.get("duplicate_username"):
        who.append(f"a shared {noun}")
    hints = []
    if who:
        hints.append(
            f"People with {' or '.join(who)} can be included by choosing another username "
            "field: go Back to the Username page."
        )
    if reasons.get("unmapped_school"):
        hints.append(
            "People at a school without a site can be included by choosing a site for the "
            "school: go Back to the Sites page."
        )
    return hints


def ordered_reasons(reasons: dict[str, int]) -> list[tuple[str, int]]:
    known = [(reason, reasons[reason]) for reason in REASON_ORDER if reasons.get(reason)]
    others = sorted((r, n) for r, n in reasons.items() if r not in REASON_ORDER and n)
    return known + others


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """count_of(1, "user") -> "1 user"; count_of(1147, "user") -> "1,147 users"."""
    word = singular if number == 1 else plural or f"{singular}s"
    return f"{number:,} {word}"


def changes_phrase(counts: RunCounts) -> str:
    """Like "231 users added, 4 updated" or "4 users updated"; zeros are left out."""
    changed = [
        (n, verb)
        for n, verb in (
            (counts.added, "added"),
            (counts.updated, "updated"),
            (counts.deactivated, "deactivated"),
        )
        if n
    ]
    if not changed:
        return "no changes were needed"
    (first, verb), *rest = changed
    return ", ".join([f"{count_of(first, 'user')} {verb}", *(f"{n:,} {v}" for n, v in rest)])


def left_out_phrase(skipped: int) -> str:
    return f"{count_of(skipped, 'person', 'people')} left out"


def counts_sentence(counts: RunCounts) -> str:
    """Like "231 users added, 4 updated; 59 people left out." and, after a re-link, "1,146
    people re-linked to their new Infinite Campus ids (kept, not re-added)." """
    text = f"{changes_phrase(counts)}; {left_out_phrase(counts.skipped)}."
    if counts.relinked:
        text += f" {relinked_sentence(counts.relinked)}"
    return text[:1].upper() + text[1:]


CANCELED_SENTENCE = "Canceled — nothing was changed."


def failure_sentence(error: str | None) -> str:
    """A failed sync's sentence, saying plainly that nothing changed when it does not already."""
    text = error or "An unknown problem stopped it."
    if "nothing was changed" not in text.lower():
        text = f"{text} Nothing was changed."
    return f"The sync did not finish. {text}"


def carry_over_sentence(held: int) -> str:
    """Before the first sync of a connection that replaces another: the people kept so far."""
    return (
        f"The directory already holds {count_of(held, 'person', 'people')}; this preview "
        "shows whether they carry over to this connection before anything is written."
    )


def relinked_sentence(relinked: int) -> str:
    """Like "1,146 people re-linked to their new Infinite Campus ids (kept, not re-added)." """
    people = count_of(relinked, "person", "people")
    return f"{people} re-linked to their new Infinite Campus ids (kept, not re-added)."
