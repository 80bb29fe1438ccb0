"""8. Syncs started at once from the window, the tray, the schedule and the command line.

The provider is held on a gate (every API request waits until the test opens it), so the first
sync is certainly still running while the others start: no timing is guessed.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from app.context import AppContext
from app.demo.district import DemoDistrict
from app.demo.server import DemoServer, Faults
from app.paths import Profile
from app.sync.engine import SyncRequest, SyncResult
from app.sync.lock import BUSY_MESSAGE
from tests.faults.conftest import expected_clean_first_sync, subprocess_env, users_of
from ui.main_window import MainWindow
from ui.sync_progress import Tone
from ui.tasks import TaskRunner

WAIT_MS = 20_000
GATE_LIMIT_S = 30.0  # a safety net only: the test opens the gate long before


class GatedFaults(Faults):
    """A provider that holds every API request until ``gate`` is opened."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()  # set once a request is being held

    def fault_for(self, number: int) -> str | None:
        self.waiting.set()
        self.gate.wait(GATE_LIMIT_S)
        return super().fault_for(number)


@pytest.fixture
def gated(connected: DemoServer) -> Iterator[GatedFaults]:
    faults = GatedFaults()
    connected.faults = faults
    yield faults
    faults.gate.set()


@pytest.fixture
def window(qtbot, ctx: AppContext) -> Iterator[MainWindow]:
    tasks = TaskRunner()
    main = MainWindow(ctx, tasks)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitUntil(lambda: main.snapshot is not None, timeout=WAIT_MS)
    yield main
    assert tasks.shutdown(10_000), "a background task did not stop"


def history(profile: Profile) -> list[tuple[str, str]]:
    """(trigger, status) of every run, oldest first, read through a connection of its own."""
    reader = AppContext(profile)
    try:
        return [(run.trigger, run.status) for run in reversed(reader.history.runs())]
    finally:
        reader.close()


def cli_sync(profile: Profile, server: DemoServer, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "sync", *extra],
        env=subprocess_env(profile, server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_while_the_window_syncs_the_tray_schedule_and_command_line_are_refused(
    qtbot,
    window: MainWindow,
    ctx: AppContext,
    connected: DemoServer,
    district: DemoDistrict,
    gated: GatedFaults,
    isolated_profile: Profile,
):
    expected = expected_clean_first_sync(district, ctx)
    started: list[str] = []
    window.sync_started.connect(started.append)

    window.start_sync(trigger="manual")
    assert gated.waiting.wait(GATE_LIMIT_S), "the window's sync never reached the provider"
    assert history(isolated_profile) == [("manual", "running")]

    # The tray's and the schedule's sync go through the same window: ignored while one runs.
    window.start_sync(trigger="tray")
    window.start_sync(trigger="schedule")
    assert started == ["manual"] and window.syncing
    assert not window.sync_button.isEnabled() and not window.sync_action.isEnabled()

    # Another engine in this process (a second window, a scheduler thread): refused at once.
    other = AppContext(isolated_profile)
    try:
        refused = other.engine().run(SyncRequest(trigger="schedule"))
    finally:
        other.close()
    assert (refused.status, refused.error, refused.error_kind) == ("failed", BUSY_MESSAGE, "busy")

    # The command line, in another process: refused with the sentence, exit code 1.
    child = cli_sync(isolated_profile, connected)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 1, err
    assert err == f"rostersync: Sync failed: {BUSY_MESSAGE}\n"
    assert out == ""
    assert "already running" in BUSY_MESSAGE

    with qtbot.waitSignal(window.sync_ended, timeout=WAIT_MS) as ended:
        gated.gate.set()
    result: SyncResult = ended.args[0]
    assert result.succeeded, result.error
    assert window.outcome.tone is Tone.SUCCESS, window.outcome.message
    assert history(isolated_profile) == [("manual", "succeeded")]  # the refused left no run
    assert users_of(ctx) == expected


@pytest.mark.slow
def test_while_the_command_line_syncs_the_window_tray_and_schedule_are_refused(
    qtbot,
    window: MainWindow,
    ctx: AppContext,
    connected: DemoServer,
    district: DemoDistrict,
    gated: GatedFaults,
    isolated_profile: Profile,
):
    expected = expected_clean_first_sync(district, ctx)
    child = cli_sync(isolated_profile, connected, "--progress")
    try:
        assert child.stderr is not None
        assert child.stderr.readline() == "connecting 0\n"  # it holds the lock by now
        assert gated.waiting.wait(GATE_LIMIT_S)

        for trigger in ("manual", "tray", "schedule"):
            with qtbot.waitSignal(window.sync_ended, timeout=WAIT_MS) as ended:
                window.start_sync(trigger=trigger)
            result: SyncResult = ended.args[0]
            assert (result.status, result.error, result.trigger) == (
                "failed",
                BUSY_MESSAGE,
                trigger,
            )
            assert window.outcome.tone is Tone.PROBLEM
            assert "already running" in window.outcome.message, window.outcome.message
            assert "Traceback" not in window.outcome.message
            assert not window.syncing and window.sync_button.isEnabled()
        assert history(isolated_profile) == [("cli", "running")]
    finally:
        gated.gate.set()
        out, err = child.communicate(timeout=60)

    assert child.returncode == 0, err
    assert out.startswith("Sync succeeded: ")
    assert history(isolated_profile) == [("cli", "succeeded")]  # the refused left no run
    assert users_of(ctx) == expected
