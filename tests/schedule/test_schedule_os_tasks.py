"""OS task definitions, checked on their content: time, command line, environment, quoting."""

from __future__ import annotations

import configparser
import plistlib
import shlex
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from app.schedule.os_tasks import (
    WINDOWS_TASK_NAME,
    OsTask,
    app_command,
    desktop_exec_quote,
    nightly_task,
    powershell_literal,
    sign_in_task,
)

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
WIN_EXE = r"C:\Program Files\RosterSync Ünïcode\rostersync.exe"
WIN_HOME = "C:\\Users\\José O'Brien\\Roster Sync 2024\\"
MAC_EXE = "/Applications/Roster Sync.app/Contents/MacOS/rostersync"
POSIX_HOME = "/home/josé/Roster Sync $HOME 100%"
LINUX_CMD = ["/opt/Roster Sync/bin/python3", "-m", "app"]


def windows_task() -> OsTask:
    return nightly_task(
        "windows", command=[WIN_EXE], home=WIN_HOME, time="02:30", folder=r"C:\Users\José\RS"
    )


def text(root: ET.Element, path: str) -> str:
    found = root.find(path, NS)
    assert found is not None, path
    return found.text or ""


def unit(content: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",), strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(content)
    return parser


def systemd_words(line: str) -> list[str]:
    # The generator always double-quotes; shlex undoes \\ and \" the same way systemd does.
    return [word.replace("%%", "%").replace("$$", "$") for word in shlex.split(line)]


# --- Windows -------------------------------------------------------------------------------


def test_windows_task_runs_nightly_at_the_time_and_catches_up() -> None:
    (xml_file,) = windows_task().files
    assert xml_file.encoding == "utf-16"
    root = ET.fromstring(xml_file.data())
    assert root.tag == f"{{{NS['t']}}}Task"
    trigger = "t:Triggers/t:CalendarTrigger"
    assert text(root, f"{trigger}/t:StartBoundary").endswith("T02:30:00")  # local, no offset
    assert text(root, f"{trigger}/t:ScheduleByDay/t:DaysInterval") == "1"
    assert text(root, "t:Settings/t:StartWhenAvailable") == "true"
    assert text(root, "t:Settings/t:MultipleInstancesPolicy") == "IgnoreNew"
    assert text(root, "t:Principals/t:Principal/t:LogonType") == "InteractiveToken"


def test_windows_task_sets_the_profile_and_quotes_paths() -> None:
    root = ET.fromstring(windows_task().files[0].data())
    assert text(root, "t:Actions/t:Exec/t:Command").endswith("powershell.exe")
    arguments = text(root, "t:Actions/t:Exec/t:Arguments")
    # How powershell.exe splits its command line (the MSVC rules list2cmdline writes for).
    assert arguments.startswith("-NoProfile -NonInteractive -WindowStyle Hidden -Command ")
    script = arguments.split(" -Command ", 1)[1]
    assert script.startswith('"') and script.endswith('"')
    script = script[1:-1]
    assert "$env:ROSTERSYNC_HOME = 'C:\\Users\\José O''Brien\\Roster Sync 2024\\';" in script
    assert f"& '{WIN_EXE}' 'sync' '--scheduled'" in script
    assert script.endswith("exit $LASTEXITCODE")


def test_windows_register_and_unregister_commands() -> None:
    task = windows_task()
    (create,) = task.register
    assert create.argv == (
        "schtasks",
        "/Create",
        "/XML",
        r"C:\Users\José\RS\rostersync-nightly-task.xml",
        "/TN",
        WINDOWS_TASK_NAME,
        "/F",
    )
    assert create.display("windows") == (
        r"schtasks /Create /XML C:\Users\José\RS\rostersync-nightly-task.xml"
        ' /TN "RosterSync nightly sync" /F'
    )
    (delete,) = task.unregister
    assert delete.argv == ("schtasks", "/Delete", "/TN", WINDOWS_TASK_NAME, "/F")


def test_windows_sign_in_uses_the_run_key() -> None:
    task = sign_in_task("windows", command=[WIN_EXE], home=WIN_HOME, folder="C:\\RS")
    assert task.files == ()
    (add,) = task.register
    assert add.argv[:5] == (
        "reg",
        "add",
        r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run",
        "/v",
        "RosterSync",
    )
    value = add.argv[add.argv.index("/d") + 1]
    assert value.startswith("%SystemRoot%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe ")
    assert f"Start-Process -FilePath '{WIN_EXE}'" in value
    assert "'C:\\Users\\José O''Brien\\Roster Sync 2024\\'" in value
    assert "--scheduled" not in value
    (delete,) = task.unregister
    assert delete.argv[:3] == (
        "reg",
        "delete",
        r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run",
    )


def test_windows_sign_in_passes_extra_arguments_as_one_command_line() -> None:
    task = sign_in_task(
        "windows", command=[r"C:\Py 3\python.exe", "-m", "app"], home=WIN_HOME, folder="C:\\RS"
    )
    value = task.register[0].argv[-2]
    assert "-FilePath 'C:\\Py 3\\python.exe' -ArgumentList '-m app'" in value


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [("plain", "'plain'"), ("O'Brien", "'O''Brien'"), ("O\u2019Brien", "'O\u2019\u2019Brien'")],
)
def test_powershell_literal_doubles_every_single_quote(raw: str, quoted: str) -> None:
    assert powershell_literal(raw) == quoted


