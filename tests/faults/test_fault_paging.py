"""3. Offset paging while the provider's data changes under it: a page repeated, a page skipped.

Every user must be counted once, and a full sync must never deactivate someone who is still in
the district merely because a removal earlier in the list shifted them past the offset.
The changes happen inside the server, right before it computes a given page, so the shift is
deterministic (not a race with the pages fetched ahead).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.people import index_of
from app.demo.server import DemoServer
from app.sync.engine import SyncRequest
from tests.faults.conftest import (
    PAGE_SIZE,
    clean_sync,
    expected_clean_first_sync,
    open_context,
    users_of,
)


class FrontInsertDistrict(DemoDistrict):
    """Lists added users FIRST (a provider sorting newest first): an add shifts every page."""

    def users_page_json(
        self, offset: int, limit: int, modified_since: str | None = None, *, strict: bool = False
    ) -> tuple[str, int]:
        if modified_since:
            return super().users_page_json(offset, limit, modified_since, strict=strict)
        with self._lock:
            front = [json.dumps(r, ensure_ascii=False) for r in self._added.values()]
            base_count = self.user_count() - len(front)
            items = front[offset : offset + limit]
            start = max(0, offset - len(front))
            wanted = min(limit - len(items), base_count - start)
            if wanted > 0:
                text, _ = super().users_page_json(start, wanted)
                items += [json.dumps(r, ensure_ascii=False) for r in json.loads(text)]
            return f"[{','.join(items)}]", base_count + len(front)


@pytest.fixture
def district() -> DemoDistrict:
    return FrontInsertDistrict(users=400, seed=31)


def before_page(
    district: DemoDistrict,
    monkeypatch: pytest.MonkeyPatch,
    at_offset: int,
    change: Callable[[], Any],
) -> list[int]:
    """Run ``change`` in the server just before it computes the first page at ``at_offset``."""
    original = district.users_page_json
    served: list[int] = []

    def hooked(offset: int, limit: int, *args: Any, **kwargs: Any) -> tuple[str, int]:
        if offset == at_offset and not served:
            served.append(offset)
            change()
        return original(offset, limit, *args, **kwargs)

    monkeypatch.setattr(district, "users_page_json", hooked)
    return served


def sorted_by_index(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda sid: index_of(sid) or 0)


def new_user_like(district: DemoDistrict, template_id: str, new_id: str) -> dict[str, Any]:
    record = district.user(template_id)
    assert record is not None
    record.update(sourcedId=new_id, email=f"{new_id}@example.org", username=new_id)
    record.pop("dateLastModified", None)
    return record


def test_a_removal_mid_full_sync_deactivates_nobody_who_is_still_there(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, monkeypatch: pytest.MonkeyPatch
):
    before = clean_sync(ctx)
    active = sorted_by_index([sid for sid, user in before.items() if user["active"]])
    gone = active[2]  # near the top of the list: every later page shifts by one
    served = before_page(district, monkeypatch, 3 * PAGE_SIZE, lambda: district.remove_user(gone))

    result = ctx.engine().run(SyncRequest())

    assert served, "the removal never happened"
    assert result.succeeded, result.error
    after = users_of(ctx)
    still_there = [sid for sid in active if sid != gone and district.user(sid) is not None]
    wrongly_deactivated = [sid for sid in still_there if not after[sid]["active"]]
    assert wrongly_deactivated == []
    assert result.counts.deactivated <= 1  # at most the one really gone


def test_a_removal_mid_full_sync_is_set_right_by_the_next_clean_sync(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, monkeypatch: pytest.MonkeyPatch
):
    """Whatever the shifted sync did, the next one leaves exactly the district's people active."""
    before = clean_sync(ctx)
    active = sorted_by_index([sid for sid, user in before.items() if user["active"]])
    gone = active[2]
    before_page(district, monkeypatch, 3 * PAGE_SIZE, lambda: district.remove_user(gone))
    assert ctx.engine().run(SyncRequest()).succeeded

    assert ctx.engine().run(SyncRequest()).succeeded
    after = users_of(ctx)
    expected = expected_clean_first_sync(district, ctx)
    assert {sid for sid, user in after.items() if user["active"]} == set(expected)
    assert after[gone]["active"] is False


