"""The demo district as an Infinite Campus OneRoster 1.1 connection shows it.

1.1 has one record per role, its sourcedId a one-letter role prefix and the person's number
(``s1234`` a student, ``t55`` a teacher). The demo's people have one role each, so each has
one 1.1 record. Some 1.1 servers also send ``null`` for every field they have no value for.
"""

from __future__ import annotations

from typing import Any, Final

from app.demo.people import index_of, sourced_id

Record = dict[str, Any]

_ROLE_LETTERS: Final = {
    "student": "s",
    "teacher": "t",
    "administrator": "a",
    "aide": "d",
    "counselor": "c",
    "principal": "p",
    "guardian": "g",
    "parent": "n",
    "relative": "r",
}
#: The user fields a 1.1 server may send as null when it has no value.
_NULLABLE: Final = ("middleName", "email", "sms", "phone", "username", "identifier", "grades")


def person_number(user_id: str) -> str:
    """The number Infinite Campus knows a demo person by (a base user's index)."""
    index = index_of(user_id)
    return str(index) if index is not None else user_id


def v1p1_id(record: Record) -> str:
    """A 1.1-shaped record's Infinite Campus 1.1 sourcedId."""
    letter = _ROLE_LETTERS.get(str(record.get("role") or ""), "t")  # other staff: "t"
    return f"{letter}{person_number(str(record['sourcedId']))}"


def demo_id(v1p1: str) -> str:
    """The demo's own id behind a 1.1 sourcedId (the reverse of ``v1p1_id``)."""
    number = v1p1[1:]
    return sourced_id(int(number)) if number.isdigit() else number


def with_v1p1_id(record: Record) -> Record:
    return {**record, "sourcedId": v1p1_id(record)}


def with_nulls(record: Record) -> Record:
    """Every absent optional field present as null."""
    return {**{name: None for name in _NULLABLE}, **record}


def relative_hrefs(value: Any, origin: str) -> Any:
    """Every ``href`` made relative to the host root (``origin`` is scheme://host:port)."""
    if isinstance(value, dict):
        return {
            key: (
                item.removeprefix(origin)
                if key == "href" and isinstance(item, str)
                else relative_hrefs(item, origin)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [relative_hrefs(item, origin) for item in value]
    return value
