"""Windows that fit the screen they open on, and content that scrolls when it cannot fit.

At 200% scaling a 1366x768 screen is 683x384 logical pixels: a window's first size comes from
its font (so it grows with the scale) but never exceeds the screen's available geometry, and a
page taller than its window scrolls rather than pushing the window off the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface, QGuiApplication, QScreen
from PySide6.QtWidgets import (
    QAccessibleWidget,
    QFrame,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QWidget,
)


def screen_of(widget: QWidget) -> QScreen:
    """The screen ``widget`` opens on: its parent window's for a dialog not yet shown."""
    parent = widget.parentWidget()
    if not widget.isVisible() and parent is not None and parent.window().isVisible():
        return parent.window().screen()
    return widget.screen() or QGuiApplication.primaryScreen()


def frame_allowance(window: QWidget) -> QSize:
    """How much the window manager's frame adds to a window: measured once shown, before that
    the style's title bar and frame, which scale with the screen like everything else."""
    if window.isVisible():
        frame, inner = window.frameGeometry(), window.geometry()
        return QSize(frame.width() - inner.width(), frame.height() - inner.height())
    style = window.style()
    border = style.pixelMetric(QStyle.PixelMetric.PM_MdiSubWindowFrameWidth, None, window)
    title = style.pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight, None, window)
    return QSize(2 * border, title + 2 * border)


def available_size(window: QWidget) -> QSize:
    """The largest size ``window`` can take with its frame still on the screen."""
    free = screen_of(window).availableGeometry().size() - frame_allowance(window)
    return free.expandedTo(QSize(1, 1))


def fit_to_screen(window: QWidget, wanted: QSize) -> QSize:
    """Resize ``window`` to ``wanted``, or less where the screen is smaller; also caps its
    minimum size so the window manager can keep it on the screen. Returns the size given."""
    free = available_size(window)
    if window.minimumWidth() > free.width() or window.minimumHeight() > free.height():
        window.setMinimumSize(window.minimumSize().boundedTo(free))
    size = wanted.boundedTo(free)
    window.resize(size)
    return size


class ScrollArea(QScrollArea):
    """A scroll area a screen reader can read while its scroll bars come and go.

    Qt's own accessible scroll area lists only the scroll bars that are visible and does not
    check the index a screen reader asks for: a scroll bar hiding between the reader counting
    the children and asking for the last one crashes the app (seen as a page grew during the
    wizard's sync). Its plain widget interface lists every child widget, shown or not.
    """

    _factory_installed = False

    def __init__(self) -> None:
        if not ScrollArea._factory_installed:
            QAccessible.installFactory(_scroll_area_interface)
            ScrollArea._factory_installed = True
        super().__init__()


def _scroll_area_interface(class_name: str, widget: QObject) -> QAccessibleInterface | None:
    if class_name != ScrollArea.__name__ or not isinstance(widget, ScrollArea):
        return None
    interface = QAccessibleWidget(widget, QAccessible.Role.Client)
    # Qt's accessibility cache owns the interface and deletes it with the widget; the widget
    # holds the Python side, so Python never deletes it first.
    widget.accessible_interface = interface  # type: ignore[attr-defined]
    return interface


def scrolling(content: QWidget) -> QScrollArea:
    """A frameless scroll area around ``content``: it fills the area while there is room and
    scrolls once the area is smaller than it; Tab to a control out of view scrolls to it."""
    area = ScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(content)
    area.viewport().setAutoFillBackground(False)
    content.setAutoFillBackground(False)
    return area


def titles_fit(header: QHeaderView, *, stretch_last: bool | None = None) -> None:
    """Every column at least as wide as its title (and sort arrow): a column sized in
    characters, or sized to its contents before the sort arrow showed, would cut its title
    off. ``stretch_last`` also sets whether the last column fills the width left (never less
    than its title, unlike a column in ``Stretch`` mode, which a narrow window squeezes)."""
    if stretch_last is not None:
        header.setStretchLastSection(stretch_last)
    shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
    last = max(shown, key=header.visualIndex, default=-1)
    stale = False
    for section in shown:
        needed = header.sectionSizeFromContents(section).width()
        if header.sectionSize(section) >= needed:
            continue
        mode = header.sectionResizeMode(section)
        if section == last and header.stretchLastSection():
            # A stretched last column keeps at least the size it was given.
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(section, needed)
        elif mode in (QHeaderView.ResizeMode.Interactive, QHeaderView.ResizeMode.Fixed):
            header.resizeSection(section, needed)
        elif mode == QHeaderView.ResizeMode.ResizeToContents:
            stale = True
    if stale:
        header.resizeSections()  # those sized to their contents, measured again


