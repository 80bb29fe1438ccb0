"""``rostersync sync --concurrency N`` and the page_concurrency setting reach the downloads."""

from __future__ import annotations

import pytest

from app.demo.server import DemoServer
from app.paths import Profile
from app.settings import SettingsFile
from tests.conftest import Cli
from tests.oneroster.in_flight import InFlight


def use_settings(profile: Profile, *, page_concurrency: int) -> None:
    store = SettingsFile(profile)
    settings = store.load()
    settings.page_size = 20  # twelve pages of the 230 demo users
    settings.page_concurrency = page_concurrency
    store.save(settings)


@pytest.mark.parametrize(
    ("saved", "option", "expected"),
    [(1, [], 1), (3, [], 3), (1, ["--concurrency", "4"], 4), (5, ["--concurrency", "1"], 1)],
)
def test_sync_uses_the_setting_or_the_option(
    cli: Cli,
    connected: DemoServer,
    isolated_profile: Profile,
    in_flight: InFlight,
    saved: int,
    option: list[str],
    expected: int,
) -> None:
    use_settings(isolated_profile, page_concurrency=saved)
    connected.faults.latency = 0.1  # long enough for every request in flight to meet the others
    in_flight.reset()
    result = cli("sync", "--json", *option)
    assert result.code == 0, result.err
    summary = result.json()
    assert isinstance(summary, dict)
    assert sum(summary[k] for k in ("added", "updated", "unchanged", "skipped")) == 230
    assert in_flight.peak == expected
    assert SettingsFile(isolated_profile).load().page_concurrency == saved  # for this run only
