"""At 200% on a 1366x768 screen (683x384 logical pixels) every window of the app fits the screen
or scrolls, and no text is cut off, in the light and dark themes; a long school name and texts
translated 40% longer do not push a window past the screen.

Each state is opened by ``scripts/check_fit.py`` in a process of its own (QT_SCALE_FACTOR must be
set before the QApplication exists), on Qt's offscreen platform given a 1366x768 screen: it waits
until the state is on screen and settled, and reports what does not fit. Every state is checked
in the light theme and a representative set in the dark one (the dark palette changes colours,
not sizes; all of them, twice, would take over five minutes). The checks run two at a time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from scripts import check_fit

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STATES = check_fit.all_states()
#: One of each kind of window: the wizard's pages with the most on them, a wizard dialog, the
#: main window, a dialog over it and a person's story.
DARK_STATES = ("welcome", "connection", "sites", "review", "left-out", "main", "settings", "person")
#: Where longer translations would hurt most: long sentences, forms, tables and button rows.
TRANSLATED_STATES = ("welcome", "connection", "sites", "review", "main", "settings")
LONG_SCHOOL_NAME = (
    "Thurgood Marshall Academy for Science, Technology, Engineering and Mathematics at the "
    "Riverside Community Campus (North)"
)
#: Seconds one check may take, the app's start and its demo syncs included, on a busy machine.
CHECK_TIMEOUT = 240
WORKERS = 2


class Checks:
    """``scripts/check_fit.py`` runs, two at a time; each started once, however often asked."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._pool = ThreadPoolExecutor(max_workers=WORKERS)
        self._runs: dict[tuple[str, ...], Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def start(self, theme: str, *args: str) -> Future[dict[str, Any]]:
        key = (theme, *args)
        with self._lock:
            if key not in self._runs:
                self._runs[key] = self._pool.submit(self._run, theme, args)
            return self._runs[key]

    def result(self, theme: str, *args: str) -> dict[str, Any]:
        return self.start(theme, *args).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, theme: str, args: tuple[str, ...]) -> dict[str, Any]:
        env = {
            **os.environ,
            "ROSTERSYNC_THEME": theme,
            "ROSTERSYNC_HOME": tempfile.mkdtemp(dir=self._home),
            "PYTHONPATH": str(ROOT),
        }
        command = [sys.executable, str(ROOT / "scripts" / "check_fit.py"), *args]
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT,
            check=False,
        )
        try:
            outcome: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            outcome = {"ready": False, "problems": ["check_fit.py printed no report"]}
        outcome["stderr"] = done.stderr[-3000:]
        outcome["returncode"] = done.returncode
        return outcome


def long_name_run(state: str) -> tuple[str, ...]:
    """On the Sites page, ready only once the long name shows in the schools table."""
    ready = ["--ready", f"^{re.escape(LONG_SCHOOL_NAME)}$"] if state == "sites" else []
    return ("light", state, "--school-name", LONG_SCHOOL_NAME, *ready)


#: Each test's check, as (theme, check_fit.py arguments...).
STATE_RUNS = [pytest.param(("light", state), id=f"{state}-light") for state in STATES] + [
    pytest.param(("dark", state), id=f"{state}-dark") for state in DARK_STATES
]
LONG_NAME_RUNS = [pytest.param(long_name_run(state), id=state) for state in ("sites", "review")]
TRANSLATED_RUNS = [
    pytest.param(("light", state, "--longer", "1.4"), id=state) for state in TRANSLATED_STATES
]


@pytest.fixture(scope="module")
def checks(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Checks]:
    runs = Checks(tmp_path_factory.mktemp("fit"))
    # Start every check this session will look at, so two always run side by side.
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.module is sys.modules[__name__] and "run" in params:
            runs.start(*params["run"])
    yield runs
    runs.close()


def verdict(outcome: dict[str, Any], what: str) -> str:
    problems = "\n".join(f"  - {problem}" for problem in outcome["problems"])
    text = f"{what} at 200% on a 1366x768 screen:\n{problems}"
    if not outcome["ready"]:
        text += f"\napp stderr:\n{outcome['stderr']}"
    return text


def assert_fits(outcome: dict[str, Any], what: str) -> None:
    assert outcome["ready"] and not outcome["problems"], verdict(outcome, what)
    assert outcome["screen"] == [683, 384], "the screen is not 1366x768 at 200%"
    assert outcome["returncode"] == 0, verdict(outcome, what)


@pytest.mark.parametrize("run", STATE_RUNS)
def test_every_state_fits_at_200_percent(checks: Checks, run: tuple[str, ...]):
    theme, state = run
    assert_fits(checks.result(*run), f"{state} ({theme})")


@pytest.mark.parametrize("run", LONG_NAME_RUNS)
def test_a_120_character_school_name_fits(checks: Checks, run: tuple[str, ...]):
    assert len(LONG_SCHOOL_NAME) == 120
    assert_fits(checks.result(*run), f"{run[1]} with a school named {LONG_SCHOOL_NAME!r}")


@pytest.mark.parametrize("run", TRANSLATED_RUNS)
def test_texts_translated_40_percent_longer_fit(checks: Checks, run: tuple[str, ...]):
    assert_fits(checks.result(*run), f"{run[1]} with every text 40% longer")


def test_the_check_finds_what_does_not_fit(qtbot):
    """The checker itself, on a window built to fail it: too big for the screen, a label too
    narrow for its text, a wrapped label too short for its lines, one its parent cuts off."""
    window = QWidget()
    window.setWindowTitle("Built to fail")
    qtbot.addWidget(window)
    screen = window.screen().availableGeometry()
    window.resize(screen.width() + 100, 200)
    narrow = QLabel("A label far wider than the room it was given", window)
    narrow.setGeometry(0, 0, 40, narrow.sizeHint().height())
    short = QLabel("A wrapped label " * 10, window)
    short.setWordWrap(True)
    short.setGeometry(0, 40, 200, 10)
    box = QWidget(window)
    box.setGeometry(0, 100, 100, 40)
    hidden_part = QLabel("Half of me is outside my parent", box)
    hidden_part.setGeometry(50, 0, hidden_part.sizeHint().width(), hidden_part.sizeHint().height())
    window.show()
    qtbot.waitExposed(window)

    found = [p for p in check_fit.Checker().problems() if "Built to fail" in p]

    assert any(p.startswith("QWidget “Built to fail”: the window is") for p in found), found
    assert any("“A label far wider" in p and "its text needs" in p for p in found), found
    assert any("“A wrapped label" in p and "wrapped text needs" in p for p in found), found
    assert any("“Half of me" in p and "cut off by QWidget" in p for p in found), found
