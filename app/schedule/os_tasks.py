"""Operating-system task definitions: the nightly sync and "start RosterSync when I sign in".

For computers where the app is not left running, the OS scheduler runs
``rostersync sync --scheduled`` each night. Everything here is generated, not run: each
builder returns the files to write and the exact commands that register and unregister them,
so Settings can show the commands to the person before running them.

- Windows: a Task Scheduler task (XML, ``schtasks /Create /XML``, ``StartWhenAvailable`` so a
  missed night is made up); sign-in via the ``HKCU\\...\\Run`` registry key.
- macOS: LaunchAgents (``StartCalendarInterval``; ``RunAtLoad`` for sign-in).
- Linux: a systemd user timer + service (``Persistent=true``); sign-in via an XDG autostart
  ``.desktop`` file.

The profile folder reaches the task as ``ROSTERSYNC_HOME`` in its environment.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Literal
from xml.etree import ElementTree as ET

from app.paths import HOME_VARIABLE
from app.schedule.nightly import parse_time

Platform = Literal["windows", "macos", "linux"]

SYNC_ARGUMENTS = ("sync", "--scheduled")
WINDOWS_TASK_NAME = "RosterSync nightly sync"
WINDOWS_RUN_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"
WINDOWS_RUN_VALUE = "RosterSync"
WINDOWS_TASK_FILE = "rostersync-nightly-task.xml"
POWERSHELL = r"%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
MACOS_NIGHTLY_LABEL = "org.rostersync.nightly"
MACOS_SIGN_IN_LABEL = "org.rostersync.app"
LINUX_UNIT = "rostersync-nightly"
LINUX_AUTOSTART_FILE = "rostersync.desktop"
TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"


@dataclass(frozen=True)
class Command:
    """One command line, as an argument list (run it with ``subprocess.run(argv)``)."""

    argv: tuple[str, ...]
    #: True for a cleanup step that fails harmlessly when there is nothing to clean up.
    may_fail: bool = False

    def display(self, platform: Platform) -> str:
        """The command as the person would type it in that platform's shell."""
        if platform == "windows":
            return subprocess.list2cmdline(self.argv)
        return shlex.join(self.argv)


@dataclass(frozen=True)
class TaskFile:
    name: str
    content: str
    encoding: str = "utf-8"

    def data(self) -> bytes:
        return self.content.encode(self.encoding)


@dataclass(frozen=True)
class OsTask:
    """Files to write into ``folder`` plus the commands that register and unregister them.

    Unregistering is the ``unregister`` commands followed by ``remove()``.
    """

    platform: Platform
    #: A sentence for the person: what this does and its limits.
    description: str
    folder: PurePath
    files: tuple[TaskFile, ...]
    register: tuple[Command, ...] = field(default=())
    unregister: tuple[Command, ...] = field(default=())
    #: The folder as this computer names it, for ``write``/``remove``. ``folder`` is written in
    #: the task platform's own path syntax for the commands, which on another platform (tests)
    #: would be a relative name full of backslashes.
    local_folder: Path | None = None

    def path_of(self, name: str) -> PurePath:
        return self.folder / name

    def local_path(self, name: str) -> Path:
        return (self.local_folder if self.local_folder is not None else Path(self.folder)) / name

    def write(self) -> list[Path]:
        written = []
        for item in self.files:
            target = self.local_path(item.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.data())
            written.append(target)
        return written

    def remove(self) -> None:
        for item in self.files:
            self.local_path(item.name).unlink(missing_ok=True)


def current_platform() -> Platform:
    if sys.platform == "win32":
        return "windows"
    return "macos" if sys.platform == "darwin" else "linux"


