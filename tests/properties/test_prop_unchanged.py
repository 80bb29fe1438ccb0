"""Records the caller knows unchanged are passed over by fingerprint, the rest parsed as ever."""

from __future__ import annotations

import json
from array import array
from dataclasses import replace
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from app.oneroster.client import _USERS, OneRosterClient, _decode_users
from app.oneroster.records import InvalidRecord, parse_user
from app.sync.fingerprints import UnchangedRecords, context_key
from tests.properties.strategies import json_values, raw_users


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(raw_users(), json_values), max_size=8), st.data())
def test_a_page_with_known_records_passes_exactly_those_over(
    raw: list[Any], data: st.DataObject
) -> None:
    records = _decode_users(json.dumps({"users": raw}).encode())
    assert records is not None
    key = context_key({"school": 1}, "email")
    hashing = UnchangedRecords(key, array("q"))
    # A page msgspec cannot read (NaN, say) comes as plain JSON: nothing in it is fingerprinted.
    prints = [
        hashing.fingerprint(record) if isinstance(record, msgspec.Raw) else None
        for record in records
    ]
    hashed = [p for p in prints if p is not None]
    chosen = data.draw(st.sets(st.sampled_from(hashed)) if hashed else st.just(set()))
    skipped = data.draw(st.sets(st.sampled_from(sorted(chosen))) if chosen else st.just(set()))
    unchanged = chosen - skipped
    known = UnchangedRecords(key, array("q", sorted(unchanged)), array("q", sorted(skipped)))

    page = OneRosterClient._parse(_USERS, records, 0, None, known)

    assert page.known == [p for p in prints if p in unchanged]
    assert page.known_skipped == [p for p in prints if p in skipped]
    expected, refused = [], 0
    for record, fingerprint in zip(records, prints, strict=True):
        if fingerprint in chosen:
            continue
        try:
            expected.append(replace(parse_user(record), fingerprint=fingerprint))
        except InvalidRecord:
            refused += 1
    assert page.records == expected
    assert len(page.invalid) == refused


def test_the_same_bytes_under_another_mapping_or_username_field_are_not_known() -> None:
    record = b'{"sourcedId": "u-1", "givenName": "Ana"}'
    first = UnchangedRecords(context_key({"school": 1}, "email"), array("q"))
    for other in (context_key({"school": 2}, "email"), context_key({"school": 1}, "username")):
        assert UnchangedRecords(other, array("q")).fingerprint(record) != first.fingerprint(record)
    assert first.fingerprint(record) == first.fingerprint(bytes(record))
