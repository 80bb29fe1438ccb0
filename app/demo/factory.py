"""The per-person generator: base user ``index`` as OneRoster 1.2 JSON text.

A base user is a pure function of (seed, index): nothing is stored per person, so a district of
a million users costs nothing until a page of it is asked for. Two 64-bit hashes of
(seed, index) make every random choice.

The record is written straight as JSON text, from pieces that were escaped once up front:
building dicts and then ``json.dumps``-ing them costs about four times as much, and the server
sends a 1,000,000-user district in pages of 1,000. ``json.loads`` of the text is the dict form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from app.demo.people import (
    BASE_DATE,
    DOMAIN,
    FAMILY_NAMES,
    FAMILY_ROLES,
    FAMILY_SPECIAL,
    GIVEN_NAMES,
    GIVEN_SPECIAL,
    GRADES,
    KIND_BY_BUCKET,
    LEVEL_OF_GRADE,
    NAME_WEIGHT,
    NO_EMAIL_GRADES,
    Cast,
    cast_positions,
    sourced_id,
)

_MASK: Final = (1 << 64) - 1
_GOLDEN: Final = 0x9E3779B97F4A7C15
_SECOND: Final = 0x5851F42D4C957F2D


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _weighted(
    common: tuple[tuple[str, str], ...], special: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    return tuple((_text(name), slug) for name, slug in common * NAME_WEIGHT + special)


_GIVEN: Final = _weighted(GIVEN_NAMES, GIVEN_SPECIAL)
_FAMILY: Final = _weighted(FAMILY_NAMES, FAMILY_SPECIAL)
_GIVEN_COUNT: Final = len(_GIVEN)
_FAMILY_COUNT: Final = len(_FAMILY)
_GRADE_COUNT: Final = len(GRADES)


def mix64(x: int) -> int:
    """splitmix64's finalizer: a bijection on 64-bit integers that scatters every bit."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@dataclass(frozen=True, slots=True)
class SchoolRef:
    """A school as users reference it: its level ("E", "M", "H") and its org ref."""

    sourced_id: str
    level: str
    ref: dict[str, str]


