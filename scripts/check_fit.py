"""Check that one state of the app fits a small screen at a high scale: nothing clipped.

    python scripts/check_fit.py STATE [--scale 2] [--screen 1366x768] [--timeout 90]

Opens ``scripts/show_state.py STATE`` at ``QT_SCALE_FACTOR`` SCALE (200% by default) on a
screen of the given physical size (1366x768 by default, so 683x384 logical at 200%), using
Qt's offscreen platform with a screen configuration file, so nothing needs installing. Once the
state is on screen and settled it prints JSON: ``{"state", "scale", "screen", "ready",
"problems"}`` and exits 0 when there are no problems, 1 when there are, 2 when the state never
became ready.

A problem is one of:

- a window (the main window, the wizard, any dialog or menu) larger than the screen's
  available geometry, or placed partly off it;
- a visible label, button, line edit, dropdown, group box title, tab or table header narrower
  (or shorter) than its text needs: a word-wrapped label shorter than ``heightForWidth``, any
  other text widget smaller than its ``minimumSizeHint``;
- a visible text widget cut off by a parent that is not a scroll area (scroll areas and item
  views may hold more than they show: the rest is scrolled to);
- a table cell whose text does not fit its column and has no tooltip showing all of it.

The QT_SCALE_FACTOR must be set before the QApplication exists, so run this as its own process
(``tests/ui/test_scaling.py`` does). ROSTERSYNC_THEME passes through to the app.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QModelIndex,
    QPoint,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionComboBox,
    QTabBar,
    QTabWidget,
    QWidget,
    QWizardPage,
)

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "scripts"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import show_state  # noqa: E402  (needs the paths above)

from app.demo.session import DemoSession  # noqa: E402
from ui.screen_fit import placeholder_width  # noqa: E402
from ui.tasks import TaskRunner  # noqa: E402

#: A pattern for a text that shows once each state is fully on screen (as a label's or
#: button's text, a window title, a menu entry or an accessible name).
READY = {
    "welcome": r"^Welcome to RosterSync$",
    "connection": r"^Connect to Infinite Campus$",
    "csv": r"^Location",
    "oauth1": r"^OneRoster 1\.1: the Base URL",
    "swapped-urls": r"^This looks like the Base URL",
    "validate": r"^All checks passed",
    "csv-validate": r"^All checks passed",
    "wrong-secret": r"did not pass",
    "unreachable": r"did not pass",
    "username": r"^For example: ",
    "left-out": r"^People who would be left out$",
    "sites": r"schools will be synced",
    "rename-site": r"^Rename a local site$",
    "new-site": r"^Add a local site$",
    "schedule": r"^Sync automatically every night$",
    "review": r"^The sync will add",
    "relinked": r"re-linked",
    "synced": r"^The sync is done",
    "main": r"^Users \(",
    "history": r"^Sync runs$",
    "skipped-people": r"^People left out — ",
    "failed": r"did not finish",
    "limit": r"^Deactivate these people\?$",
    "settings": r"^RosterSync settings$",
    "about": r"^About RosterSync$",
    "crash": r"^Copy diagnostics$",
    "tray-menu": r"^Pause nightly sync$",
    "person": r"^What each sync did",
    "skipped-person": r"^What each sync did",
    "search-skipped": r"but a sync left them out:$",
}
#: How often the state is looked at while it settles, and how many looks in a row must find
#: the same windows and problems before they are reported.
POLL_MS = 100
STEADY_LOOKS = 3


def all_states() -> list[str]:
    """Every state ``scripts/show_state.py`` can open."""
    states = [*show_state.PAGES, *show_state.MAIN_STATES, *show_state.PERSON_STATES]
    return list(dict.fromkeys(states))


def use_screen(scale: float, width: int, height: int, folder: Path) -> None:
    """Qt's offscreen platform with one screen of ``width`` x ``height`` physical pixels at
    96 dpi, everything scaled by ``scale``. Must run before the QApplication exists."""
    config = folder / "screen.json"
    screen = {
        "name": f"{width}x{height}",
        "x": 0,
        "y": 0,
        "width": width,
        "height": height,
        "logicalDpi": 96,
        "logicalBaseDpi": 96,
        "dpr": 1,
    }
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"
    for other in ("QT_SCREEN_SCALE_FACTORS", "QT_AUTO_SCREEN_SCALE_FACTOR", "QT_FONT_DPI"):
        os.environ.pop(other, None)


# --- the checks --------------------------------------------------------------------------


def plain(text: str) -> str:
    """A label's text as read: tags and entities dropped, mnemonics' ampersands removed."""
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<")
    return re.sub(r"&(?!&)", "", text.replace("&gt;", ">")).strip()


@dataclass
class Checker:
    """Looks at every visible window; ``problems()`` says what does not fit."""

    found: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        self.found = []
        for window in QApplication.topLevelWidgets():
            if self._is_checked_window(window):
                self._check_window(window)
        return sorted(set(self.found))

    # --- windows ------------------------------------------------------------------------

    @staticmethod
    def _is_checked_window(window: QWidget) -> bool:
        if not isinstance(window, QWidget) or not window.isVisible():
            return False
        kind = window.windowType()
        return kind not in (Qt.WindowType.ToolTip, Qt.WindowType.SplashScreen)

    def _check_window(self, window: QWidget) -> None:
        screen = window.screen().availableGeometry()
        frame = window.frameGeometry()
        name = describe(window)
        if frame.width() > screen.width() or frame.height() > screen.height():
            self.found.append(
                f"{name}: the window is {frame.width()}×{frame.height()}, larger than the "
                f"screen's {screen.width()}×{screen.height()}"
            )
        elif not screen.contains(frame):
            self.found.append(
                f"{name}: the window at {frame.x()},{frame.y()} ({frame.width()}×"
                f"{frame.height()}) is partly off the {screen.width()}×{screen.height()} screen"
            )
        for widget in window.findChildren(QWidget):
            if widget.isVisible() and widget.window() is window:
                self._check_widget(widget)

    # --- widgets ------------------------------------------------------------------------

    def _check_widget(self, widget: QWidget) -> None:
        if isinstance(widget, QLabel):
            if plain(widget.text()):
                self._check_label(widget)
        elif isinstance(widget, QAbstractButton):
            if plain(widget.text()):
                self._check_min_size(widget)
        elif isinstance(widget, QLineEdit):
            if not isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
                self._check_line_edit(widget)
        elif isinstance(widget, QAbstractSpinBox):
            self._check_min_size(widget)
        elif isinstance(widget, QComboBox):
            self._check_combo(widget)
        elif isinstance(widget, QGroupBox):
            if widget.title():
                self._check_min_size(widget)
        elif isinstance(widget, QHeaderView):
            self._check_header(widget)
        elif isinstance(widget, QTabBar):
            self._check_tabs(widget)
        elif isinstance(widget, QAbstractItemView):
            self._check_cells(widget)

    def _report(self, widget: QWidget, what: str) -> None:
        self.found.append(f"{describe(widget)}: {what}")

    def _check_clipping(self, widget: QWidget) -> bool:
        cut = cut_off_by(widget)
        if cut is not None:
            self._report(widget, f"cut off by {cut}")
            return False
        return True

    def _check_min_size(self, widget: QWidget) -> None:
        need = widget.minimumSizeHint()
        size = widget.size()
        if size.width() < need.width() or size.height() < need.height():
            self._report(
                widget,
                f"{size.width()}×{size.height()}, its text needs {need.width()}×{need.height()}",
            )
        self._check_clipping(widget)

    def _check_label(self, label: QLabel) -> None:
        if not label.wordWrap():
            self._check_min_size(label)
            return
        width, height = label.width(), label.height()
        words = label.minimumSizeHint().width()  # its longest word
        needed = label.heightForWidth(width)
        if width < words:
            self._report(label, f"{width} wide, its longest word needs {words}")
        elif height < needed:
            self._report(label, f"{width}×{height}, its wrapped text needs {needed} tall")
        self._check_clipping(label)

    def _check_line_edit(self, edit: QLineEdit) -> None:
        self._check_min_size(edit)
        hint = edit.placeholderText()
        if edit.text() or not hint:
            return
        needed = placeholder_width(edit)
        if edit.width() < needed and edit.toolTip() != hint:
            self._report(edit, f"{edit.width()} wide, its placeholder needs {needed}")

    def _check_combo(self, combo: QComboBox) -> None:
        self._check_clipping(combo)
        if combo.isEditable() or not combo.currentText():
            return
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        field_rect = combo.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            combo,
        )
        room = field_rect.width()
        if not combo.itemIcon(combo.currentIndex()).isNull():
            room -= combo.iconSize().width() + 4
        needed = combo.fontMetrics().horizontalAdvance(combo.currentText())
        if room < needed and combo.toolTip() != combo.currentText():
            self._report(
                combo, f"shows {room} of the {needed} its choice “{combo.currentText()}” needs"
            )

    def _check_header(self, header: QHeaderView) -> None:
        model = header.model()
        if model is None:
            return
        horizontal = header.orientation() == Qt.Orientation.Horizontal
        for index in range(header.count()):
            if header.isSectionHidden(index):
                continue
            text = model.headerData(index, header.orientation(), Qt.ItemDataRole.DisplayRole)
            if not text:
                continue
            need = header.sectionSizeFromContents(index)
            needed = need.width() if horizontal else need.height()
            size = header.sectionSize(index)
            tip = model.headerData(index, header.orientation(), Qt.ItemDataRole.ToolTipRole)
            if size < needed and not tip:
                self.found.append(
                    f"{describe(header)}: the column “{text}” is {size} wide, its title "
                    f"needs {needed}"
                )
        if horizontal and header.height() < header.sizeHint().height():
            self._report(header, f"{header.height()} tall, its titles need more")

    def _check_tabs(self, tabs: QTabBar) -> None:
        metrics = tabs.fontMetrics()
        for index in range(tabs.count()):
            text = plain(tabs.tabText(index))
            rect = tabs.tabRect(index)
            if rect.width() < metrics.horizontalAdvance(text) and not tabs.tabToolTip(index):
                self.found.append(
                    f"{describe(tabs)}: the tab “{text}” is {rect.width()} wide, cut off"
                )
        self._check_clipping(tabs)

    def _check_cells(self, view: QAbstractItemView) -> None:
        """The rows on screen: a cell whose text does not fit must have a tooltip."""
        model = view.model()
        if model is None:
            return
        top = QModelIndex()
        viewport = view.viewport().rect()
        margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        metrics = view.fontMetrics()
        cut: dict[int, list[str]] = {}
        first = view.indexAt(viewport.topLeft())
        for row in range(first.row() if first.isValid() else 0, model.rowCount(top)):
            shown = False
            for column in range(column_count(model)):
                index = model.index(row, column, top)
                rect = view.visualRect(index)
                if rect.isEmpty() or not rect.intersects(viewport):
                    continue
                shown = True
                if view.indexWidget(index) is not None:
                    continue
                text = model.data(index, Qt.ItemDataRole.DisplayRole)
                if not isinstance(text, str) or not text or "\n" in text:
                    continue
                needed = metrics.horizontalAdvance(text) + 2 * margin
                if model.data(index, Qt.ItemDataRole.DecorationRole) is not None:
                    needed += view.iconSize().width() + margin
                if rect.width() < needed and not model.data(index, Qt.ItemDataRole.ToolTipRole):
                    cut.setdefault(column, []).append(f"“{text[:60]}” ({rect.width()} of {needed})")
            if not shown and row > first.row():
                break
        for column, cells in sorted(cut.items()):
            title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            self.found.append(
                f"{describe(view)}: {len(cells)} cell(s) of the column “{title or column}” cut "
                f"off with no tooltip, e.g. {cells[0]}"
            )


def column_count(model: QAbstractItemModel) -> int:
    """How many columns a model has (a list model's ``columnCount`` is private)."""
    return 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())


