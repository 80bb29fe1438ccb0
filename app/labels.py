"""Plain words for OneRoster terms, for people who are not programmers.

A OneRoster field name is only ever shown beside its plain label, never alone.
"""

from __future__ import annotations

import re
from typing import Final

from app.oneroster.records import UsernameField

FIELD_LABELS: Final[dict[UsernameField, str]] = {
    "email": "Email address (email)",
    "username": "Infinite Campus username (username)",
    "identifier": "Student/staff ID number (identifier)",
    "sourcedId": "Infinite Campus internal ID (sourcedId)",
    "userMasterIdentifier": "District-wide person ID (userMasterIdentifier)",
}

#: The field's name in a sentence: "3 people have no email address".
FIELD_NOUNS: Final[dict[UsernameField, str]] = {
    "email": "email address",
    "username": "Infinite Campus username",
    "identifier": "ID number",
    "sourcedId": "internal ID",
    "userMasterIdentifier": "district-wide person ID",
}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def role_label(role: str) -> str:
    """A OneRoster role in words: districtAdministrator -> "District administrator"."""
    words = _CAMEL.sub(" ", role).lower()
    return words[:1].upper() + words[1:]
