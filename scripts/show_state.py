"""Open the real app, against the demo district, in one named state: for screenshots.

    python scripts/show_state.py STATE

STATE is a wizard page (welcome, connection, validate, username, sites, schedule, review,
synced), another source (csv: OneRoster CSV files; csv-validate: their checks; oauth1: a
provider that signs requests; relinked: the first sync after a move from OneRoster 1.1 to 1.2,
everyone re-linked), a validation failure (wrong-secret, swapped-urls, unreachable), or the main
window: main, history, failed (a sync that failed), limit (the safety-limit prompt), settings
(the Settings dialog), skipped-people (a sync's people left out), about, crash (the dialog an
unexpected error shows) or tray-menu; a wizard dialog: rename-site, new-site or left-out (who a
username choice leaves out); or a person's story after a school year of syncs: person (added, email
changed, deactivated), skipped-person (never added) or search-skipped (a search in the Users
list that finds only people left out). Used with
../shared/tools/xshot to retake the screenshots in docs/ (see docs/README.md).
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from app.demo.csv_package import write_package, zipped
from app.demo.server import DemoServer
from app.demo.session import DemoSession, demo_connection
from app.secret_store import EphemeralKeyring, SecretStore
from app.settings import ConnectionSettings
from app.store.models import SyncRun
from app.sync.engine import SyncRequest
from ui.crash import CrashHandler
from ui.main_window import MainWindow
from ui.palette import apply_theme
from ui.resources import app_icon
from ui.tasks import TaskRunner
from ui.tray import Tray
from ui.wizard.state import SetupState
from ui.wizard.wizard import PageId, SetupWizard

PAGES = {
    "welcome": PageId.WELCOME,
    "connection": PageId.CONNECTION,
    "validate": PageId.VALIDATE,
    "username": PageId.USERNAME,
    "sites": PageId.SITES,
    "schedule": PageId.SCHEDULE,
    "review": PageId.REVIEW,
    "synced": PageId.REVIEW,
    "wrong-secret": PageId.VALIDATE,
    "unreachable": PageId.VALIDATE,
    "swapped-urls": PageId.CONNECTION,
    "csv": PageId.CONNECTION,
    "csv-validate": PageId.VALIDATE,
    "oauth1": PageId.CONNECTION,
    "relinked": PageId.REVIEW,
    "rename-site": PageId.SITES,
    "new-site": PageId.SITES,
    "left-out": PageId.USERNAME,
}
MAIN_STATES = (
    "main",
    "history",
    "failed",
    "limit",
    "settings",
    "skipped-people",
    "about",
    "crash",
    "tray-menu",
)
PERSON_STATES = ("person", "skipped-person", "search-skipped")
CSV_STATES = ("csv", "csv-validate")
#: Three people of the demo district a sync leaves out (a guardian and two without an email).
SKIPPED_NAME = "Isabella Moore"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def when(ready: Callable[[], bool], then: Callable[[], None]) -> None:
    """Run ``then`` once ``ready()`` holds, checking from the event loop."""
    timer = QTimer()
    timer.setInterval(50)

    def check() -> None:
        if ready():
            timer.stop()
            then()

    timer.timeout.connect(check)
    timer.start()
    when.timers.append(timer)  # type: ignore[attr-defined]


when.timers = []  # type: ignore[attr-defined]

#: Called with the application, its task runner and the demo session once they exist, before
#: the state is set up; ``scripts/check_fit.py`` inspects the state from there.
on_start: list[Callable[[QApplication, TaskRunner, DemoSession], None]] = []


def csv_package(demo: DemoSession) -> Path:
    """A OneRoster 1.2 CSV export of a small district, zipped in the demo's profile folder."""
    folder = demo.profile.root / "export"
    write_package(folder, 300, "1.2")
    return zipped(folder)


def moved_to_1_2(context: AppContext, demo: DemoSession) -> ConnectionSettings:
    """The district set up and synced from its OneRoster 1.1 connection, which Infinite Campus
    then replaced with a 1.2 one (new ids, the old ones in the metadata): the new connection."""
    with DemoServer(demo.district, version="1.1") as old:
        demo.set_up(context, old)
        context.engine().run(SyncRequest(trigger="manual"))
    return demo_connection(DemoServer(demo.district, legacy_ids=True).start())


def walk(wizard: SetupWizard, target: PageId, finish: Callable[[], None]) -> None:
    """Press Next whenever the current page is complete, until ``target`` is shown."""

    def step() -> None:
        if wizard.currentId() >= target:
            finish()
            return
        page = wizard.currentPage()
        when(page.isComplete, lambda: (wizard.next(), step()))

    step()