def app_command() -> list[str]:
    """The argument list that starts this RosterSync (a frozen build, or Python running it)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "ui"]  # the whole app: the sign-in task opens the window


def default_folder(platform: Platform, kind: Literal["nightly", "sign-in"], home: str) -> Path:
    """Where the OS looks for the files (on Windows the task XML is kept in the profile)."""
    if platform == "windows":
        return Path(home)
    if platform == "macos":
        return Path.home() / "Library" / "LaunchAgents"
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / ("systemd/user" if kind == "nightly" else "autostart")


def nightly_task(
    platform: Platform,
    *,
    command: Sequence[str],
    home: str | os.PathLike[str],
    time: str,
    folder: str | os.PathLike[str] | None = None,
    uid: int | None = None,
) -> OsTask:
    """The OS task that runs ``command sync --scheduled`` each night at ``time`` ("HH:MM").

    ``uid`` (macOS only) names the person's launchd domain; None means the current user.
    """
    home = os.fspath(home)
    place = os.fspath(folder if folder is not None else default_folder(platform, "nightly", home))
    if platform == "windows":
        task = windows_nightly(command, home, time, place)
    elif platform == "macos":
        task = macos_nightly(command, home, time, place, uid)
    else:
        task = linux_nightly(command, home, time, place)
    return replace(task, local_folder=Path(place))


def sign_in_task(
    platform: Platform,
    *,
    command: Sequence[str],
    home: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
) -> OsTask:
    """The definition that opens RosterSync (``command`` with no arguments) at sign-in."""
    home = os.fspath(home)
    place = os.fspath(folder if folder is not None else default_folder(platform, "sign-in", home))
    if platform == "windows":
        task = windows_sign_in(command, home, place)
    elif platform == "macos":
        task = macos_sign_in(command, home, place)
    else:
        task = linux_sign_in(command, home, place)
    return replace(task, local_folder=Path(place))


# --- Windows ------------------------------------------------------------------------------


def powershell_literal(text: str) -> str:
    """``text`` as a PowerShell single-quoted string (no expansion of ``$`` or backticks)."""
    # PowerShell also ends single-quoted strings at the typographic quotes.
    for quote in "'\u2018\u2019\u201a\u201b":
        text = text.replace(quote, quote * 2)
    return f"'{text}'"


def _powershell_argv(script: str) -> list[str]:
    # Task Scheduler and Run-key actions cannot set environment variables, so a hidden
    # PowerShell sets ROSTERSYNC_HOME and starts RosterSync. Its single-quoted literals are
    # the one Windows quoting with no expansion of $, backticks or %.
    return ["-NoProfile", "-NonInteractive", "-WindowStyle", "Hidden", "-Command", script]


def _set_home(home: str) -> str:
    return f"$env:{HOME_VARIABLE} = {powershell_literal(home)}"


def windows_sync_script(command: Sequence[str], home: str) -> str:
    program, *rest = [*command, *SYNC_ARGUMENTS]
    arguments = " ".join(powershell_literal(a) for a in rest)
    return f"{_set_home(home)}; & {powershell_literal(program)} {arguments}; exit $LASTEXITCODE"


def windows_start_script(command: Sequence[str], home: str) -> str:
    program, *rest = command
    script = f"{_set_home(home)}; Start-Process -FilePath {powershell_literal(program)}"
    if rest:
        # Start-Process joins its arguments with spaces, so they go as one Windows command line.
        script += f" -ArgumentList {powershell_literal(subprocess.list2cmdline(rest))}"
    return script


def _element(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{TASK_NAMESPACE}}}{tag}")
    if text is not None:
        child.text = text
    return child


def windows_task_xml(command: Sequence[str], home: str, at: str) -> str:
    start = parse_time(at)
    ET.register_namespace("", TASK_NAMESPACE)
    task = ET.Element(f"{{{TASK_NAMESPACE}}}Task", {"version": "1.2"})
    info = _element(task, "RegistrationInfo")
    _element(info, "Description", "Runs the RosterSync nightly sync (rostersync sync --scheduled).")
    trigger = _element(_element(task, "Triggers"), "CalendarTrigger")
    # No UTC offset: the boundary is local wall-clock time, so the task follows DST changes.
    _element(trigger, "StartBoundary", f"2000-01-01T{start:%H:%M}:00")
    _element(trigger, "Enabled", "true")
    _element(_element(trigger, "ScheduleByDay"), "DaysInterval", "1")
    principal = _element(_element(task, "Principals"), "Principal")
    principal.set("id", "Author")
    # Interactive: the client secret is in the person's Credential Manager, which a task
    # running without their sign-in (S4U) cannot open.
    _element(principal, "LogonType", "InteractiveToken")
    _element(principal, "RunLevel", "LeastPrivilege")
    settings = _element(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("StartWhenAvailable", "true"),
        ("ExecutionTimeLimit", "PT4H"),
        ("Enabled", "true"),
    ):
        _element(settings, tag, value)
    actions = _element(task, "Actions")
    actions.set("Context", "Author")
    action = _element(actions, "Exec")
    _element(action, "Command", POWERSHELL)
    script = windows_sync_script(command, home)
    _element(action, "Arguments", subprocess.list2cmdline(_powershell_argv(script)))
    ET.indent(task)
    body = ET.tostring(task, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-16"?>\n{body}\n'


def windows_nightly(command: Sequence[str], home: str, at: str, folder: str) -> OsTask:
    target = PureWindowsPath(folder)
    xml_file = TaskFile(WINDOWS_TASK_FILE, windows_task_xml(command, home, at), "utf-16")
    create = ("schtasks", "/Create", "/XML", str(target / WINDOWS_TASK_FILE))
    return OsTask(
        platform="windows",
        description=(
            f"Windows Task Scheduler runs the sync every night at {at} while you are signed in; "
            "a night missed because the computer was off or asleep runs as soon as it is back."
        ),
        folder=target,
        files=(xml_file,),
        register=(Command((*create, "/TN", WINDOWS_TASK_NAME, "/F")),),
        unregister=(Command(("schtasks", "/Delete", "/TN", WINDOWS_TASK_NAME, "/F")),),
    )


def windows_sign_in(command: Sequence[str], home: str, folder: str) -> OsTask:
    """Sign-in through the Run registry key (no Startup-folder shortcut)."""
    script = windows_start_script(command, home)
    line = subprocess.list2cmdline([POWERSHELL, *_powershell_argv(script)])
    key = ("reg", "add", WINDOWS_RUN_KEY, "/v", WINDOWS_RUN_VALUE)
    return OsTask(
        platform="windows",
        description="RosterSync opens when you sign in to Windows (the Run registry key).",
        folder=PureWindowsPath(folder),
        files=(),
        # REG_EXPAND_SZ: the value starts with %SystemRoot%.
        register=(Command((*key, "/t", "REG_EXPAND_SZ", "/d", line, "/f")),),
        unregister=(
            Command(("reg", "delete", WINDOWS_RUN_KEY, "/v", WINDOWS_RUN_VALUE, "/f"), True),
        ),
    )


# --- macOS --------------------------------------------------------------------------------


def _plist(content: dict[str, object]) -> str:
    return plistlib.dumps(content, fmt=plistlib.FMT_XML).decode("utf-8")


def macos_nightly(
    command: Sequence[str], home: str, at: str, folder: str, uid: int | None = None
) -> OsTask:
    start = parse_time(at)
    name = f"{MACOS_NIGHTLY_LABEL}.plist"
    log = str(PurePosixPath(home) / "logs" / "launchd-nightly.log")
    plist = _plist(
        {
            "Label": MACOS_NIGHTLY_LABEL,
            "ProgramArguments": [*command, *SYNC_ARGUMENTS],
            "EnvironmentVariables": {HOME_VARIABLE: home},
            "StartCalendarInterval": {"Hour": start.hour, "Minute": start.minute},
            "ProcessType": "Background",
            "StandardOutPath": log,
            "StandardErrorPath": log,
        }
    )
    domain = f"gui/{os.getuid() if uid is None else uid}"
    target = PurePosixPath(folder)
    bootout = Command(("launchctl", "bootout", f"{domain}/{MACOS_NIGHTLY_LABEL}"), may_fail=True)
    return OsTask(
        platform="macos",
        description=(
            f"macOS runs the sync every night at {start:%H:%M}; a night missed while the Mac "
            "slept runs when it wakes (a night it was shut down is made up by the app)."
        ),
        folder=target,
        files=(TaskFile(name, plist),),
        # bootout first: bootstrap refuses a label that is already loaded (changing the time).
        register=(bootout, Command(("launchctl", "bootstrap", domain, str(target / name)))),
        unregister=(bootout,),
    )


def macos_sign_in(command: Sequence[str], home: str, folder: str) -> OsTask:
    plist = _plist(
        {
            "Label": MACOS_SIGN_IN_LABEL,
            "ProgramArguments": list(command),
            "EnvironmentVariables": {HOME_VARIABLE: home},
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )
    # No launchctl: launchd reads the folder at every sign-in, and a bootout would quit the
    # RosterSync that launchd started, i.e. the one the person is using.
    return OsTask(
        platform="macos",
        description="RosterSync opens when you sign in to this Mac (a LaunchAgent).",
        folder=PurePosixPath(folder),
        files=(TaskFile(f"{MACOS_SIGN_IN_LABEL}.plist", plist),),
    )


# --- Linux --------------------------------------------------------------------------------


def systemd_quote(argument: str, *, command_line: bool = False) -> str:
    """One word for a unit file, double-quoted with C escapes; ``%`` is a specifier there,
    and on command lines ``$`` expands variables."""
    if any(ord(char) < 32 for char in argument):
        raise ValueError("A path for the scheduled task cannot contain control characters.")
    text = argument.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if command_line:
        text = text.replace("$", "$$")
    return f'"{text}"'


def linux_nightly(command: Sequence[str], home: str, at: str, folder: str) -> OsTask:
    start = parse_time(at)
    exec_start = " ".join(systemd_quote(a, command_line=True) for a in (*command, *SYNC_ARGUMENTS))
    service = (
        "[Unit]\n"
        "Description=RosterSync nightly sync\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"Environment={systemd_quote(f'{HOME_VARIABLE}={home}')}\n"
        f"ExecStart={exec_start}\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=RosterSync nightly sync at {start:%H:%M}\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {start:%H:%M}:00\n"
        "Persistent=true\n"
        f"Unit={LINUX_UNIT}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    systemctl = ("systemctl", "--user")
    timer_name = f"{LINUX_UNIT}.timer"
    return OsTask(
        platform="linux",
        description=(
            f"systemd runs the sync every night at {start:%H:%M} while you are signed in; a "
            "missed night runs at the next start. To run it while signed out, an administrator "
            "can enable lingering (loginctl enable-linger)."
        ),
        folder=PurePosixPath(folder),
        files=(TaskFile(f"{LINUX_UNIT}.service", service), TaskFile(timer_name, timer)),
        register=(
            Command((*systemctl, "daemon-reload")),
            Command((*systemctl, "enable", "--now", timer_name)),
        ),
        unregister=(Command((*systemctl, "disable", "--now", timer_name), may_fail=True),),
    )


def desktop_exec_quote(argument: str) -> str:
    """One argument of a desktop entry's ``Exec`` key (the spec's quoting, then its string
    escaping, which doubles every backslash again; ``%`` is a field code there)."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if any(ord(char) < 32 and char != "\t" for char in argument):
        raise ValueError("A path for the sign-in entry cannot contain control characters.")
    if argument and not reserved & set(argument):
        quoted = argument
    else:
        escaped = "".join(f"\\{c}" if c in '"`$\\' else c for c in argument)
        quoted = f'"{escaped}"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def linux_sign_in(command: Sequence[str], home: str, folder: str) -> OsTask:
    argv = ["env", f"{HOME_VARIABLE}={home}", *command]
    entry = (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=RosterSync\n"
        "Comment=Keeps the district's staff and students in sync\n"
        f"Exec={' '.join(desktop_exec_quote(a) for a in argv)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )
    return OsTask(
        platform="linux",
        description="RosterSync opens when you sign in (an XDG autostart entry).",
        folder=PurePosixPath(folder),
        files=(TaskFile(LINUX_AUTOSTART_FILE, entry),),
    )
