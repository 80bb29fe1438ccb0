"""The packaged app's size and start-up time, against issue #5's budgets.

Run: ``.venv/bin/python bench/bundle_bench.py [--build] [--runs N] [--bundle DIR]``

``--build`` (or a missing bundle) first runs ``pyinstaller build.spec``. Size is every file in
the bundle folder. Start-up is from launching the bundle to the app logging that its first
window is shown, for a first run (the setup wizard, a new profile each time) and for a set-up
profile (the main window); ``QT_QPA_PLATFORM`` defaults to offscreen when there is no DISPLAY.
Prints each figure beside its budget: at most 130 MB, and a median under 1.5 s over the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE_BUDGET_MB = 130.0
START_BUDGET_S = 1.5
WINDOW_SHOWN = "First window shown"  # what ui/app.py logs
POLL_S = 0.005
TIMEOUT_S = 30.0


def build() -> None:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "build.spec"],
        cwd=ROOT,
        check=True,
    )


def bundle_size_bytes(bundle: Path) -> int:
    # Links (PyInstaller links some libraries into the top folder) take no space of their own.
    files = (path for path in bundle.rglob("*") if path.is_file() and not path.is_symlink())
    return sum(path.stat().st_size for path in files)


def time_to_first_window(executable: Path, home: Path) -> float:
    """Seconds from launch to the log line saying the first window is shown."""
    environment = {**os.environ, "ROSTERSYNC_HOME": str(home)}
    if not environment.get("DISPLAY"):
        environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    log_file = home / "logs" / "rostersync.log"
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(executable)], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            if log_file.exists() and WINDOW_SHOWN in log_file.read_text(errors="replace"):
                return time.perf_counter() - started
            if process.poll() is not None:
                raise SystemExit(f"the app exited with {process.returncode} before a window")
            time.sleep(POLL_S)
        raise SystemExit(f"no window within {TIMEOUT_S:.0f} s")
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT_S)


def first_run_times(executable: Path, runs: int, scratch: Path) -> list[float]:
    return [time_to_first_window(executable, scratch / f"new-{run}") for run in range(runs)]


def set_up_profile(home: Path) -> None:
    """Set up as the command line leaves a profile: a connection and a school mapped to a site.

    Nothing is contacted: the connection points at a closed port on this computer, and the
    nightly sync is off so that the app does not start one.
    """
    from app.context import AppContext
    from app.oneroster.records import School
    from app.paths import Profile
    from app.settings import ConnectionSettings

    campus = "http://127.0.0.1:9/campus"
    context = AppContext(Profile(home))
    try:
        context.settings.connection = ConnectionSettings(
            enabled=True,
            base_url=f"{campus}/api/oneroster/v1p2/bench/ims/oneroster/rostering/v1p2",
            token_url=f"{campus}/oauth2/token?appName=bench",
            client_id="bench",
        )
        context.settings.schedule.nightly = False
        context.save_settings()
        context.directory.add_sites(["Lincoln Elem"])
        context.directory.save_schools([School("bench-school", "Lincoln Elementary School")])
        context.directory.map_school("bench-school", "Lincoln Elem")
    finally:
        context.close()


def set_up_times(executable: Path, runs: int, scratch: Path) -> list[float]:
    home = scratch / "set-up"
    set_up_profile(home)
    times = []
    for _run in range(runs):
        (home / "logs" / "rostersync.log").unlink(missing_ok=True)
        times.append(time_to_first_window(executable, home))
    return times


def verdict(ok: bool) -> str:
    return "within budget" if ok else "OVER BUDGET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build the bundle first")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "RosterSync")
    args = parser.parse_args()
    executable = args.bundle / ("RosterSync.exe" if os.name == "nt" else "RosterSync")
    if args.build or not executable.exists():
        build()

    size = bundle_size_bytes(args.bundle)
    size_mb = size / 1e6
    print(f"bundle: {args.bundle}")
    print(
        f"size: {size_mb:.1f} MB ({size / 2**20:.1f} MiB), budget {SIZE_BUDGET_MB:.0f} MB: "
        f"{size_mb / SIZE_BUDGET_MB:.2f} of budget, {verdict(size_mb <= SIZE_BUDGET_MB)}"
    )
    ok = size_mb <= SIZE_BUDGET_MB
    with tempfile.TemporaryDirectory(prefix="rostersync-bench-") as scratch:
        for name, measure in (
            ("first run (setup wizard)", first_run_times),
            ("set up (main window)", set_up_times),
        ):
            times = measure(executable, args.runs, Path(scratch))
            median = statistics.median(times)
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(
                f"start to first window, {name}: median {median:.2f} s over {len(times)} runs "
                f"[{shown}], budget {START_BUDGET_S} s: {median / START_BUDGET_S:.2f} of budget, "
                f"{verdict(median < START_BUDGET_S)}"
            )
            ok = ok and median < START_BUDGET_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