def test_an_add_mid_full_sync_that_repeats_a_record_counts_everyone_once(
    ctx: AppContext, twin: AppContext, connected: DemoServer, district: DemoDistrict, monkeypatch
):
    """A user added at the top mid-sync pushes the last record of a page onto the next page."""
    before = clean_sync(ctx)
    active = sorted_by_index([sid for sid, user in before.items() if user["active"]])
    newcomer = new_user_like(district, active[0], "newcomer-1")
    served = before_page(district, monkeypatch, 4 * PAGE_SIZE, lambda: district.add_user(newcomer))

    result = ctx.engine().run(SyncRequest())

    assert served and result.succeeded, result.error
    assert (result.counts.added, result.counts.updated, result.counts.deactivated) == (0, 0, 0)
    staged = result.counts.unchanged + result.counts.skipped
    assert staged == 400, "the repeated record must be counted once, and nobody missed"
    assert users_of(ctx) == before  # the newcomer arrives next time; nobody deactivated
    again = ctx.engine().run(SyncRequest())
    assert again.succeeded and again.counts.added == 1
    assert users_of(ctx)["newcomer-1"]["active"] is True


def test_a_change_mid_delta_sync_that_repeats_a_record_counts_it_once(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, monkeypatch
):
    before = clean_sync(ctx)
    active = sorted_by_index([sid for sid, user in before.items() if user["active"]])
    renamed = active[-100:]
    for sid in renamed:
        district.update_user(sid, familyName="Renamed")
    early = active[0]  # sorts before every renamed user in the delta listing
    served = before_page(
        district, monkeypatch, PAGE_SIZE, lambda: district.update_user(early, familyName="Late")
    )

    result = ctx.engine().run(SyncRequest(mode="delta"))

    assert served and result.succeeded, result.error
    assert result.mode == "delta"
    assert result.counts.updated == 100  # the record sent twice is counted once
    assert result.counts.deactivated == 0
    after = users_of(ctx)
    assert all(after[sid]["familyName"] == "Renamed" for sid in renamed)
    assert all(user["active"] for user in after.values())
    # The change it could not see (made before the offset) comes with the next delta.
    assert after[early]["familyName"] != "Late"
    following = ctx.engine().run(SyncRequest(mode="delta"))
    assert following.succeeded and following.counts.updated == 1
    assert users_of(ctx)[early]["familyName"] == "Late"


def test_a_user_added_at_the_end_mid_full_sync_is_fetched_once(
    ctx: AppContext, connected: DemoServer, district: DemoDistrict, monkeypatch
):
    """The demo's usual order (new users last): an add mid-sync shifts nothing."""
    before = clean_sync(ctx)
    active = sorted_by_index([sid for sid, user in before.items() if user["active"]])
    district.users_page_json = super(FrontInsertDistrict, district).users_page_json  # type: ignore[method-assign]
    newcomer = new_user_like(district, active[0], "newcomer-2")
    served = before_page(district, monkeypatch, 2 * PAGE_SIZE, lambda: district.add_user(newcomer))

    result = ctx.engine().run(SyncRequest())

    assert served and result.succeeded, result.error
    assert (result.counts.added, result.counts.deactivated) == (1, 0)
    assert result.counts.added + result.counts.unchanged + result.counts.skipped == 401
    after = users_of(ctx)
    assert after["newcomer-2"]["active"] is True
    assert all(after[sid]["active"] for sid in active)


@pytest.fixture(params=["sqlite", "postgresql"])
def ctx_on_each_database(request: pytest.FixtureRequest) -> Iterator[AppContext]:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_profile")  # before the profile is connected
    request.getfixturevalue("connected")
    context = open_context(request.getfixturevalue("isolated_profile"))
    yield context
    context.close()


def test_records_shifted_into_the_next_page_of_a_re_sync_are_counted_once_on_each_database(
    ctx_on_each_database: AppContext, district: DemoDistrict, monkeypatch
):
    """Two users added at the top mid re-sync repeat a page's last two records on the next
    page: one changed, one known unchanged and skipped (a guardian), so both kinds of row come
    twice, at places next to each other."""
    ctx = ctx_on_each_database
    clean_sync(ctx)
    listing = json.loads(district.users_page_json(0, 400)[0])
    family = {"guardian", "parent", "relative"}
    boundary = next(
        end
        for end in range(2 * PAGE_SIZE, 9 * PAGE_SIZE, PAGE_SIZE)
        if {role["role"] for role in listing[end - 1]["roles"]} <= family
        and {role["role"] for role in listing[end - 2]["roles"]}.isdisjoint(family)
    )
    changed = listing[boundary - 2]["sourcedId"]
    district.update_user(changed, familyName="Changed")

    def two_at_the_top() -> None:
        for new_id in ("newcomer-a", "newcomer-b"):
            district.add_user(new_user_like(district, changed, new_id))

    served = before_page(district, monkeypatch, boundary, two_at_the_top)
    result = ctx.engine().run(SyncRequest())

    assert served and result.succeeded, result.error
    counts = result.counts
    assert (counts.added, counts.updated, counts.deactivated) == (0, 1, 0)
    assert counts.unchanged + counts.updated + counts.skipped == 400
    assert users_of(ctx)[changed]["familyName"] == "Changed"