class PersonFactory:
    """Writes the OneRoster 1.2 record of base user ``index`` for one (seed, size)."""

    def __init__(
        self,
        seed: int,
        users: int,
        schools: list[SchoolRef],
        href_base: str,
        *,
        guid_ids: bool = False,
    ) -> None:
        self._href_base = href_base
        self._guid_ids = guid_ids
        self._salt = (seed * _GOLDEN) & _MASK
        self._schools = [json.dumps(s.ref) for s in schools]
        by_level = {lvl: [json.dumps(s.ref) for s in schools if s.level == lvl] for lvl in "EMH"}
        self._by_grade = [by_level[level] or self._schools for level in LEVEL_OF_GRADE]
        self._cast = cast_positions(users)

    def record_json(self, index: int) -> str:
        # mix64 twice, inlined: this runs once per user per page
        x = (self._salt + index) & _MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        h = x ^ (x >> 31)
        x = h ^ _SECOND
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
        h2 = x ^ (x >> 31)
        cast = self._cast.get(index)
        kind = cast.kind if cast else KIND_BY_BUCKET[h % 1000]
        given, gslug = _GIVEN[(h >> 10) % _GIVEN_COUNT]
        family, fslug = _FAMILY[(h >> 20) % _FAMILY_COUNT]
        status = "tobedeleted" if h2 % 100 == 0 else "active"
        enabled = "false" if (h2 >> 8) % 100 == 0 else "true"
        if cast:
            given, gslug, family, fslug = _cast_names(cast, given, gslug, family, fslug)
            status, enabled = cast.status, cast.enabled
        if kind == "student":
            email, rest = self._student(index, h, h2, gslug, fslug)
        elif kind in FAMILY_ROLES:
            email, rest = self._family_member(index, kind, h, h2, (gslug, fslug))
        else:
            email, rest = self._staff(index, kind, h, h2, (gslug, fslug), cast=cast)
        if cast and cast.email is not None:
            email = None if cast.email == "-" else cast.email
        elif email and (h2 >> 32) % 200 == 0:
            email = f" {email} "
        # our emails never need escaping: ASCII slugs, digits, dots, "@", spaces
        email_field = "" if email is None else f',"email":"{email}"'
        return (
            f'{{"sourcedId":"{sourced_id(index, guid=self._guid_ids)}","status":"{status}"'
            f',"dateLastModified":"{BASE_DATE}","metadata":{{"ic.personID":"{h % 10_000_000}"}}'
            f',"userMasterIdentifier":"{h:016X}","enabledUser":"{enabled}"'
            f',"givenName":{given},"familyName":{family}'
            f"{email_field}{rest}"
        )

    def _student(
        self, index: int, h: int, h2: int, gslug: str, fslug: str
    ) -> tuple[str | None, str]:
        grade = (h >> 30) % _GRADE_COUNT
        schools = self._by_grade[grade]
        email: str | None = f"{gslug}.{fslug}{index}@{DOMAIN}"
        if grade < NO_EMAIL_GRADES or (h2 >> 16) % 100 < 6:
            email = "" if (h2 >> 24) & 1 else None
        number = 100000 + index
        identifier = "" if (h2 >> 40) % 100 < 4 else number
        return email, (
            f',"username":"{gslug[0]}{fslug}{index}"'
            f',"userIds":[{{"type":"studentNumber","identifier":"{number}"}}]'
            f',"identifier":"{identifier}"'
            f',"roles":[{{"roleType":"primary","role":"student","org":'
            f"{schools[(h >> 40) % len(schools)]}}}]"
            f',"agents":[],"grades":["{GRADES[grade]}"]}}'
        )

    def _staff(
        self, index: int, kind: str, h: int, h2: int, slugs: tuple[str, str], *, cast: Cast | None
    ) -> tuple[str | None, str]:
        gslug, fslug = slugs
        email = f"{gslug}.{fslug}{index}@{DOMAIN}"
        if (h2 >> 48) % 10 == 0:
            email = f"{gslug.title()}.{fslug.title()}{index}@{DOMAIN}"
        staff_no = f"E{index:06d}"
        identifier = "" if (h2 >> 40) % 100 < 4 else staff_no
        return email, (
            f',"username":"{gslug}.{fslug}{index}"'
            f',"userIds":[{{"type":"staffNumber","identifier":"{staff_no}"}}]'
            f',"identifier":"{identifier}"'
            f',"roles":[{self._staff_roles(kind, h, h2, cast)}],"agents":[]}}'
        )

    def _staff_roles(self, kind: str, h: int, h2: int, cast: Cast | None) -> str:
        count = len(self._schools)
        school = (h >> 40) % count
        primary = f'{{"roleType":"primary","role":"{kind}","org":{self._schools[school]}}}'
        two = cast.second_school if cast else (h2 >> 52) % 100 < 10
        if not two or count < 2:
            return primary
        other = (school + 1 + (h >> 50) % (count - 1)) % count
        secondary = f'{{"roleType":"secondary","role":"{kind}","org":{self._schools[other]}}}'
        second_first = cast.primary_second if cast else (h2 >> 60) & 3 == 0
        return f"{secondary},{primary}" if second_first else f"{primary},{secondary}"

    def _family_member(
        self, index: int, kind: str, h: int, h2: int, slugs: tuple[str, str]
    ) -> tuple[str | None, str]:
        gslug, fslug = slugs
        school = self._schools[(h >> 40) % len(self._schools)]
        username = "" if h2 & 1 else f"{gslug}{fslug}{index}"
        agent = sourced_id(max(0, index - 1), guid=self._guid_ids)
        return f"{gslug}.{fslug}{index}@{DOMAIN}", (
            f',"username":"{username}","userIds":[],"identifier":""'
            f',"roles":[{{"roleType":"primary","role":"{kind}","org":{school}}}]'
            f',"agents":[{{"href":"{self._href_base}/users/{agent}"'
            f',"sourcedId":"{agent}","type":"user"}}]}}'
        )


def _cast_names(
    cast: Cast, given: str, gslug: str, family: str, fslug: str
) -> tuple[str, str, str, str]:
    """A cast member's names (JSON text and slug), where the cast sets them."""
    if cast.given:
        given, gslug = _text(cast.given[0]), cast.given[1]
    if cast.family:
        family, fslug = _text(cast.family[0]), cast.family[1]
    if cast.padded_given:
        given = _text(f"  {json.loads(given)} ")
    return given, gslug, family, fslug