class TallEnough(QObject):
    """Keeps word-wrapped labels at least as tall as their text needs at the width they have,
    for layouts that size a label once, for a width they guessed (QWizard's subtitle)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watched: set[int] = set()

    def watch(self, label: QLabel) -> None:
        """Fit ``label`` now (its text may have changed), and whenever it is resized."""
        if id(label) not in self._watched:
            self._watched.add(id(label))
            label.installEventFilter(self)
        self._fit(label)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QLabel) and event.type() == QEvent.Type.Resize:
            self._fit(watched)
        return False

    @staticmethod
    def _fit(label: QLabel) -> None:
        needed = label.heightForWidth(label.width())
        if not label.wordWrap() or needed <= label.minimumHeight():
            return
        label.setMinimumHeight(needed)
        # QWizard also caps its header's height at what the subtitle needed before.
        holder = label.parentWidget()
        if holder is not None and holder.maximumHeight() < holder.minimumSizeHint().height():
            holder.setMaximumHeight(holder.minimumSizeHint().height())


def placeholder_width(edit: QLineEdit) -> int:
    """How wide ``edit`` must be to show its whole placeholder (frame and clear button too)."""
    metrics = edit.fontMetrics()
    # Qt's own size hint is 17 "x" wide plus the frame, the margins and any clear button.
    chrome = edit.sizeHint().width() - 17 * metrics.horizontalAdvance("x")
    return metrics.horizontalAdvance(edit.placeholderText()) + chrome


class FlowLayout(QLayout):
    """Items side by side, wrapping onto another line when the row is narrower than they
    need (a row of filters at 200%). On each line, the items that can grow (a horizontal size
    policy that expands) share the room left over."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []

    def add_layout(self, layout: QLayout) -> None:
        """A group kept together on one line (a label and its field)."""
        self.addChildLayout(layout)
        self.addItem(layout)

    # --- QLayout ------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """Everything on one line."""
        shown = self._shown()
        width = sum(item.sizeHint().width() for item in shown)
        width += self._gap() * max(0, len(shown) - 1)
        height = max((item.sizeHint().height() for item in shown), default=0)
        return QSize(width, height) + self._margin_size()

    def minimumSize(self) -> QSize:
        """One item a line: as wide as the widest item's minimum."""
        shown = self._shown()
        width = max((item.minimumSize().width() for item in shown), default=0)
        height = max((item.minimumSize().height() for item in shown), default=0)
        return QSize(width, height) + self._margin_size()

    # --- laying out ---------------------------------------------------------------------

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _gap(self) -> int:
        if self.spacing() >= 0:
            return self.spacing()
        parent = self.parentWidget()
        style = parent.style() if parent is not None else None
        if style is None:
            return 6
        gap = style.pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing, None, parent)
        if gap < 0:
            kind = QSizePolicy.ControlType.DefaultType
            gap = style.layoutSpacing(kind, kind, Qt.Orientation.Horizontal, None, parent)
        return max(gap, 0)

    def _margin_size(self) -> QSize:
        margins = self.contentsMargins()
        return QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place the items in ``rect`` (when ``move``); returns the height they take."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        gap = self._gap()
        lines: list[list[tuple[QLayoutItem, int]]] = [[]]
        used = 0
        for item in self._shown():
            width = min(max(item.sizeHint().width(), item.minimumSize().width()), area.width())
            if lines[-1] and used + gap + width > area.width():
                lines.append([])
                used = 0
            used += (gap if lines[-1] else 0) + width
            lines[-1].append((item, width))
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(item.sizeHint().height() for item, _ in line)
            if move:
                self._place(line, area, y, height, gap)
            y += height + gap
        return y - gap - area.y() + margins.top() + margins.bottom() if y > area.y() else 0

    @staticmethod
    def _place(
        line: list[tuple[QLayoutItem, int]], area: QRect, y: int, height: int, gap: int
    ) -> None:
        spare = area.width() - sum(width for _, width in line) - gap * (len(line) - 1)
        growing = [
            item
            for item, _ in line
            if item.expandingDirections() & Qt.Orientation.Horizontal
            or (
                item.widget() is not None
                and item.widget().sizePolicy().horizontalPolicy()
                & QSizePolicy.PolicyFlag.ExpandFlag
            )
        ]
        share = spare // len(growing) if growing and spare > 0 else 0
        x = area.x()
        for item, width in line:
            given = width + (share if item in growing else 0)
            item_height = min(height, max(item.sizeHint().height(), item.minimumSize().height()))
            top = y + (height - item_height) // 2
            item.setGeometry(QRect(x, top, given, item_height))
            x += given + gap
