"""The task runner: work off the GUI thread, one ending per task, throttled progress."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from app.errors import NetworkError
from app.sync.engine import Progress
from ui.tasks import UNEXPECTED, Failure, LatestRead, TaskRunner


def test_work_runs_off_the_gui_thread_and_the_result_arrives_on_it(qtbot, tasks: TaskRunner):
    gui = threading.get_ident()
    seen: dict[str, Any] = {}

    def work(_progress, _cancel) -> int:
        seen["worker"] = threading.get_ident()
        return 42

    def done(value: int) -> None:
        seen["result"], seen["delivered_on"] = value, threading.get_ident()

    tasks.start(work, done, lambda failure: seen.setdefault("failure", failure))
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["worker"] != gui and seen["delivered_on"] == gui
    assert "failure" not in seen


def test_failures_become_sentences_and_end_the_task_once(qtbot, tasks: TaskRunner):
    failures: list[Failure] = []

    def known(_progress, _cancel) -> None:
        raise NetworkError("Could not find the server ic.example.")

    def unknown(_progress, _cancel) -> None:
        raise KeyError("boom")

    for work in (known, unknown):
        tasks.start(work, lambda _v: failures.append(Failure("succeeded?", "")), failures.append)
    qtbot.waitUntil(lambda: len(failures) == 2)
    messages = {f.message for f in failures}
    assert messages == {"Could not find the server ic.example.", UNEXPECTED}
    assert not tasks.busy


def test_count_updates_are_throttled_but_every_stage_change_gets_through(qtbot, tasks: TaskRunner):
    received: list[Progress] = []
    finished = threading.Event()

    def work(progress, _cancel) -> None:
        for done in range(10_000):
            progress(Progress("downloading", done, 10_000))
        progress(Progress("saving", 0, 5))
        finished.set()

    tasks.start(work, lambda _v: None, lambda _f: None, received.append)
    qtbot.waitUntil(lambda: finished.is_set() and not tasks.busy)
    qtbot.waitUntil(lambda: bool(received) and received[-1].stage == "saving")
    assert len(received) < 100
    assert received[0].stage == "downloading"


def test_callbacks_for_a_deleted_owner_are_dropped(qtbot, tasks: TaskRunner):
    owner = QWidget()
    release = threading.Event()
    delivered: list[object] = []

    def work(_progress, _cancel) -> str:
        release.wait(5)
        return "late"

    handle = tasks.start(work, delivered.append, delivered.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not isValid(owner))
    release.set()
    qtbot.waitUntil(lambda: not handle.running)
    assert delivered == []


def test_only_the_latest_read_answers_even_when_an_older_one_arrives_later(
    qtbot, tasks: TaskRunner
):
    owner = QWidget()
    reads = LatestRead(tasks, owner)
    let_the_first_finish = threading.Event()
    answers: list[str] = []
    failures: list[Failure] = []

    def slow_first() -> str:
        let_the_first_finish.wait(timeout=10)
        return "older"

    reads.start(slow_first, answers.append, failures.append)
    reads.start(lambda: "newer", answers.append, failures.append)
    qtbot.waitUntil(lambda: answers == ["newer"])
    assert not reads.waiting
    let_the_first_finish.set()
    qtbot.waitUntil(lambda: not tasks.busy)
    assert answers == ["newer"] and failures == []


def test_a_dropped_read_never_answers(qtbot, tasks: TaskRunner):
    owner = QWidget()
    reads = LatestRead(tasks, owner)
    answers: list[str] = []
    reads.start(lambda: "unwanted", answers.append, lambda _failure: answers.append("failed"))
    assert reads.waiting
    reads.drop()
    assert not reads.waiting
    qtbot.waitUntil(lambda: not tasks.busy)
    assert answers == []