def main(state_name: str) -> int:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("RosterSync")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    with DemoSession() as demo:
        context = AppContext(demo.profile, SecretStore(demo.profile, backend=EphemeralKeyring()))
        context.directory.add_sites(demo.district.local_site_names)
        tasks = TaskRunner()
        app.aboutToQuit.connect(tasks.shutdown)
        for hook in on_start:
            hook(app, tasks, demo)
        server = demo.server
        if state_name in MAIN_STATES:
            return show_main(app, context, tasks, demo, state_name)
        if state_name in PERSON_STATES:
            return show_person(app, context, tasks, demo, state_name)
        setup = SetupState.from_saved(context, tasks)
        setup.connection = demo.connection()
        setup.typed_secret = server.client_secret
        if state_name in CSV_STATES:
            setup.connection = ConnectionSettings(enabled=True, csv_path=str(csv_package(demo)))
        if state_name == "oauth1":
            signing = DemoServer(demo.district, version="1.1", oauth1=True).start()
            setup.connection = ConnectionSettings(
                enabled=True, base_url=signing.base_url, client_id=signing.client_id, auth="oauth1"
            )
        if state_name == "relinked":
            setup.connection = moved_to_1_2(context, demo)
        if state_name == "wrong-secret":
            setup.typed_secret = "not-the-right-secret"
        if state_name == "unreachable":
            setup.connection.token_url = (
                f"http://127.0.0.1:{closed_port()}/campus/oauth2/token?appName=demo"
            )
        wizard = SetupWizard(setup)
        wizard.show()
        wizard.activateWindow()

        def finish() -> None:
            page = wizard.currentPage()
            if state_name == "csv":
                page.from_csv.setChecked(True)  # type: ignore[attr-defined]
            if state_name == "oauth1":
                page.secret.setText(server.client_secret)  # type: ignore[attr-defined]
            if state_name == "swapped-urls":
                page.base_url.setText(server.token_url)  # type: ignore[attr-defined]
                page.token_url.setText(server.base_url)  # type: ignore[attr-defined]
            if state_name == "synced":
                when(page.start_button.isEnabled, page.start_button.click)  # type: ignore[attr-defined]
            if state_name == "rename-site":
                QTimer.singleShot(300, page.rename_button.click)  # type: ignore[attr-defined]
            if state_name == "new-site":
                QTimer.singleShot(300, page.add_button.click)  # type: ignore[attr-defined]
            if state_name == "left-out":
                show = page.summary.show_button  # type: ignore[attr-defined]
                when(show.isEnabled, show.click)

        walk(wizard, PAGES[state_name], finish)
        return app.exec()


def show_main(
    app: QApplication, context: AppContext, tasks: TaskRunner, demo: DemoSession, state_name: str
) -> int:
    demo.set_up(context)
    context.engine().run(SyncRequest(trigger="manual"))
    demo.server.faults.outage_after = demo.server.request_count  # a later sync fails, as shown
    context.engine().run(SyncRequest(trigger="schedule"))
    demo.server.faults.outage_after = None
    window = MainWindow(context, tasks)
    if state_name == "history":
        window.tabs.setCurrentWidget(window.history_view)
    if state_name == "failed":
        demo.server.faults.outage_after = demo.server.request_count
        QTimer.singleShot(500, window.start_sync)
    if state_name == "settings":
        QTimer.singleShot(300, window.open_settings)
    if state_name == "limit":
        biggest = context.directory.schools()[1]
        context.directory.map_school(biggest.sourced_id, None)
        context.directory.map_school(context.directory.schools()[2].sourced_id, None)
        QTimer.singleShot(500, window.start_sync)
        when(window.anyway_button.isVisible, window.anyway_button.click)
    if state_name == "skipped-people":
        window.tabs.setCurrentWidget(window.history_view)
        with_skips = next(run for run in context.history.runs() if run.counts.skipped)
        QTimer.singleShot(300, lambda: window.history_view.open_run(with_skips))
    if state_name == "about":
        about = window.findChild(QAction, "about")
        QTimer.singleShot(300, about.trigger)
    if state_name == "crash":
        crash = CrashHandler()
        crash.diagnostics = lambda: "RosterSync diagnostics"
        shown = RuntimeError("an unexpected error, shown for a screenshot")
        QTimer.singleShot(300, lambda: crash.handle(RuntimeError, shown, None))
    if state_name == "tray-menu":
        tray = Tray(window)
        when(window.isVisible, lambda: tray.menu.popup(window.geometry().center()))
    window.show()
    window.activateWindow()
    return app.exec()


def sync_days_ago(context: AppContext, days: int) -> int:
    """A nightly sync, recorded as if it ran ``days`` ago; returns its run id."""
    result = context.engine().run(SyncRequest(trigger="schedule"))
    assert result.run_id is not None
    shift = timedelta(days=days)
    with context.database.session() as session:
        run = session.get(SyncRun, result.run_id)
        assert run is not None and run.finished_at is not None
        run.started_at -= shift
        run.finished_at -= shift
    return result.run_id


def show_person(
    app: QApplication, context: AppContext, tasks: TaskRunner, demo: DemoSession, state_name: str
) -> int:
    """A school year: everyone added in the summer, one student's email changed in the autumn
    and the same student marked to be deleted in tonight's sync; then a story is opened."""
    demo.set_up(context)
    first = sync_days_ago(context, 120)
    student = next(u for u in context.directory.users() if u.role == "student")
    email = f"{student.given_name}.{student.family_name}@students.district.example".lower()
    demo.district.update_user(student.sourced_id, email=email)
    sync_days_ago(context, 45)
    demo.district.update_user(student.sourced_id, status="tobedeleted")
    sync_days_ago(context, 0)
    never_added = next(s for s in context.history.skips(first) if s.reason == "no_username")
    window = MainWindow(context, tasks)
    users = window.users_view
    if state_name == "search-skipped":
        users.search.setText(SKIPPED_NAME)
    else:
        shown = student.sourced_id if state_name == "person" else never_added.sourced_id
        assert shown is not None
        QTimer.singleShot(500, lambda: users.open_person(shown))
    window.show()
    window.activateWindow()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "welcome"))
