"""A private desktop for reading the real app's accessibility tree: Xvfb, a D-Bus session bus
(which starts the AT-SPI bus on demand, as a desktop session does) and the app under ``xcb``.

The tree is read by ``atspi_tree.py`` with the system Python (Debian's python3-pyatspi), so the
venv needs no GObject bindings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READER = Path(__file__).with_name("atspi_tree.py")
SYSTEM_PYTHON = "/usr/bin/python3"
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"


def missing_tools() -> str | None:
    """Why the tree cannot be read here, or None when it can."""
    for tool in ("Xvfb", "dbus-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install xvfb dbus-daemon)"
    if not Path(BUS_LAUNCHER).exists():
        return "the AT-SPI bus is not installed (apt-get install at-spi2-core)"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        return "pyatspi is not installed (apt-get install python3-pyatspi gir1.2-atspi-2.0)"
    return None


@dataclass(frozen=True)
class Node:
    path: str
    role: str
    name: str
    focusable: bool


@dataclass(frozen=True)
class Announcement:
    message: str
    urgent: bool


@dataclass(frozen=True)
class Reading:
    """What a screen reader could learn from one state of the app."""

    nodes: list[Node]
    announcements: list[Announcement]


class TreeNotReady(AssertionError):
    pass


class A11yDesktop:
    """One Xvfb screen and one session bus, shared by every app launched on it."""

    def __init__(self) -> None:
        self._runtime = tempfile.TemporaryDirectory(prefix="rostersync-a11y-")
        self._processes: list[subprocess.Popen[bytes]] = []
        self.env: dict[str, str] = {}

    def __enter__(self) -> A11yDesktop:
        try:
            display = self._start_xvfb()
            bus = self._start_bus()
        except BaseException:
            self.close()
            raise
        runtime = self._runtime.name
        self.env = {
            **os.environ,
            "DISPLAY": f":{display}",
            "DBUS_SESSION_BUS_ADDRESS": bus,
            "XDG_RUNTIME_DIR": runtime,
            "QT_QPA_PLATFORM": "xcb",
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
            "QT_ACCESSIBILITY": "1",
            "NO_AT_BRIDGE": "0",
        }
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        for process in reversed(self._processes):
            process.terminate()
        for process in self._processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        self._runtime.cleanup()

    def _start_xvfb(self) -> str:
        # -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
        read_end, write_end = os.pipe()
        process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_end),
                "-screen",
                "0",
                "1366x768x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        self._processes.append(process)
        with os.fdopen(read_end) as pipe:
            display = pipe.readline().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        return display

    def _start_bus(self) -> str:
        # The bus prints its address once it listens; the AT-SPI bus is started on demand
        # through its D-Bus service file, when Qt first asks for it.
        process = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "XDG_RUNTIME_DIR": self._runtime.name},
        )
        self._processes.append(process)
        assert process.stdout is not None
        address = process.stdout.readline().decode().strip()
        if not address:
            raise RuntimeError("dbus-daemon did not start")
        return address

    def read_state(
        self, state: str, ready: str, timeout: float = 60.0, *, until_announced: bool = False
    ) -> Reading:
        """Open ``scripts/show_state.py STATE``, wait until an object named like ``ready``
        shows (or, ``until_announced``, until the app announces a message like it), and
        return every showing object of the app and what it announced."""
        until = "announced" if until_announced else "shown"
        reader = subprocess.Popen(
            [SYSTEM_PYTHON, str(READER), until, ready, str(timeout)],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert reader.stdin is not None and reader.stdout is not None
        if reader.stdout.readline().strip() != "listening":
            _, reader_err = reader.communicate()
            raise RuntimeError(f"the AT-SPI reader did not start:\n{reader_err}")
        app = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "show_state.py"), state],
            cwd=ROOT,
            env={**self.env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            out, reader_err = reader.communicate(f"{app.pid}\n", timeout=timeout + 30)
        finally:
            reader.kill()
            app.terminate()
            try:
                _, app_err = app.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
                _, app_err = app.communicate()
        if reader.returncode not in (0, 3):
            raise RuntimeError(f"the AT-SPI reader failed:\n{reader_err}")
        found = json.loads(out)
        reading = Reading(
            nodes=[Node(n["path"], n["role"], n["name"], n["focusable"]) for n in found["nodes"]],
            announcements=[Announcement(a["message"], a["urgent"]) for a in found["announcements"]],
        )
        if reader.returncode == 3:
            seen = "\n".join(n.path for n in reading.nodes[:80]) or "(no accessible app at all)"
            raise TreeNotReady(
                f"nothing named like {ready!r} showed within {timeout:.0f} s in state "
                f"{state!r}; the app's tree:\n{seen}\napp stderr:\n{app_err.decode()[-3000:]}"
            )
        return reading
