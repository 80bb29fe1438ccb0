"""Records passed over unparsed because their bytes are as last time (app.sync.fingerprints):
a sync that does so ends exactly as one that parses everyone, whatever changed meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.paths import Profile
from app.store.models import RecordFingerprint
from app.store.story import Stories
from app.sync import fingerprints
from app.sync.engine import SyncRequest, SyncResult
from app.sync.fingerprints import UnchangedRecords
from tests.conftest import Cli, connect_args


@pytest.fixture
def ctx(connected: DemoServer, isolated_profile: Profile) -> Iterator[AppContext]:
    context = AppContext(isolated_profile)
    context.settings.page_size = 50
    yield context
    context.close()


@pytest.fixture
def twin(
    connected: DemoServer,
    district: DemoDistrict,
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[AppContext]:
    """A second profile on the same server and mapping, which keeps no fingerprints."""
    home = tmp_path / "twin"
    monkeypatch.setenv("ROSTERSYNC_HOME", str(home))
    assert cli(*connect_args(connected), stdin=connected.client_secret + "\n").code == 0
    assert cli("sites", "add", *district.local_site_names).code == 0
    assert cli("map", "--suggest", "--apply").code == 0
    context = AppContext(Profile(home))
    context.settings.page_size = 50
    yield context
    context.close()


def kept(context: AppContext) -> int:
    with context.database.session() as session:
        return session.scalar(select(func.count()).select_from(RecordFingerprint)) or 0


def sync_parsing_everyone(context: AppContext, request: SyncRequest) -> SyncResult:
    with context.database.session() as session:
        session.execute(delete(RecordFingerprint))
    return context.engine().run(request)


def outcome(context: AppContext, result: SyncResult, district: DemoDistrict) -> object:
    """Everything a person can see of a sync: its counts, the directory, the run's skips and
    each person's story (without the moments, which differ between the profiles)."""
    assert result.succeeded, result.error
    assert result.run_id is not None
    stories = []
    for record in district.iter_users():
        story = Stories(context.database).find(record["sourcedId"])
        if story is not None:
            entries = story.to_json()["changes"]
            assert isinstance(entries, list)
            for entry in entries:
                entry.pop("started_at")
                entry.pop("since", None)
            stories.append((story.sourced_id, entries))
    return (
        result.to_json(),
        result.site_counts,
        [row.to_json() for row in context.directory.users(include_inactive=True)],
        # By id: someone seen unchanged and then weighed again is listed after their page.
        sorted(
            (skip.to_json() for skip in context.history.skips(result.run_id)),
            key=lambda skip: str(skip["sourcedId"]),
        ),
        stories,
    )


def both(ctx: AppContext, twin: AppContext, district: DemoDistrict, mode: str = "full") -> object:
    request = SyncRequest(mode=mode, allow_mass_deactivation=True)  # type: ignore[arg-type]
    ours = outcome(ctx, ctx.engine().run(request), district)
    theirs = outcome(twin, sync_parsing_everyone(twin, request), district)
    assert ours == theirs
    return ours


def test_an_unchanged_re_sync_is_counted_and_recorded_as_if_everyone_were_parsed(
    ctx: AppContext, twin: AppContext, district: DemoDistrict
) -> None:
    both(ctx, twin, district)
    assert kept(ctx) > 0
    counts, *_ = both(ctx, twin, district)  # type: ignore[misc]
    assert counts["added"] == counts["updated"] == counts["deactivated"] == 0
    assert counts["unchanged"] > 0


def test_changes_around_unchanged_records_end_as_a_sync_parsing_everyone(
    ctx: AppContext, twin: AppContext, district: DemoDistrict
) -> None:
    first, *_ = both(ctx, twin, district)  # type: ignore[misc]
    rows = list(ctx.directory.users())
    active = [row.sourced_id for row in rows]
    taker, _holder, leaver, disabled, gone = active[:5]
    holder_email = rows[1].email
    district.update_user(taker, email=holder_email)  # a changed user wants an unchanged one's
    district.update_user(leaver, status="tobedeleted")
    district.update_user(disabled, enabledUser=False)
    district.remove_user(gone)
    for sourced_id in active[5:10]:
        district.update_user(sourced_id, familyName="Changed")
    counts, *_ = both(ctx, twin, district)  # type: ignore[misc]
    duplicates = first["skipped_reasons"].get("duplicate_username", 0)
    assert counts["skipped_reasons"]["duplicate_username"] == duplicates + 2
    assert counts["deactivated"] == 3

    district.update_user(taker, email=f"{taker}@new.example.org")  # the holder is free again
    both(ctx, twin, district)
    both(ctx, twin, district)


