"""Print the AT-SPI tree of one running app as JSON, as a screen reader would see it, and what
the app announced meanwhile.

    /usr/bin/python3 tests/support/atspi_tree.py shown|announced READY_PATTERN TIMEOUT_SECONDS

Runs with the system Python, where Debian's python3-pyatspi lives, so the project's venv needs
no GObject bindings. It listens for announcements, prints ``listening`` and then reads the
process id of the app from standard input (so nothing the app says at its start is missed).
With ``shown`` it polls the accessibility bus until that app shows an object whose name
matches READY_PATTERN (a regular expression) and the tree stays the same from one poll to the
next; with ``announced``, until the app announces a message matching it. Then it prints
``{"nodes": [...], "announcements": [...]}``: every showing object (its path, role, name and
whether it is focusable) and every announcement (its message and whether it was urgent).
Exits 3 when the pattern does not appear in time (the last tree seen is printed, to say what
was there instead).
"""

from __future__ import annotations

import json
import re
import sys
import time

import pyatspi
from gi.repository import Atspi, GLib

POLL_MILLISECONDS = 100
#: AT-SPI's politeness of an announcement, in the event's detail1.
ASSERTIVE = 2
#: Tables expose every cell as a child; the cells past this many are not on screen anyway.
MAX_CHILDREN = 400


def find_app(pid: int) -> object | None:
    desktop = pyatspi.Registry.getDesktop(0)
    for index in range(desktop.childCount):
        app = desktop.getChildAtIndex(index)
        try:
            if app is not None and app.get_process_id() == pid:
                return app
        except Exception:  # an app that quit while we looked
            continue
    return None


def walk(node: object, path: str, out: list[dict[str, object]]) -> None:
    try:
        states = node.getState()
        role = node.getRoleName()
        name = node.name or ""
        count = node.childCount
    except Exception:  # the object went away while we read it (a page changing)
        return
    showing = states.contains(pyatspi.STATE_SHOWING)
    if not showing and path.count("/") > 1:
        return  # hidden subtrees (other wizard pages, closed menus) are not read out
    here = f"{path}/{role}[{name}]"
    out.append(
        {
            "path": here,
            "role": role,
            "name": name,
            "focusable": states.contains(pyatspi.STATE_FOCUSABLE),
            "showing": showing,
        }
    )
    for index in range(min(count, MAX_CHILDREN)):
        try:
            child = node.getChildAtIndex(index)
        except Exception:
            continue
        if child is not None:
            walk(child, here, out)


def snapshot(pid: int) -> list[dict[str, object]]:
    app = find_app(pid)
    if app is None:
        return []
    # libatspi caches children and states, and Qt does not signal every change (a wizard
    # turning a page): each poll reads the live tree.
    app.set_cache_mask(Atspi.Cache.NONE)
    app.clear_cache()
    nodes: list[dict[str, object]] = []
    walk(app, "", nodes)
    return nodes


class Watch:
    def __init__(self, ready: re.Pattern[str], timeout: float, until_announced: bool) -> None:
        self.ready = ready
        self.until_announced = until_announced
        self.deadline = time.monotonic() + timeout
        self.pid = 0
        self.nodes: list[dict[str, object]] = []
        self.announcements: list[dict[str, object]] = []
        self.found = False

    def heard(self, event: object) -> None:
        self.announcements.append(
            {"message": str(event.any_data), "urgent": event.detail1 == ASSERTIVE}
        )

    def poll(self) -> bool:
        if self.until_announced:
            # The tree is not read: uncached reads would make libatspi drop the events.
            self.found = any(self.ready.search(str(a["message"])) for a in self.announcements)
        else:
            nodes = snapshot(self.pid)
            shown = any(n["showing"] and self.ready.search(str(n["name"])) for n in nodes)
            # Shown and the same as one poll ago: the page has finished filling itself in.
            self.found = shown and nodes == self.nodes
            self.nodes = nodes
        if self.found or time.monotonic() > self.deadline:
            pyatspi.Registry.stop()
            return False
        return True


def main(argv: list[str]) -> int:
    watch = Watch(re.compile(argv[2]), float(argv[3]), until_announced=argv[1] == "announced")
    pyatspi.Registry.registerEventListener(watch.heard, "object:announcement")
    print("listening", flush=True)
    watch.pid = int(sys.stdin.readline())
    # How often to look, not a guess at when the app is ready.
    GLib.timeout_add(POLL_MILLISECONDS, watch.poll)
    pyatspi.Registry.start()
    print(json.dumps({"nodes": watch.nodes, "announcements": watch.announcements}))
    return 0 if watch.found else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
