"""The fixed tables of the demo district: names, schools, the mix of roles and the "cast".

The cast is a small set of hand-made people, spread evenly over the district, that makes sure
each edge case exists even in a district of 300.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

BASE_DATE: Final = "2026-08-01T00:00:00Z"
DOMAIN: Final = "district.example"

# (display name, ASCII slug used in usernames and emails)
GIVEN_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("Anna", "anna"), ("Liam", "liam"), ("Olivia", "olivia"), ("Noah", "noah"),
    ("Emma", "emma"), ("Mateo", "mateo"), ("Ava", "ava"), ("Elijah", "elijah"),
    ("Sophia", "sophia"), ("Lucas", "lucas"), ("Isabella", "isabella"), ("Mason", "mason"),
    ("Mia", "mia"), ("Ethan", "ethan"), ("Amelia", "amelia"), ("James", "james"),
    ("Harper", "harper"), ("Benjamin", "benjamin"), ("Evelyn", "evelyn"), ("Henry", "henry"),
    ("Aaliyah", "aaliyah"), ("Jayden", "jayden"), ("Chloe", "chloe"), ("Daniel", "daniel"),
    ("Grace", "grace"), ("Samuel", "samuel"), ("Layla", "layla"), ("David", "david"),
    ("Priya", "priya"), ("Mohammed", "mohammed"), ("Fatima", "fatima"), ("Kwame", "kwame"),
    ("Hana", "hana"), ("Diego", "diego"), ("Lucia", "lucia"), ("Yusuf", "yusuf"),
)  # fmt: skip
# Rarer names that trip up naive code: accents, apostrophes, non-Latin scripts.
GIVEN_SPECIAL: Final[tuple[tuple[str, str], ...]] = (
    ("José", "jose"), ("Zoë", "zoe"), ("Chloé", "chloe"), ("Søren", "soren"),
    ("Renée", "renee"), ("Björn", "bjorn"), ("Ngọc", "ngoc"), ("伟", "wei"), ("Lucía", "lucia"),
)  # fmt: skip
FAMILY_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"), ("Brown", "brown"),
    ("Jones", "jones"), ("Garcia", "garcia"), ("Miller", "miller"), ("Davis", "davis"),
    ("Rodriguez", "rodriguez"), ("Martinez", "martinez"), ("Hernandez", "hernandez"),
    ("Lopez", "lopez"), ("Wilson", "wilson"), ("Anderson", "anderson"), ("Thomas", "thomas"),
    ("Taylor", "taylor"), ("Moore", "moore"), ("Jackson", "jackson"), ("Martin", "martin"),
    ("Lee", "lee"), ("Thompson", "thompson"), ("White", "white"), ("Harris", "harris"),
    ("Clark", "clark"), ("Lewis", "lewis"), ("Walker", "walker"), ("Young", "young"),
    ("Kowalski", "kowalski"), ("Okafor", "okafor"), ("Patel", "patel"), ("Kim", "kim"),
    ("Dubois", "dubois"), ("Byrne-Walsh", "byrnewalsh"),
)  # fmt: skip
FAMILY_SPECIAL: Final[tuple[tuple[str, str], ...]] = (
    ("Nguyễn", "nguyen"), ("O'Brien", "obrien"), ("Müller", "muller"), ("王", "wang"),
    ("García", "garcia"), ("Núñez", "nunez"), ("Øverby", "overby"), ("D'Angelo", "dangelo"),
    ("Schäfer", "schafer"),
)  # fmt: skip
NAME_WEIGHT: Final = 4  # each common name is this many times as likely as each special one

# (Infinite Campus name, the name a person gives the local site, level)
SCHOOL_TABLE: Final[tuple[tuple[str, str, str], ...]] = (
    ("Lincoln Elementary School", "Lincoln Elem", "E"),
    ("Washington High School", "Washington HS", "H"),
    ("Roosevelt Middle School", "Roosevelt MS", "M"),
    ("Jefferson Elementary School", "Jefferson Elementary", "E"),
    ("Kennedy Middle School", "Kennedy Middle", "M"),
    ("Adams Elementary School", "Adams Elem.", "E"),
    ("Franklin High School", "Franklin High", "H"),
    ("Madison Elementary School", "Madison ES", "E"),
    ("Hamilton Middle School", "Hamilton MS", "M"),
    ("Monroe Elementary School", "Monroe Elem", "E"),
    ("Jackson High School", "Jackson HS", "H"),
    ("Garfield Elementary School", "Garfield Elementary", "E"),
)
GRADES: Final = ("KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
LEVEL_OF_GRADE: Final = tuple("E" if i <= 5 else "M" if i <= 8 else "H" for i in range(13))
NO_EMAIL_GRADES: Final = 2  # the first two grades (KG, 01) never have an email

# Cumulative thresholds over 1000: ~85% students, ~8% teachers, a few other staff, ~3.5% family.
_KINDS: Final[tuple[tuple[int, str], ...]] = (
    (850, "student"),
    (930, "teacher"),
    (945, "aide"),
    (952, "administrator"),
    (955, "principal"),
    (962, "counselor"),
    (977, "guardian"),
    (990, "parent"),
    (1000, "relative"),
)
FAMILY_ROLES: Final = frozenset({"guardian", "parent", "relative"})


def schools_for(users: int) -> int:
    """How many schools a district of this size has (6 to 12)."""
    if users < 1_000:
        return 6
    if users < 10_000:
        return 8
    if users < 100_000:
        return 10
    return 12


def sourced_id(index: int, *, guid: bool = False) -> str:
    """A base user's id: "u-000042", or shaped like the GUIDs Infinite Campus's 1.2 connection
    sends, whose order says nothing of the order the users come in."""
    if not guid:
        return f"u-{index:06d}"
    spread = f"{(index * _GOLDEN_64) & _MASK_64:016x}"  # neighbours far apart, each its own
    return f"{spread[:8]}-{spread[8:12]}-4{spread[13:16]}-8000-{index:012x}"


def index_of(user_id: str) -> int | None:
    """The base index a sourcedId names (in either shape), or None when it is not a base
    user's id."""
    if user_id.startswith("u-") and user_id[2:].isdigit():
        index, guid = int(user_id[2:]), False
    elif len(user_id) == _GUID_LENGTH and _is_hex(user_id[-12:]):
        index, guid = int(user_id[-12:], 16), True
    else:
        return None
    return index if sourced_id(index, guid=guid) == user_id else None


