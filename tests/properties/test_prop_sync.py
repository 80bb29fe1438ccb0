"""Sync rules over random districts of hostile records (classifier, staging, placement, write)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

from tests.properties.strategies import (
    MAPPING,
    SQL,
    hostile_text,
    json_values,
    raw_users,
    whole_text,
)
from tests.properties.syncing import REASONS, Synced, open_directory, run_sync, users_table

districts = st.lists(st.one_of(raw_users(), raw_users(), raw_users(), json_values), max_size=12)
fields = st.sampled_from(["email", "username", "identifier", "sourcedId"])
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def active_keys(table: list[tuple[Any, ...]]) -> Counter[str]:
    # columns: sourced_id, username, given_name, family_name, email, role, site_id, active, ...
    return Counter(row[1].casefold() for row in table if row[7])


def check_counted(result: Synced, deactivated_unseen: int = 0) -> None:
    counts = result.counts
    seen_deactivated = counts.deactivated - deactivated_unseen
    total = counts.added + counts.updated + seen_deactivated + counts.unchanged + counts.skipped
    assert total == result.sent, (counts, result.sent)
    assert set(result.reasons) <= REASONS, result.reasons
    assert sum(result.reasons.values()) == counts.skipped
    assert all(n > 0 for n in result.reasons.values())


def check_unique_usernames(table: list[tuple[Any, ...]], changed: set[str]) -> None:
    keys = active_keys(table)
    for row in table:
        if row[0] in changed:
            assert row[7], f"{row[0]} was added or updated but is inactive"
            assert keys[row[1].casefold()] == 1, f"{row[1]!r} is shared by active users"


@SETTINGS
@given(districts, fields)
@example([{"sourcedId": "u1"}, {"sourcedId": " u1 "}, "junk", {"sourcedId": None}], "email")
def test_a_hostile_district_syncs_counted_once_unique_and_idempotent(
    raw: list[Any], field: str
) -> None:
    with tempfile.TemporaryDirectory(prefix="props-") as folder:
        database = open_directory(Path(folder))
        try:
            first = run_sync(database, raw, MAPPING, field)
            check_counted(first)
            after_first = users_table(database)
            assert first.counts.deactivated == 0  # nothing was there before
            assert len(after_first) == first.counts.added
            check_unique_usernames(after_first, first.changed)
            assert len(active_keys(after_first)) == sum(1 for row in after_first if row[7])

            again = run_sync(database, raw, MAPPING, field)
            check_counted(again)
            assert (again.counts.added, again.counts.updated, again.counts.deactivated) == (0, 0, 0)
            assert again.counts.skipped == first.counts.skipped
            assert again.reasons == first.reasons
            assert users_table(database) == after_first
        finally:
            database.close()


def _student(sid: str, **fields: Any) -> dict[str, Any]:
    role = {"roleType": "primary", "role": "student", "org": {"sourcedId": "sch-a"}}
    return {"sourcedId": sid, "roles": [role], **fields}


def sync_twice(before: list[Any], after: list[Any], field: str) -> None:
    with tempfile.TemporaryDirectory(prefix="props-") as folder:
        database = open_directory(Path(folder))
        try:
            run_sync(database, before, MAPPING, field)
            table = users_table(database)
            second = run_sync(database, after, MAPPING, field)
            staged = _staged_ids(after)
            unseen_active = sum(1 for row in table if row[7] and row[0] not in staged)
            check_counted(second, deactivated_unseen=unseen_active)
            check_unique_usernames(users_table(database), second.changed)
        finally:
            database.close()


@SETTINGS
@given(districts, districts, fields)
# u1 loses its email (its record, username included, is kept); u2 arrives with that email.
@example(
    [_student("u1", email="ann@x.org")],
    [_student("u1"), _student("u2", email="ANN@x.org")],
    "email",
)
def test_a_changed_district_is_counted_once_and_no_username_goes_to_two_active_users(
    before: list[Any], after: list[Any], field: str
) -> None:
    sync_twice(before, after, field)


def _staged_ids(raw: list[Any]) -> set[str]:
    ids = set()
    for record in raw:
        if isinstance(record, dict) and isinstance(record.get("sourcedId"), str):
            sid = record["sourcedId"].strip()
            if sid:
                ids.add(sid)
    return ids


# --- hostile strings reaching the database ----------------------------------------------------

#: Hostile text, and text of any length in any script (combining marks, right-to-left, emoji
#: with joiners, zero-width characters).
stored_text = st.one_of(
    hostile_text, st.sampled_from(SQL), st.just("n\x00ul"), st.just("y" * 100_000), whole_text
)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(stored_text, stored_text, stored_text, stored_text), min_size=1, max_size=5)
)
def test_names_emails_and_ids_of_any_length_and_script_are_stored_exactly(
    names: list[tuple[str, str, str, str]],
) -> None:
    raw = [
        {
            "sourcedId": f"id-{n}-{sid}",
            "givenName": given,
            "familyName": family,
            "email": f"{n}.{email}",
            "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": "sch-a"}}],
        }
        for n, (given, family, sid, email) in enumerate(names)
    ]
    with tempfile.TemporaryDirectory(prefix="props-") as folder:
        database = open_directory(Path(folder))
        try:
            result = run_sync(database, raw, MAPPING)
            check_counted(result)
            assert {"users", "sites", "sync_runs"} <= set(
                inspect(database.engine).get_table_names()
            )
            # Everything is stored exactly, whatever its length.
            table = {row[0]: row for row in users_table(database)}
            assert len(table) == result.counts.added == len(raw)
            assert "invalid_record" not in result.reasons
            for record in raw:
                row = table[record["sourcedId"].strip()]
                assert row[2] == record["givenName"].strip()
                assert row[3] == record["familyName"].strip()
                assert row[1] == row[4] == record["email"].strip()
            assert run_sync(database, raw, MAPPING).counts.unchanged == len(raw)
        finally:
            database.close()


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["givenName", "familyName", "email", "sourcedId"]))
def test_a_lone_surrogate_is_stored_as_the_replacement_character(field: str) -> None:
    # A lone surrogate: valid JSON ("\ud800"), but no UTF-8 text can hold it.
    record = {
        "sourcedId": "u1",
        "givenName": "Ann",
        "email": "ann@x.org",
        "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": "sch-a"}}],
    }
    record[field] = "a\ud800"
    well_formed = {**record, "sourcedId": "u2", "email": "bob@x.org", "givenName": "Bob"}
    with tempfile.TemporaryDirectory(prefix="props-") as folder:
        database = open_directory(Path(folder))
        try:
            result = run_sync(database, [record, well_formed], MAPPING)
            check_counted(result)
            assert result.counts.added == 2
            stored = {row[0]: row for row in users_table(database)}
            kept = stored["a\ufffd" if field == "sourcedId" else "u1"]
            assert "a\ufffd" in kept
        finally:
            database.close()
