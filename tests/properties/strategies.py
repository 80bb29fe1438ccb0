"""Hypothesis strategies for hostile OneRoster input: wrong types, junk text, formula cells."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from app.oneroster.records import SYNCED_ROLES

#: What a spreadsheet evaluates when a cell starts with it (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]
SQL = [
    "'); DROP TABLE users;--",
    "Robert'); DROP TABLE users; --",
    "' OR '1'='1",
    '"; DELETE FROM users WHERE "1"="1',
    "1; UPDATE users SET active=0",
]
CONTROL = ["\x00", "a\x00b", "\x1b[31mred", "\u202eevil", "\ufeffbom", "line\nbreak", "\x7f"]

#: Text with no surrogates (what an HTTP body in UTF-8 can carry).
plain_text = st.text(max_size=30)

hostile_text = st.one_of(
    plain_text,
    st.sampled_from(FORMULAS + SQL + CONTROL),
    st.builds(lambda p, s: p + s, st.sampled_from(FORMULA_PREFIXES), plain_text),
    st.builds(lambda s: f"  {s}\t ", plain_text),  # padding to trim
    st.just("x" * 100_000),
    st.just(""),
    st.just("   "),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    hostile_text,
)
#: Any JSON value (as json.loads would give it), text hostile.
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=10,
)


def _maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a well-formed value, sometimes any JSON value."""
    return st.one_of(good, good, good, json_values)


SCHOOLS = ["sch-a", "sch-b", "sch-x"]  # sch-x is never mapped
MAPPING = {"sch-a": 1, "sch-b": 2}

role_names = st.sampled_from([*sorted(SYNCED_ROLES), "guardian", "parent", "relative", " student "])
org_refs = _maybe(
    st.fixed_dictionaries({"sourcedId": st.sampled_from([*SCHOOLS, " sch-a ", "SCH-A"])})
)
role_entries = _maybe(
    st.fixed_dictionaries(
        {},
        optional={
            "roleType": _maybe(st.sampled_from(["primary", "secondary"])),
            "role": _maybe(role_names),
            "org": org_refs,
        },
    )
)
#: A small pool, so that usernames (and sourcedIds) collide, in different cases and padding.
usernames = st.one_of(
    st.sampled_from(["ann@x.org", "ANN@x.org", " ann@x.org ", "bob@x.org", "Straße@x.org"]),
    st.sampled_from(["STRASSE@x.org", "cy@x.org"]),
    hostile_text,
)
sourced_ids = st.one_of(
    st.sampled_from(["u1", "u2", "u3", "u4", " u1 ", "U1"]),
    hostile_text,
)


def raw_users(unique_ids: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """OneRoster 1.2 user dicts, often well formed, with hostile values anywhere."""
    sid = st.text(alphabet="abcdefgh", min_size=1, max_size=6) if unique_ids else sourced_ids
    return st.fixed_dictionaries(
        {"sourcedId": sid if unique_ids else _maybe(sid)},
        optional={
            "status": _maybe(st.sampled_from(["active", "tobedeleted", " tobedeleted "])),
            "enabledUser": _maybe(st.sampled_from(["true", "false", "FALSE", True, False])),
            "givenName": _maybe(hostile_text),
            "familyName": _maybe(hostile_text),
            "email": _maybe(usernames),
            "username": _maybe(usernames),
            "identifier": _maybe(hostile_text),
            "roles": _maybe(st.lists(role_entries, max_size=3)),
            # OneRoster 1.1 shape: used only when "roles" is not a list
            "role": _maybe(role_names),
            "orgs": _maybe(st.lists(org_refs, max_size=3)),
        },
    )


#: Characters from every corner of Unicode a name may use: combining marks, right-to-left
#: letters and marks, emoji (with joiners and skin tones), zero-width characters.
UNUSUAL = (
    "\u0301\u0308\u0327\u20dd"  # combining marks
    "مريمעבריתܐ\u200f\u202b\u202c"  # right-to-left letters and marks
    "🌈👩🏽\u200d🏫🇺🇦"  # emoji, a joiner, a flag
    "\u200b\u200c\u2060\ufeff"  # zero-width
    "ßŉǅΐ"  # letters whose case changes their length
)
#: Any length (up to several thousand characters) of any text, never empty once trimmed.
whole_text = st.builds(
    lambda head, body, repeat: head + body * repeat,
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=3
    ),
    st.text(
        alphabet=st.sampled_from(UNUSUAL) | st.characters(blacklist_categories=("Cs",)), max_size=20
    ),
    st.integers(min_value=0, max_value=300),
)