def cut_off_by(widget: QWidget) -> str | None:
    """The parent (not a scroll area) that hides part of ``widget``, described; else None."""
    rect = QRect(QPoint(0, 0), widget.size())
    child = widget
    while not child.isWindow():
        parent = child.parentWidget()
        if parent is None:
            return None
        rect = rect.translated(child.pos())
        scroller = parent.parentWidget()
        if isinstance(scroller, QAbstractScrollArea) and parent is scroller.viewport():
            # Scrolled to: only the part on show must not be cut off further up.
            rect = rect.intersected(parent.rect())
            if rect.isEmpty():
                return None  # scrolled out of view
        elif not parent.rect().contains(rect):
            return describe(parent)
        child = parent
    return None


def describe(widget: QWidget) -> str:
    """Like ``QLabel “Client Secret” in ConnectionPage in SetupWizard “RosterSync setup”``."""
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = plain(widget.text())
    elif isinstance(widget, QGroupBox):
        text = widget.title()
    elif isinstance(widget, QLineEdit):
        text = widget.accessibleName() or widget.placeholderText()
    elif widget.isWindow():
        text = widget.windowTitle()
    text = text or widget.accessibleName() or widget.objectName()
    name = type(widget).__name__
    if text:
        name += f" “{text[:60]}{'…' if len(text) > 60 else ''}”"
    if widget.isWindow():
        return name
    container = widget.parentWidget()
    while container is not None and not (
        isinstance(container, QWizardPage | QDialog | QMainWindow) or container.isWindow()
    ):
        container = container.parentWidget()
    if container is not None and not container.isWindow():
        name += f" in {type(container).__name__}"
    top = widget.window()
    title = top.windowTitle()
    return f"{name} in {type(top).__name__}{f' “{title}”' if title else ''}"


