"""Each sync rule of PRODUCT.md: the record checks, then the placement over a real directory."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from app.oneroster.records import InvalidRecord, User, parse_user
from app.store.database import Database, sqlite_url
from app.store.directory import Directory
from app.store.models import DirectoryUser, utc_now
from app.sync.placement import Placement
from app.sync.plan import Classifier
from app.sync.stage import StagingTable, staged
from tests.support.oracle import SYNCED

MAPPING = {"sch-a": 1, "sch-b": 2}


def user(sid: str, role: str = "student", org: str = "sch-a", **fields: Any) -> User:
    raw: dict[str, Any] = {
        "sourcedId": sid,
        "status": "active",
        "enabledUser": "true",
        "givenName": "Ann",
        "familyName": sid.upper(),
        "email": f"{sid}@district.example",
        "username": sid,
        "roles": [{"roleType": "primary", "role": role, "org": {"sourcedId": org}}],
    }
    raw.update(fields)
    return parse_user(raw)


def local(
    sid: str,
    *,
    active: bool = True,
    site: int = 1,
    role: str = "student",
    email: str | None = None,
    username: str | None = None,
) -> dict[str, Any]:
    """A directory row, as an earlier sync left it."""
    now = utc_now()
    return {
        "sourced_id": sid,
        "username": username or f"{sid}@district.example",
        "given_name": "Ann",
        "family_name": sid.upper(),
        "email": email if email is not None else f"{sid}@district.example",
        "role": role,
        "site_id": site,
        "active": active,
        "created_at": now,
        "updated_at": now,
    }


@dataclass
class Planned:
    """What a sync decided, before writing: its rows by decision, and its counts."""

    inserts: list[Any] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    deactivations: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)


def plan(
    users: list[User],
    locals_: dict[str, dict[str, Any]] | None = None,
    *,
    full: bool = True,
    field: str = "email",
    invalid: list[InvalidRecord] | None = None,
    mapping: dict[str, int] | None = None,
) -> Planned:
    classifier = Classifier(MAPPING if mapping is None else mapping, field)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        database = Database(sqlite_url(Path(folder) / "directory.db"))
        try:
            Directory(database).add_sites(["Site A", "Site B"])  # ids 1 and 2
            with database.session() as session:
                if locals_:
                    session.execute(insert(DirectoryUser), list(locals_.values()))
                stage = StagingTable(session.connection())
                rows, unidentified = classifier.classify_page(users, invalid or [])
                stage.add(rows)
                placement = Placement(session.connection(), complete=full)
                decided = placement.decide(unstaged_skips=len(unidentified))

                def decided_as(decision: str) -> list[Any]:
                    chosen = select(staged).where(staged.c.decision == decision)
                    return list(session.execute(chosen.order_by(staged.c.seq)))

                planned = Planned(
                    inserts=decided_as("insert"),
                    updates=decided_as("update"),
                    deactivations=placement.deactivated_ids(),
                    unchanged=decided.counts.unchanged,
                    skipped=decided.counts.skipped,
                    skipped_reasons=decided.skipped_reasons,
                )
                session.rollback()
        finally:
            database.close()
    return planned


def counted(result: Planned) -> int:
    return (
        len(result.inserts)
        + len(result.updates)
        + len(result.deactivations)
        + result.unchanged
        + result.skipped
    )


def test_new_students_and_staff_are_added_with_their_site_and_role():
    result = plan([user("s1"), user("t1", role="teacher", org="sch-b")])
    assert [(u.sourced_id, u.site_id, u.role) for u in result.inserts] == [
        ("s1", 1, "student"),
        ("t1", 2, "teacher"),
    ]


def test_guardians_parents_and_relatives_are_never_synced():
    result = plan(
        [user("g1", role="guardian"), user("p1", role="parent"), user("r1", role="relative")]
    )
    assert result.inserts == []
    assert result.skipped_reasons == {"not_synced_role": 3}


def test_every_staff_role_is_synced():
    roles = sorted(SYNCED - {"student"})
    result = plan([user(f"x{i}", role=role) for i, role in enumerate(roles)])
    assert sorted(u.role for u in result.inserts) == sorted(roles)


def test_primary_role_places_the_user_even_when_listed_second():
    staff = user(
        "t1",
        roles=[
            {"roleType": "secondary", "role": "aide", "org": {"sourcedId": "sch-a"}},
            {"roleType": "primary", "role": "teacher", "org": {"sourcedId": "sch-b"}},
        ],
    )
    (added,) = plan([staff]).inserts
    assert (added.role, added.site_id) == ("teacher", 2)


def test_first_mapped_role_places_the_user_when_the_primary_school_is_unmapped():
    staff = user(
        "t1",
        roles=[
            {"roleType": "primary", "role": "teacher", "org": {"sourcedId": "sch-unmapped"}},
            {"roleType": "secondary", "role": "counselor", "org": {"sourcedId": "sch-b"}},
        ],
    )
    (added,) = plan([staff]).inserts
    assert (added.role, added.site_id) == ("counselor", 2)


def test_a_guardian_role_does_not_place_a_user_who_is_also_staff():
    person = user(
        "t1",
        roles=[
            {"roleType": "primary", "role": "guardian", "org": {"sourcedId": "sch-a"}},
            {"roleType": "secondary", "role": "teacher", "org": {"sourcedId": "sch-b"}},
        ],
    )
    (added,) = plan([person]).inserts
    assert (added.role, added.site_id) == ("teacher", 2)


def test_oneroster_1_1_users_are_placed_by_their_orgs_in_order():
    person = parse_user(
        {
            "sourcedId": "t1",
            "role": "teacher",
            "email": "t1@x.example",
            "orgs": [{"sourcedId": "sch-unmapped"}, {"sourcedId": "sch-b"}, {"sourcedId": "sch-a"}],
        }
    )
    (added,) = plan([person]).inserts
    assert (added.role, added.site_id) == ("teacher", 2)


def test_unmapped_school_is_skipped_or_deactivates_an_active_record():
    result = plan([user("s1", org="sch-x"), user("s2", org="sch-x")], {"s2": local("s2")})
    assert result.skipped_reasons == {"unmapped_school": 1}
    assert result.deactivations == ["s2"]


def test_every_org_unmapped_now_deactivates():
    result = plan([user("s1")], {"s1": local("s1")}, mapping={})
    assert result.deactivations == ["s1"]


def test_leaving_users_are_deactivated_and_new_leaving_users_not_added():
    result = plan(
        [
            user("s1", status="tobedeleted"),
            user("s2", enabledUser="false"),
            user("s3", status="tobedeleted"),
            user("s4", enabledUser="false"),
        ],
        {"s1": local("s1"), "s2": local("s2"), "s4": local("s4", active=False)},
    )
    assert sorted(result.deactivations) == ["s1", "s2"]
    assert result.inserts == []
    assert result.unchanged == 2  # s3 (new, already leaving) and s4 (already inactive)


def test_username_is_trimmed_and_email_case_kept():
    (added,) = plan([user("s1", email="  Ann.Lee@District.Example ")]).inserts
    assert added.username == "Ann.Lee@District.Example"
    assert added.email == "Ann.Lee@District.Example"


def test_empty_username_is_skipped_and_the_local_record_left_alone():
    result = plan([user("s1", email="   "), user("s2", email=None)], {"s2": local("s2")})
    assert result.skipped_reasons == {"no_username": 2}
    assert result.deactivations == [] and result.updates == []


def test_the_chosen_field_is_the_username():
    (added,) = plan([user("s1", identifier=" 12345 ")], field="identifier").inserts
    assert added.username == "12345"
    assert added.email == "s1@district.example"


def test_empty_email_is_stored_as_null_when_another_field_is_the_username():
    (added,) = plan([user("s1", email="  ")], field="username").inserts
    assert added.email is None


def test_duplicate_usernames_are_all_skipped_case_insensitively_and_left_alone():
    result = plan(
        [user("s1", email="J.Smith@x.example"), user("s2", email="j.smith@x.example "), user("s3")],
        {"s1": local("s1", username="old@x.example")},
    )
    assert result.skipped_reasons == {"duplicate_username": 2}
    assert [u.sourced_id for u in result.inserts] == ["s3"]
    assert result.updates == [] and result.deactivations == []


def test_leaving_and_unmapped_users_do_not_make_duplicates():
    result = plan(
        [
            user("s1", email="a@x.example"),
            user("s2", email="a@x.example", status="tobedeleted"),
            user("s3", email="a@x.example", org="sch-x"),
        ]
    )
    assert [u.sourced_id for u in result.inserts] == ["s1"]


def test_changed_fields_update_and_unchanged_records_stay():
    result = plan(
        [user("s1", givenName="Anna"), user("s2"), user("s3", org="sch-b")],
        {"s1": local("s1"), "s2": local("s2"), "s3": local("s3")},
    )
    assert sorted(u.sourced_id for u in result.updates) == ["s1", "s3"]
    assert result.unchanged == 1


def test_returning_user_is_reactivated_as_an_update():
    result = plan([user("s1")], {"s1": local("s1", active=False)})
    assert [u.sourced_id for u in result.updates] == ["s1"]


def test_full_sync_deactivates_active_users_it_no_longer_sees():
    result = plan(
        [user("s1")], {"s1": local("s1"), "gone": local("gone"), "old": local("old", active=False)}
    )
    assert result.deactivations == ["gone"]


def test_delta_sync_leaves_users_it_did_not_fetch():
    result = plan([user("s1")], {"s1": local("s1"), "other": local("other")}, full=False)
    assert result.deactivations == [] and result.unchanged == 1


def test_delta_sync_skips_a_user_taking_the_username_of_an_unfetched_user():
    result = plan(
        [user("s1", email="other@district.example")], {"other": local("other")}, full=False
    )
    assert result.skipped_reasons == {"duplicate_username": 1}


def test_delta_sync_compares_usernames_case_folded_in_every_alphabet():
    unfetched = local("other", username="STRASSE@district.example")
    result = plan([user("s1", email="straße@district.example")], {"other": unfetched}, full=False)
    assert result.skipped_reasons == {"duplicate_username": 1}


def test_delta_sync_skips_a_user_taking_the_username_kept_by_a_fetched_user_it_skips():
    kept = local("s2", username="s2@district.example")
    users = [user("s1", email="s2@district.example"), user("s2", role="guardian")]
    result = plan(users, {"s2": kept}, full=False)
    assert result.skipped_reasons == {"duplicate_username": 1, "not_synced_role": 1}


def test_every_provider_user_is_counted_once_plus_unseen_deactivations():
    users = [
        user("s1"),
        user("g1", role="guardian"),
        user("s2", org="sch-x"),
        user("s3", status="tobedeleted"),
        user("s4", email=""),
        user("s5", email="d@x.example"),
        user("s6", email="D@x.example"),
        user("s7"),
    ]
    locals_ = {"s7": local("s7"), "s3": local("s3"), "gone": local("gone")}
    result = plan(users, locals_, invalid=[InvalidRecord("no sourcedId")])
    assert counted(result) == len(users) + 1 + 1  # + the invalid record + "gone"
    assert result.skipped_reasons == {
        "not_synced_role": 1,
        "unmapped_school": 1,
        "no_username": 1,
        "duplicate_username": 2,
        "invalid_record": 1,
    }


def test_a_user_with_no_usable_role_is_a_not_synced_role_skip_and_kept():
    no_roles = user("s1", roles=[])
    result = plan([no_roles], {"s1": local("s1")})
    assert result.skipped_reasons == {"not_synced_role": 1}
    assert result.deactivations == []


def test_a_malformed_record_is_counted_once_and_its_user_not_deactivated():
    result = plan([], {"s1": local("s1")}, invalid=[InvalidRecord("bad field", "s1")])
    assert counted(result) == 1
    assert result.deactivations == []


def test_a_username_kept_by_a_user_skipped_as_a_duplicate_is_not_given_away():
    # b moves to a username d also wants: both skipped, so b keeps its old one, which a wants.
    result = plan(
        [
            user("a", email="B@district.example"),
            user("b", email="z@x.example"),
            user("d", email="z@x.example"),
        ],
        {"b": local("b")},
    )
    assert result.inserts == [] and result.updates == []
    assert result.skipped_reasons == {"duplicate_username": 3}


def test_text_of_any_length_is_kept_whole():
    long_id, family = "s" * 1000, "Ó" * 300
    result = plan([user(long_id, givenName="A" * 300, familyName=family), user("s2")])
    assert sorted(u.sourced_id for u in result.inserts) == sorted([long_id, "s2"])
    assert {u.family_name for u in result.inserts} >= {family}
    assert result.skipped_reasons == {}


def test_a_user_sent_more_than_once_counts_once_as_the_last_readable_copy_says():
    # The provider's list changed while it was read: some records came again.
    users = [user("s1", familyName="First"), user("s2"), user("s1", familyName="Last")]
    invalid = [InvalidRecord("bad", "s1"), InvalidRecord("bad", "s9"), InvalidRecord("bad", "s9")]
    result = plan(users, invalid=invalid)
    # In the place of the first copy, with the fields of the last readable one.
    assert [(u.sourced_id, u.family_name) for u in result.inserts] == [("s1", "Last"), ("s2", "S2")]
    assert result.skipped_reasons == {"invalid_record": 1}  # s9, once
    assert counted(result) == 3
