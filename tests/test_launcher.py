"""``rostersync`` (ui/launcher.py): a command runs headless; no command, or ``--sync-now`` on a
profile not set up yet, opens the app; ``python -m app`` runs commands only."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.demo.server import DemoServer
from tests.conftest import Cli, connect_args


@pytest.fixture
def windows_opened(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Stands in for the window (``ui.app.run_gui``): records each opening's ``demo``."""
    opened: list[bool] = []

    def run_gui(demo: bool = False) -> int:
        opened.append(demo)
        return 0

    monkeypatch.setattr("ui.app.run_gui", run_gui)
    return opened


def test_no_command_opens_the_app_and_demo_opens_it_on_the_demo(
    cli: Cli, windows_opened: list[bool]
):
    assert cli().code == 0
    assert cli("--demo").code == 0
    assert windows_opened == [False, True]


def test_a_command_never_opens_the_app(cli: Cli, windows_opened: list[bool]):
    assert cli("sites", "list").code == 0
    assert windows_opened == []


def test_sync_now_before_setup_opens_the_wizard_instead_of_syncing(
    cli: Cli, demo_server: DemoServer, windows_opened: list[bool]
):
    assert cli(*connect_args(demo_server), stdin=demo_server.client_secret).code == 0
    assert cli("--sync-now").code == 0  # connected, but no school mapped
    assert windows_opened == [False]
    assert cli("history", "--json").json() == []


def test_python_m_app_runs_commands_and_names_the_missing_one(tmp_path):
    environment = {**os.environ, "ROSTERSYNC_HOME": str(tmp_path / "profile")}
    run = [sys.executable, "-m", "app"]
    subprocess.run([*run, "sites", "list"], env=environment, capture_output=True, check=True)
    bare = subprocess.run(run, env=environment, capture_output=True, text=True, check=False)
    assert bare.returncode == 2
    assert "name a command" in bare.stderr and "Traceback" not in bare.stderr