def test_a_record_sent_as_it_was_before_a_change_is_weighed_again(
    ctx: AppContext, twin: AppContext, district: DemoDistrict
) -> None:
    both(ctx, twin, district)
    person = next(ctx.directory.users()).sourced_id
    as_first = {"givenName": "First", "dateLastModified": "2026-01-02T03:04:05.000Z"}
    district.update_user(person, **as_first)
    both(ctx, twin, district)
    both(ctx, twin, district)  # the person's record is known unchanged from here
    district.update_user(person, givenName="Renamed")
    both(ctx, twin, district)
    # The very bytes of the first syncs again: the directory holds the rename, so it is undone.
    district.update_user(person, **as_first)
    counts, *_ = both(ctx, twin, district)  # type: ignore[misc]
    assert counts["updated"] == 1


def test_a_new_mapping_or_username_field_parses_everyone_again(
    ctx: AppContext, twin: AppContext, district: DemoDistrict, cli: Cli
) -> None:
    both(ctx, twin, district)
    school = ctx.directory.schools()[0].sourced_id
    for home in (ctx.profile.root, twin.profile.root):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ROSTERSYNC_HOME", str(home))
            assert cli("map", school, "--unmap").code == 0
    counts, *_ = both(ctx, twin, district)  # type: ignore[misc]
    assert counts["deactivated"] > 0
    for context in (ctx, twin):
        context.settings.username_field = "sourcedId"
    counts, *_ = both(ctx, twin, district)  # type: ignore[misc]
    assert counts["updated"] > 0


def test_a_delta_after_unchanged_records_ends_as_a_sync_parsing_everyone(
    ctx: AppContext, twin: AppContext, district: DemoDistrict
) -> None:
    both(ctx, twin, district)
    both(ctx, twin, district)
    for row in list(ctx.directory.users())[:3]:
        district.update_user(row.sourced_id, familyName="Later")
    both(ctx, twin, district, mode="delta")
    both(ctx, twin, district)


def test_every_kept_fingerprint_is_known_when_read_a_chunk_at_a_time(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ctx.engine().run(SyncRequest()).succeeded
    monkeypatch.setattr(fingerprints, "_LOAD_CHUNK", 7)
    with ctx.database.engine.connect() as connection:
        stored = connection.execute(
            select(RecordFingerprint.fingerprint, RecordFingerprint.outcome)
        )
        kinds = {fingerprint: outcome for fingerprint, outcome in stored}
        known = UnchangedRecords.load(connection, ctx.directory.mapping(), "email")
    assert len(kinds) > 7 * 3
    skipped = set(fingerprints.KEPT_SKIPS)
    assert "skipped" in {known.kind(f) for f in kinds}
    for fingerprint, outcome in kinds.items():
        assert known.kind(fingerprint) == ("skipped" if outcome in skipped else "unchanged")


def test_a_person_parsed_again_keeps_only_their_new_fingerprint(
    ctx: AppContext, district: DemoDistrict, cli: Cli
) -> None:
    assert ctx.engine().run(SyncRequest()).succeeded
    school = ctx.directory.schools()[0].sourced_id
    assert cli("map", school, "--unmap").code == 0  # every record's fingerprint changes
    assert ctx.engine().run(SyncRequest(allow_mass_deactivation=True)).succeeded
    with ctx.database.session() as session:
        people = session.scalar(select(func.count(func.distinct(RecordFingerprint.sourced_id))))
    assert kept(ctx) == people
    assert people <= len(list(district.iter_users()))
