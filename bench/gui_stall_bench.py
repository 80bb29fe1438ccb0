"""Whether the window stays fluid with a district of 1,000,000 users (#15).

Run: ``.venv/bin/python bench/gui_stall_bench.py [--users 1000000]``

A stall probe on the GUI thread's event loop (the GUI tests' ``EventLoopWatch``, a precise
5 ms timer) records the gaps between its ticks: a long gap is time the window could not repaint
or answer a key. The demo server serves ``--users`` users from its own process; the real main
window (offscreen) then

- runs **Sync now** into an empty directory, and again with nothing changed;
- drives the Users list over the synced directory: searches typed into the search box, each
  filter, each column's sort, and a jump to the end of the list.

Prints, per step, the longest stall, how many gaps were over 100 ms (the target is that none
was) and the longest cyclic garbage collection (which holds the GIL, whichever thread ran it).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication
from sync_bench import DemoProcess, set_up_profile  # bench/ is the script's folder

from tests.support.event_loop import TICK_MS, EventLoopWatch

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.users_view import UsersView

STALL_BUDGET_MS: Final = 100.0
STEP_TIMEOUT_S: Final = 900.0
#: After each Users list step, how long the window is watched for late work (block reads).
SETTLE_MS: Final = 400


class CollectorWatch:
    """How long each of Python's cyclic garbage collections took: one holds the GIL, so a long
    one freezes the window whichever thread set it off."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._started = 0.0
        gc.callbacks.append(self._observe)

    def reset(self) -> None:
        self.longest_ms = 0.0

    def _observe(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._started) * 1000)


collector = CollectorWatch()


@dataclass
class Step:
    name: str
    seconds: float
    gaps_ms: list[float] = field(default_factory=list)
    longest_collection_ms: float = 0.0

    @property
    def longest(self) -> float:
        return max(self.gaps_ms, default=0.0)

    @property
    def over_budget(self) -> int:
        return sum(gap > STALL_BUDGET_MS for gap in self.gaps_ms)


def wait_until(done: Callable[[], bool], timeout_s: float = STEP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not finish the step in time")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(milliseconds: int = SETTLE_MS) -> None:
    end = time.monotonic() + milliseconds / 1000
    wait_until(lambda: time.monotonic() >= end)


def measure(name: str, act: Callable[[], None], done: Callable[[], bool]) -> Step:
    collector.reset()
    with EventLoopWatch() as watch:
        started = time.perf_counter()
        act()
        wait_until(done)
        seconds = time.perf_counter() - started
        settle()
    step = Step(name, seconds, watch.gaps_ms, collector.longest_ms)
    print(f"  {name}: {seconds:.2f} s, longest stall {step.longest:.0f} ms", flush=True)
    return step


def sync_steps(window: MainWindow) -> list[Step]:
    def sync() -> None:
        window.start_sync()

    def synced() -> bool:
        return not window.syncing and not window.tasks.busy

    return [
        measure("Sync now, into an empty directory", sync, synced),
        measure("Sync now, nothing changed", sync, synced),
    ]


def users_list_steps(view: UsersView) -> list[Step]:
    steps: list[Step] = []

    def answered() -> bool:
        return view.answered

    def typed(text: str) -> Callable[[], None]:
        def act() -> None:
            view.search.clear()
            view.search.setText(text)

        return act

    for text in ("a", "smi", "olivia.smith", "zzzzqx"):
        steps.append(measure(f"search {text!r}", typed(text), answered))
    steps.append(measure("search cleared", typed(""), answered))
    for combo, label in (
        (view.site_combo, "site filter"),
        (view.role_combo, "role filter"),
        (view.status_combo, "status filter: all"),
    ):
        last = combo.count() - 1
        steps.append(measure(label, lambda c=combo, i=last: c.setCurrentIndex(i), answered))
    for column in range(view.model.columnCount()):
        header = view.model.headerData(column, Qt.Orientation.Horizontal)

        def sort(c: int = column) -> None:
            view.table.sortByColumn(c, Qt.SortOrder.DescendingOrder)

        steps.append(measure(f"sort by {header}", sort, answered))

    def to_the_end() -> None:
        view.table.setFocus()
        view.table.scrollToBottom()

    steps.append(measure("scroll to the end", to_the_end, answered))
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    demo = DemoProcess(args.users)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            home = Path(scratch) / "profile"
            set_up_profile(home, demo.values)
            steps = run_window(home, app)
    finally:
        demo.stop()
    print(f"\n{args.users:,} users; a tick every {TICK_MS} ms; budget {STALL_BUDGET_MS:.0f} ms\n")
    print("| step | took | longest stall | gaps over 100 ms | longest garbage collection |")
    print("|---|---|---|---|---|")
    for step in steps:
        cells = (
            step.name,
            f"{step.seconds:.2f} s",
            f"{step.longest:.0f} ms",
            str(step.over_budget),
            f"{step.longest_collection_ms:.0f} ms",
        )
        print("| " + " | ".join(cells) + " |")
    stalled = [step for step in steps if step.over_budget]
    print(
        "\n- "
        + ("NOT MET" if stalled else "met")
        + f": the GUI thread never stalls over {STALL_BUDGET_MS:.0f} ms"
        + (f" ({len(stalled)} of {len(steps)} steps stalled)" if stalled else "")
    )
    return 1 if stalled else 0


def run_window(home: Path, app: QApplication) -> list[Step]:
    from app.context import AppContext
    from app.paths import Profile
    from ui.main_window import MainWindow
    from ui.tasks import TaskRunner

    context = AppContext(Profile(home))
    tasks = TaskRunner()
    window = MainWindow(context, tasks)
    window.resize(1200, 800)
    window.show()
    try:
        wait_until(lambda: window.snapshot is not None)
        print("steps:", flush=True)
        return sync_steps(window) + users_list_steps(window.users_view)
    finally:
        window.close()
        tasks.shutdown()
        context.close()
        app.processEvents()


if __name__ == "__main__":
    raise SystemExit(main())
