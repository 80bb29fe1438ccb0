"""Any JSON value given to the OneRoster parsers is a record or an InvalidRecord, nothing else."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.oneroster.client import _SCHOOLS, _USERS, OneRosterClient, _decode_users
from app.oneroster.records import (
    InvalidRecord,
    RoleAssignment,
    School,
    User,
    parse_school,
    parse_user,
)
from tests.properties.strategies import hostile_text, json_values, raw_users

TEXT_FIELDS = ("given_name", "family_name", "email", "username", "identifier")


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def expected_roles(raw: dict[str, Any]) -> list[RoleAssignment]:
    """PRODUCT.md: 1.2 roles primary first, then the rest in order; else 1.1 role + orgs."""

    def org(ref: object) -> str | None:
        return _text(ref.get("sourcedId")) if isinstance(ref, dict) else None

    roles = raw.get("roles")
    if isinstance(roles, list):
        usable = [
            (
                e.get("roleType") == "primary",
                RoleAssignment(_text(e.get("role")), org(e.get("org"))),
            )
            for e in roles
            if isinstance(e, dict) and _text(e.get("role")) and org(e.get("org"))
        ]
        return [r for primary, r in usable if primary] + [r for primary, r in usable if not primary]
    role, orgs = _text(raw.get("role")), raw.get("orgs")
    if role is None or not isinstance(orgs, list):
        return []
    return [RoleAssignment(role, o) for o in map(org, orgs) if o is not None]


def check_user(raw: object) -> None:
    try:
        user = parse_user(raw)
    except InvalidRecord as problem:
        assert problem.reason
        assert not isinstance(raw, dict) or _text(raw.get("sourcedId")) is None
        return
    assert isinstance(user, User)
    assert isinstance(raw, dict)
    assert user.sourced_id == raw["sourcedId"].strip() != ""
    for name in TEXT_FIELDS:
        value = getattr(user, name)
        assert value is None or (isinstance(value, str) and value == value.strip())
    assert user.given_name == (_text(raw.get("givenName")) or "")
    assert user.email == _text(raw.get("email"))
    assert list(user.roles) == expected_roles(raw)
    for role in user.roles:
        assert role.role == role.role.strip() != ""
        assert role.org_sourced_id == role.org_sourced_id.strip() != ""


@settings(max_examples=200, deadline=None)
@given(json_values)
@example(None)
@example([{"sourcedId": "x"}])
@example({"sourcedId": "\x00"})
@example({"sourcedId": "  "})
@example({"sourcedId": 7, "givenName": "=cmd|' /C calc'!A0"})
@example({"sourcedId": "a", "roles": "teacher", "role": ["x"], "orgs": {"sourcedId": "s"}})
def test_any_json_value_parses_to_a_user_or_an_invalid_record(raw: object) -> None:
    check_user(raw)


@settings(max_examples=200, deadline=None)
@given(raw_users())
def test_hostile_user_records_are_trimmed_with_primary_roles_first(raw: dict[str, Any]) -> None:
    check_user(raw)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"sourcedId": st.one_of(hostile_text, json_values)},
            optional={"name": st.one_of(hostile_text, json_values), "status": json_values},
        ),
    )
)
def test_any_json_value_parses_to_a_school_or_an_invalid_record(raw: object) -> None:
    try:
        school = parse_school(raw)
    except InvalidRecord as problem:
        assert problem.reason
        return
    assert isinstance(school, School)
    assert isinstance(raw, dict)
    assert school.sourced_id == raw["sourcedId"].strip() != ""
    assert school.name == raw["name"].strip() != ""


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(raw_users(), json_values), max_size=8))
def test_a_page_of_junk_is_split_into_records_and_invalid_ones(raw: list[Any]) -> None:
    # A page exactly as the client reads it: through JSON text, the way it comes off the wire.
    raw = json.loads(json.dumps({"users": raw}))["users"]
    for collection in (_USERS, _SCHOOLS):
        page = OneRosterClient._parse(collection, raw, offset=40, total=None)
        assert len(page.records) + len(page.invalid) == len(raw)
        assert page.offset == 40
        assert all(problem.reason for problem in page.invalid)


def _outcome(raw: object) -> User | tuple[str, str | None, str]:
    try:
        return parse_user(raw)
    except InvalidRecord as problem:
        return problem.reason, problem.sourced_id, problem.carries


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(raw_users(), raw_users(), json_values), max_size=6))
def test_a_users_page_decoded_straight_to_records_reads_as_plain_json_does(
    raw: list[Any],
) -> None:
    # The fast path (typed decoding) must say what the careful one (a dict per record) says.
    body = json.dumps({"users": raw, "extra": raw}).encode()
    fast = _decode_users(body)
    assert fast is not None
    careful = json.loads(body)["users"]
    assert [_outcome(r) for r in fast] == [_outcome(r) for r in careful]


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=3))
def test_lone_surrogates_from_json_escapes_are_read_as_text(surrogates: str) -> None:
    # "\ud800" is valid JSON; Python's decoder gives a str with a lone surrogate.
    escaped = "".join(f"\\u{ord(c):04x}" for c in surrogates)
    raw = json.loads(f'{{"sourcedId": "s{escaped}", "givenName": "{escaped}"}}')
    user = parse_user(raw)
    assert user.given_name == json.loads(f'"{escaped}"').strip()  # a pair decodes to one char