_GOLDEN_64: Final = 0x9E3779B97F4A7C15
_MASK_64: Final = (1 << 64) - 1
_GUID_LENGTH: Final = 36


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)


@dataclass(frozen=True, slots=True)
class Cast:
    """A hand-made person: every field left None comes from the hashes as usual."""

    kind: str
    given: tuple[str, str] | None = None
    family: tuple[str, str] | None = None
    email: str | None = None  # "" = empty string, "-" = no email key at all
    second_school: bool = False
    primary_second: bool = False
    status: str = "active"
    enabled: str = "true"
    padded_given: bool = False


def _dup(kind: str, given: str, family: str, email: str) -> Cast:
    return Cast(kind, (given, given.lower()), (family, family.lower()), email=email)


CAST: Final[tuple[Cast, ...]] = (
    Cast("principal"),
    Cast("counselor"),
    Cast("administrator"),
    Cast("aide"),
    Cast("guardian"),
    Cast("parent"),
    Cast("relative"),
    Cast("teacher", second_school=True),
    Cast("teacher", second_school=True, primary_second=True),
    Cast("aide", second_school=True, primary_second=True),
    Cast("counselor", second_school=True),
    Cast("student", status="tobedeleted"),
    Cast("teacher", status="tobedeleted"),
    Cast("student", enabled="false"),
    Cast("teacher", enabled="false"),
    Cast("student", email="-"),
    Cast("student", email=""),
    Cast("student", ("José", "jose"), ("García", "garcia")),
    Cast("teacher", ("Zoë", "zoe"), ("Müller", "muller")),
    Cast("student", ("Ngọc", "ngoc"), ("Nguyễn", "nguyen")),
    Cast("teacher", ("Siobhan", "siobhan"), ("O'Brien", "obrien")),
    Cast("student", ("伟", "wei"), ("王", "wang")),
    Cast("student", ("Anna", "anna"), ("Berg", "berg"), email=f" anna.b@{DOMAIN} "),
    Cast("teacher", ("Marcus", "marcus"), ("Hale", "hale"), padded_given=True),
    _dup("teacher", "Jordan", "Smith", f"J.Smith@{DOMAIN}"),
    _dup("teacher", "Jamie", "Smith", f"j.smith@{DOMAIN}"),
    _dup("student", "Maria", "Lopez", f"m.lopez@{DOMAIN}"),
    _dup("student", "Mario", "Lopez", f"m.lopez@{DOMAIN}"),
    _dup("teacher", "Alex", "Kim", f"Alex.Kim@{DOMAIN}"),
    _dup("student", "Alexis", "Kim", f"alex.kim@{DOMAIN}"),
)


def cast_positions(users: int) -> dict[int, Cast]:
    """Where the cast sits: spread evenly, so edge cases land on different pages."""
    stride = max(1, users // len(CAST))
    positions = {k * stride + stride // 2: person for k, person in enumerate(CAST)}
    return {i: person for i, person in positions.items() if i < users}


def _kind_table() -> tuple[str, ...]:
    table: list[str] = []
    for limit, kind in _KINDS:
        table += [kind] * (limit - len(table))
    return tuple(table)


KIND_BY_BUCKET: Final = _kind_table()  # kind of a person whose hash is h: KIND_BY_BUCKET[h % 1000]