def shown_texts() -> Iterator[str]:
    """Every text on show: labels, buttons, window titles, menu entries, accessible names and
    the cells of the rows an item view shows."""
    for window in QApplication.topLevelWidgets():
        if not window.isVisible():
            continue
        yield window.windowTitle()
        for widget in [window, *window.findChildren(QWidget)]:
            if not widget.isVisible():
                continue
            yield widget.accessibleName()
            if isinstance(widget, QLabel | QAbstractButton):
                yield plain(widget.text())
            elif isinstance(widget, QMenu):
                yield from (plain(action.text()) for action in widget.actions())
            elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
                model = widget.model()
                top = QModelIndex()
                for row in range(min(model.rowCount(top), 50)):
                    for column in range(column_count(model)):
                        value = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
                        if isinstance(value, str):
                            yield value


def snapshot() -> tuple[object, ...]:
    """The visible windows and their sizes: while these change, the state is still settling."""
    shown = []
    for window in QApplication.topLevelWidgets():
        if window.isVisible():
            visible = sum(1 for w in window.findChildren(QWidget) if w.isVisible())
            shown.append((type(window).__name__, window.frameGeometry().getRect(), visible))
    return tuple(sorted(shown))


# --- running -----------------------------------------------------------------------------


def lengthen(text: str, factor: float) -> str:
    """``text`` made ``factor`` times as long, as a translation might be: words added."""
    extra = round(len(plain(text)) * (factor - 1))
    words = " ".join(["longer"] * (extra // 7 + 1))[:extra]
    return f"{text} {words}" if extra > 0 else text


def pseudo_translate(factor: float) -> None:
    """From now on every text given to a label, button, group box, wizard page or tab is
    ``factor`` times as long, as if translated: the windows are built with the longer texts.
    Must run before the windows are built."""

    def longer_setter(kind: type, name: str) -> None:
        original = getattr(kind, name)

        def setter(self: QWidget, text: str, *rest: object) -> object:
            return original(self, lengthen(text, factor), *rest)

        setattr(kind, name, setter)

    def longer_init(kind: type) -> None:
        original = kind.__init__

        def init(self: QWidget, *args: object, **kwargs: object) -> None:
            if args and isinstance(args[0], str):
                args = (lengthen(args[0], factor), *args[1:])
            original(self, *args, **kwargs)

        kind.__init__ = init  # type: ignore[misc]

    for kind in (QLabel, QPushButton, QCheckBox, QRadioButton, QGroupBox):
        longer_init(kind)
    longer_setter(QLabel, "setText")
    longer_setter(QAbstractButton, "setText")
    longer_setter(QGroupBox, "setTitle")
    longer_setter(QWizardPage, "setTitle")
    longer_setter(QWizardPage, "setSubTitle")
    longer_setter(QTabBar, "setTabText")
    original_add = QTabWidget.addTab

    def add_tab(self: QTabWidget, page: QWidget, *rest: object) -> int:
        texts = [lengthen(r, factor) if isinstance(r, str) else r for r in rest]
        return original_add(self, page, *texts)

    QTabWidget.addTab = add_tab  # type: ignore[method-assign]


@dataclass
class Watch:
    """Polls the state from the event loop until it is ready and steady, then reports.

    With ``school_name``, the demo district's first school is given that name before anything
    reads it."""

    state: str
    timeout_ms: int
    report: Callable[[bool, list[str]], None]
    pattern: str | None = None
    school_name: str | None = None
    waited_ms: int = 0
    steady: int = 0
    last: tuple[object, ...] | None = None
    checker: Checker = field(default_factory=Checker)
    busy: list[Callable[[], bool]] = field(default_factory=list)

    def start(self, app: QApplication, tasks: TaskRunner, demo: DemoSession) -> None:
        if self.school_name is not None:
            demo.district.schools[0]["name"] = self.school_name
        self.busy.append(lambda: tasks.busy)
        self.timer = QTimer()
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.look)
        self.timer.start()

    def ready(self) -> bool:
        if any(busy() for busy in self.busy):
            return False
        if any(timer.isActive() for timer in show_state.when.timers):  # type: ignore[attr-defined]
            return False
        if self.pattern is None:
            return True
        wanted = re.compile(self.pattern)
        return any(text and wanted.search(text) for text in shown_texts())

    def look(self) -> None:
        try:
            self._look()
        except Exception:
            self.finish(False, [f"the check broke: {traceback.format_exc()}"])

    def _look(self) -> None:
        self.waited_ms += POLL_MS
        if self.ready():
            problems = self.checker.problems()
            now = (snapshot(), tuple(problems))
            self.steady = self.steady + 1 if now == self.last else 1
            self.last = now
            if self.steady >= STEADY_LOOKS:
                self.finish(True, problems)
                return
        else:
            self.steady = 0
        if self.waited_ms >= self.timeout_ms:
            self.finish(False, [f"not ready: nothing like {self.pattern!r} settled on screen"])

    def finish(self, ready: bool, problems: list[str]) -> None:
        self.timer.stop()
        self.report(ready, problems)
        QApplication.exit(0 if ready and not problems else 1 if ready else 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state", help="a state of scripts/show_state.py")
    parser.add_argument("--scale", type=float, default=2.0, help="QT_SCALE_FACTOR (2 = 200%%)")
    parser.add_argument("--screen", default="1366x768", help="physical pixels, WIDTHxHEIGHT")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait")
    parser.add_argument(
        "--longer", type=float, help="make every text this much longer (1.4: +40%%), as translated"
    )
    parser.add_argument("--school-name", help="the name of the demo district's first school")
    parser.add_argument("--ready", help="a pattern for a text on show once the state is ready")
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.screen.lower().split("x"))

    with tempfile.TemporaryDirectory(prefix="rostersync-fit-") as folder:
        use_screen(args.scale, width, height, Path(folder))
        if args.state not in all_states():
            parser.error(f"unknown state {args.state!r}; one of: {', '.join(all_states())}")
        outcome: dict[str, object] = {}

        def report(ready: bool, problems: list[str]) -> None:
            available = QApplication.primaryScreen().availableGeometry()
            outcome.update(
                state=args.state,
                scale=args.scale,
                screen=[available.width(), available.height()],
                ready=ready,
                problems=problems,
            )
            print(json.dumps(outcome, ensure_ascii=False, indent=1), flush=True)

        pattern = args.ready or READY.get(args.state)
        if args.longer is not None:
            pseudo_translate(args.longer)
            if pattern is not None:  # the texts it looks for go on longer
                pattern = pattern.removesuffix("$")
        watch = Watch(
            args.state,
            int(args.timeout * 1000),
            report,
            pattern=pattern,
            school_name=args.school_name,
        )
        show_state.on_start.append(watch.start)
        show_state.main(args.state)
    if not outcome:
        return 2
    return 0 if outcome["ready"] and not outcome["problems"] else 1 if outcome["ready"] else 2


if __name__ == "__main__":
    sys.exit(main())
