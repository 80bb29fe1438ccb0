"""Hostile districts end to end: the real demo server, the sync engine, the command line."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app.demo.district
from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.oneroster.client import RetryPolicy
from app.oneroster.records import School
from app.paths import Profile
from app.sync.engine import SyncRequest
from tests.conftest import Cli
from tests.properties.strategies import FORMULAS, raw_users
from tests.properties.syncing import REASONS


@pytest.fixture
def district() -> DemoDistrict:
    return DemoDistrict(users=0, seed=7)


def context_for(server: DemoServer, folder: Path) -> AppContext:
    ctx = AppContext(Profile(folder), retry=RetryPolicy(backoff_base=0.001, backoff_max=0.01))
    connection = ctx.settings.connection
    connection.enabled, connection.base_url = True, server.base_url
    connection.token_url, connection.client_id = server.token_url, server.client_id
    ctx.session_secret = server.client_secret
    ctx.settings.page_size = 7
    ctx.directory.add_sites(["Site A", "Site B"])
    ctx.directory.save_schools([School("sch-a", "A"), School("sch-b", "B"), School("sch-x", "X")])
    ctx.directory.map_school("sch-a", "Site A")
    ctx.directory.map_school("sch-b", "Site B")
    return ctx


def table(ctx: AppContext) -> list[object]:
    return [row.to_json() for row in ctx.directory.users(include_inactive=True)]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(raw_users(unique_ids=True), max_size=15, unique_by=lambda r: r["sourcedId"]))
def test_a_hostile_district_served_over_http_syncs_and_resyncs_unchanged(
    records: list[dict[str, Any]],
) -> None:
    district = DemoDistrict(users=0, seed=7)
    for record in records:
        district.add_user(record)
    with (
        DemoServer(district, port=0) as server,
        tempfile.TemporaryDirectory(prefix="props-demo-") as folder,
    ):
        ctx = context_for(server, Path(folder))
        try:
            first = ctx.engine().run(SyncRequest())
            assert first.succeeded, first.error
            c = first.counts
            assert c.added + c.updated + c.deactivated + c.unchanged + c.skipped == len(records)
            assert set(first.skipped_reasons) <= REASONS
            rows = table(ctx)
            assert len(rows) == c.added
            active = [r["username"].casefold() for r in rows if r["active"]]  # type: ignore[index]
            assert len(active) == len(set(active))

            again = ctx.engine().run(SyncRequest())
            assert again.succeeded, again.error
            assert (again.counts.added, again.counts.updated, again.counts.deactivated) == (0, 0, 0)
            assert again.counts.skipped == c.skipped
            assert table(ctx) == rows
        finally:
            ctx.close()


def _org(sid: str, parent: str) -> dict[str, Any]:
    ref = {"href": f"https://x.example/orgs/{parent}", "sourcedId": parent, "type": "org"}
    return {"sourcedId": sid, "status": "active", "name": f"School {sid}", "type": "school",
            "parent": ref, "children": [ref]}  # fmt: skip


@pytest.mark.parametrize(
    "cycle",
    [["loop-a"], ["loop-a", "loop-b"], ["loop-a", "loop-b", "loop-c", "loop-d"]],
    ids=["self", "two", "four"],
)
def test_org_parent_cycles_do_not_hang_the_schools_listing_or_the_sync(
    connected: DemoServer, district: DemoDistrict, cli: Cli, cycle: list[str]
) -> None:
    for n, sid in enumerate(cycle):
        district.schools.append(_org(sid, cycle[(n + 1) % len(cycle)]))
    district.add_user(
        {
            "sourcedId": "cyc-1",
            "givenName": "Ann",
            "email": "ann@x.org",
            "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": cycle[0]}}],
        }
    )
    listed = cli("schools", "--json")
    assert listed.code == 0, listed.err
    assert set(cycle) <= {s["sourcedId"] for s in listed.json()}  # type: ignore[union-attr]
    assert cli("sites", "add", "Loop Site").code == 0
    if len(cycle) > 1:  # the user's school's parent is mapped, the school is not
        assert cli("map", cycle[-1], "Loop Site").code == 0
        synced = cli("sync", "--json")
        assert synced.code == 0, synced.err
        assert synced.json()["skipped_reasons"] == {"unmapped_school": 1}  # type: ignore[index]
    assert cli("map", cycle[0], "Loop Site").code == 0
    synced = cli("sync", "--json")
    assert synced.code == 0, synced.err
    assert synced.json()["added"] == 1  # type: ignore[index]


def test_formula_names_synced_from_the_provider_export_neutralised(
    connected: DemoServer, district: DemoDistrict, cli: Cli, tmp_path: Path
) -> None:
    school = district.schools[0]["sourcedId"]
    for n, name in enumerate(FORMULAS):
        district.add_user(
            {
                "sourcedId": f"=f{n}",
                "givenName": name,
                "familyName": f"-{n}",
                "email": f"@f{n}@x.org",
                "roles": [{"roleType": "primary", "role": "teacher", "org": {"sourcedId": school}}],
            }
        )
    assert cli("sync").code == 0
    path = tmp_path / "users.csv"
    exported = cli("users", "--csv", str(path))
    assert exported.code == 0, exported.err
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == len(FORMULAS) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    given_names = {row[2] for row in rows[1:]}
    assert given_names == {"'" + name.strip() if name.strip()[0] in "=+-@" else name.strip()
                           for name in FORMULAS}  # fmt: skip


def test_a_lone_surrogate_from_the_provider_does_not_fail_the_whole_sync(
    connected: DemoServer, district: DemoDistrict, isolated_profile: Profile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # A provider may send the JSON escape "\ud800"; the demo server sends it when it escapes.
    monkeypatch.setattr(app.demo.district, "_dumps", json.dumps)
    school = district.schools[0]["sourcedId"]
    role = [{"roleType": "primary", "role": "student", "org": {"sourcedId": school}}]
    district.add_user({"sourcedId": "s1", "givenName": "a\ud800", "email": "a@x", "roles": role})
    district.add_user({"sourcedId": "s2", "givenName": "Bob", "email": "b@x", "roles": role})
    ctx = AppContext(isolated_profile)
    try:
        result = ctx.engine().run(SyncRequest())
        assert result.succeeded, result.error
        assert result.counts.added + result.counts.skipped == 2
    finally:
        ctx.close()