# --- macOS ---------------------------------------------------------------------------------


def test_macos_launch_agent_runs_nightly_with_the_profile(tmp_path: Path) -> None:
    task = nightly_task(
        "macos", command=[MAC_EXE], home=POSIX_HOME, time="02:05", folder=tmp_path, uid=501
    )
    (plist_file,) = task.files
    assert plist_file.name == "org.rostersync.nightly.plist"
    agent = plistlib.loads(plist_file.data())
    assert agent["Label"] == "org.rostersync.nightly"
    assert agent["StartCalendarInterval"] == {"Hour": 2, "Minute": 5}
    assert agent["ProgramArguments"] == [MAC_EXE, "sync", "--scheduled"]
    assert agent["EnvironmentVariables"] == {"ROSTERSYNC_HOME": POSIX_HOME}
    assert "RunAtLoad" not in agent
    plist_path = str(tmp_path / plist_file.name)
    assert [c.argv for c in task.register] == [
        ("launchctl", "bootout", "gui/501/org.rostersync.nightly"),
        ("launchctl", "bootstrap", "gui/501", plist_path),
    ]
    assert task.register[0].may_fail
    assert [c.argv for c in task.unregister] == [
        ("launchctl", "bootout", "gui/501/org.rostersync.nightly")
    ]
    assert (
        task.register[1].display("macos")
        == f"launchctl bootstrap gui/501 {shlex.quote(plist_path)}"
    )


def test_macos_sign_in_agent_runs_at_load(tmp_path: Path) -> None:
    task = sign_in_task("macos", command=[MAC_EXE], home=POSIX_HOME, folder=tmp_path)
    agent = plistlib.loads(task.files[0].data())
    assert agent["Label"] == "org.rostersync.app"
    assert agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == [MAC_EXE]
    assert agent["EnvironmentVariables"] == {"ROSTERSYNC_HOME": POSIX_HOME}
    assert "StartCalendarInterval" not in agent
    assert task.register == () and task.unregister == ()  # the file alone is enough


# --- Linux ---------------------------------------------------------------------------------


def linux_task(tmp_path: Path) -> OsTask:
    return nightly_task("linux", command=LINUX_CMD, home=POSIX_HOME, time="23:45", folder=tmp_path)


def test_systemd_timer_fires_nightly_and_persistently(tmp_path: Path) -> None:
    files = {f.name: f.content for f in linux_task(tmp_path).files}
    timer = unit(files["rostersync-nightly.timer"])
    assert timer["Timer"]["OnCalendar"] == "*-*-* 23:45:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "rostersync-nightly.service"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_systemd_service_runs_sync_with_the_profile(tmp_path: Path) -> None:
    files = {f.name: f.content for f in linux_task(tmp_path).files}
    service = unit(files["rostersync-nightly.service"])["Service"]
    assert service["Type"] == "oneshot"
    assert systemd_words(service["ExecStart"]) == [*LINUX_CMD, "sync", "--scheduled"]
    assert systemd_words(service["Environment"]) == [f"ROSTERSYNC_HOME={POSIX_HOME}"]
    # Unit files: % is a specifier everywhere, $ expands only on command lines.
    assert "100%%" in service["Environment"] and "$HOME" in service["Environment"]
    assert '"/opt/Roster Sync/bin/python3"' in service["ExecStart"]


def test_systemd_commands(tmp_path: Path) -> None:
    task = linux_task(tmp_path)
    assert [c.argv for c in task.register] == [
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", "rostersync-nightly.timer"),
    ]
    assert [c.argv for c in task.unregister] == [
        ("systemctl", "--user", "disable", "--now", "rostersync-nightly.timer")
    ]


def test_control_characters_in_a_path_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="control characters"):
        nightly_task("linux", command=["/bin/x\ny"], home="/h", time="02:00", folder=tmp_path)


def test_xdg_autostart_entry(tmp_path: Path) -> None:
    task = sign_in_task("linux", command=LINUX_CMD, home=POSIX_HOME, folder=tmp_path)
    (entry_file,) = task.files
    assert entry_file.name == "rostersync.desktop"
    entry = unit(entry_file.content)["Desktop Entry"]
    assert entry["Type"] == "Application"
    # Undo the spec's string escaping and %-doubling, then its shell-like quoting.
    exec_line = entry["Exec"].replace("\\\\", "\\").replace("%%", "%")
    # shlex keeps the backslash of \$ inside double quotes; the desktop spec drops it.
    words = [word.replace("\\$", "$") for word in shlex.split(exec_line)]
    assert words == ["env", f"ROSTERSYNC_HOME={POSIX_HOME}", *LINUX_CMD]


def test_desktop_exec_quote_escapes_backslashes_twice() -> None:
    assert desktop_exec_quote("plain") == "plain"
    assert desktop_exec_quote("a b") == '"a b"'
    assert desktop_exec_quote("a\\b") == '"a\\\\\\\\b"'


# --- files and commands --------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["windows", "macos", "linux"])
def test_every_nightly_task_parses_the_time(platform: str) -> None:
    with pytest.raises(ValueError, match="not a time of day"):
        nightly_task(platform, command=["x"], home="h", time="25:00", folder="f", uid=1)  # type: ignore[arg-type]


def test_write_and_remove(tmp_path: Path) -> None:
    task = linux_task(tmp_path / "units")
    written = task.write()
    assert sorted(p.name for p in written) == [
        "rostersync-nightly.service",
        "rostersync-nightly.timer",
    ]
    assert (tmp_path / "units" / "rostersync-nightly.timer").read_text(encoding="utf-8")
    task.remove()
    assert not any((tmp_path / "units").iterdir())


def test_windows_xml_is_written_as_utf16_with_bom(tmp_path: Path) -> None:
    task = nightly_task("windows", command=[WIN_EXE], home=WIN_HOME, time="02:00", folder=tmp_path)
    (path,) = task.write()
    raw = path.read_bytes()
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert "Ünïcode" in raw.decode("utf-16")


def test_display_quotes_for_each_shell() -> None:
    task = windows_task()
    assert subprocess.list2cmdline(task.register[0].argv) == task.register[0].display("windows")


def test_app_command_runs_this_app() -> None:
    command = app_command()
    assert command[0]
    assert command[1:] in ([], ["-m", "ui"])


def test_a_task_for_another_platform_is_written_into_the_folder_given(tmp_path: Path) -> None:
    task = nightly_task("windows", command=[WIN_EXE], home=WIN_HOME, time="02:00", folder=tmp_path)
    (path,) = task.write()
    assert path.parent == tmp_path
    task.remove()
    assert not path.exists()
