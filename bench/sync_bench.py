"""How fast and how light a sync is, against the download floor, at district scale (#6, #15).

Run: ``.venv/bin/python bench/sync_bench.py [--sizes 10000,100000,1000000] [--latency-size N]
[--repeat N]``

For each size, the demo server runs in its own process and serves a generated district (its
people's ids GUIDs, as Infinite Campus's 1.2 connection sends them, in no order). Then:

- **floor**: every page of /users fetched with plain ``requests``, one after another, bodies
  read and nothing else done with them;
- **fetching and parsing only**: the same pages through RosterSync's client, records parsed
  (where the sync's time goes beyond the floor, with the full sync's parts: download and
  staging, deciding, writing);
- **full**: a full sync into an empty directory;
- **unchanged**: the same full sync again (nothing changed);
- **delta 1%**: 1% of the users change, then a delta sync.

Each sync runs in a fresh worker process; its time is the engine's own (start-up and imports
excluded, as for the floor) and its peak memory is the worker's maximum resident set size. The
parts rows add the CPU both sides used meanwhile, the sync's (every thread) and the server's:
with the two on one machine, a sync cannot end before their sum spread over its cores.
Then, for ``--latency-size`` users behind each server profile (50 ms added to every request; a
real district's server: 100 ms, 0.2 ms per record sent, gzip): the floor, and a full sync serial
and with ``--concurrency`` parallel page requests. Prints one table with ratios.

With ``--repeat N``, each size and profile is measured N times over, every round into an empty
directory, and each case's row is its fastest round (the floor's too): on a shared machine,
other work only ever adds time, so the fastest round is the nearest to what the code costs.
Peak memory is the highest of any round.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Final

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.settings import Settings  # noqa: E402 - needs ROOT on the path

#: Issue #15's bars (#6 asked for 400 MB at 1,000,000; #15 for 150 MB, since the design streams).
#: Judged at the sizes the issue names; other sizes are measured only.
FULL_X_FLOOR: Final = {100_000: 1.5, 1_000_000: 2.0}
UNCHANGED_X_FLOOR: Final = 1.2
DELTA_SHARE_OF_FULL: Final = 0.10
PEAK_MB_AT_MILLION: Final = 150
CONCURRENCY_SPEED_UP: Final = 3.0  # concurrency 5 against serial, at 50 ms latency


# --- the demo server, in its own process ---------------------------------------------------


def _serve(users: int, control: Connection) -> None:
    from app.demo.district import DemoDistrict
    from app.demo.people import sourced_id
    from app.demo.server import DemoServer

    # Ids shaped as Infinite Campus's 1.2 GUIDs: in no order, as a real district's come.
    district = DemoDistrict(users=users, seed=1, guid_ids=True)
    changes = 0
    with DemoServer(district, port=0) as server:
        control.send(
            {
                "token_url": server.token_url,
                "base_url": server.base_url,
                "client_id": server.client_id,
                "client_secret": server.client_secret,
                "site_names": district.local_site_names,
            }
        )
        while True:
            command, value = control.recv()
            if command == "stop":
                return
            if command == "cpu":  # the seconds of CPU this server has used so far
                control.send(time.process_time())
                continue
            if command == "faults":
                server.faults.update(value)
            elif command == "change":  # a share of the users get a new given name
                changes += 1
                rng = random.Random(changes)
                for index in rng.sample(range(users), int(users * value)):
                    name = f"Changed{changes}x{index}"
                    district.update_user(sourced_id(index, guid=True), givenName=name)
            control.send("done")


class DemoProcess:
    def __init__(self, users: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(users, theirs), daemon=True)
        self._process.start()
        self.values: dict = self._control.recv()

    def ask(self, command: str, value: object = None) -> object:
        """Send the server a command; returns its answer."""
        self._control.send((command, value))
        return self._control.recv()

    def cpu_seconds(self) -> float:
        seconds = self.ask("cpu")
        assert isinstance(seconds, float)
        return seconds

    def stop(self) -> None:
        self._control.send(("stop", None))
        self._process.join(timeout=30)


# --- the floor -------------------------------------------------------------------------------


def floor_seconds(values: dict, page_size: int) -> float:
    token = requests.post(
        values["token_url"],
        data={"grant_type": "client_credentials"},
        auth=(values["client_id"], values["client_secret"]),
        timeout=60,
    ).json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    # Follow the server's rel="next" links: a server capping pages silently (the demo does,
    # at 1,000) would otherwise have most of the district skipped by a stride of page_size.
    url: str | None = f"{values['base_url']}/users?limit={page_size}&offset=0"
    while url:
        response = session.get(url, timeout=60)
        response.raise_for_status()
        _ = response.content
        url = response.links.get("next", {}).get("url")
    return time.perf_counter() - started


def measure_floor(demo: DemoProcess, page_size: int) -> tuple[float, str]:
    """The floor, and a note of the server's CPU meanwhile."""
    server_cpu = demo.cpu_seconds()
    floor = floor_seconds(demo.values, page_size)
    return floor, f"CPU: server {demo.cpu_seconds() - server_cpu:.2f} s"


# --- syncs, each in a worker process ------------------------------------------------------


def _worker_environment(home: Path, values: dict) -> dict[str, str]:
    return {
        **os.environ,
        "ROSTERSYNC_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "ROSTERSYNC_CLIENT_SECRET": values["client_secret"],
    }


def set_up_profile(home: Path, values: dict) -> None:
    """Connect the profile to the demo server and map every school to its site."""
    from app.context import AppContext
    from app.paths import Profile
    from app.settings import ConnectionSettings
    from app.sync.matching import suggest_mapping

    os.environ.update(_worker_environment(home, values))
    context = AppContext(Profile(home).ensure())
    try:
        context.settings.connection = ConnectionSettings(
            enabled=True,
            base_url=values["base_url"],
            token_url=values["token_url"],
            client_id=values["client_id"],
        )
        context.save_settings()
        context.directory.add_sites(values["site_names"])
        with context.client() as client:
            context.directory.save_schools(client.schools())
        schools = [(school.sourced_id, school.name) for school in context.directory.schools()]
        for pair in suggest_mapping(schools, values["site_names"]):
            context.directory.map_school(pair.school_id, pair.site_name)
    finally:
        context.close()


def run_worker(mode: str, page_size: int, concurrency: int) -> None:
    """In the worker process: one sync of the profile in ROSTERSYNC_HOME (or, for "pages",
    only fetching and parsing its users); prints its figures."""
    from app.context import AppContext
    from app.paths import Profile
    from app.sync.engine import SyncRequest

    context = AppContext(Profile.default())
    context.settings.page_size = page_size
    context.settings.page_concurrency = concurrency
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "pages":
        with context.client() as client:
            client.authenticate()
            users = sum(len(page.records) for page in client.user_pages())
        report = {"result": {"status": "succeeded", "users": users}}
    else:
        result = context.engine().run(SyncRequest(trigger="cli", mode=mode))  # type: ignore[arg-type]
        report = {"result": result.to_json(), "timings": result.timings}
    report["seconds"] = time.perf_counter() - started
    report["cpu"] = time.process_time() - cpu_started
    context.close()
    print(json.dumps(report))


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float
    summary: str
    timings: dict[str, float]
    cpu: float  # the sync's own, every thread of the worker
    server_cpu: float  # the demo server's, meanwhile

    def parts(self) -> str:
        """Where the time went, and the CPU both sides used: on two cores, a sync cannot end
        before half of their sum."""
        timings = ", ".join(f"{part} {seconds:.2f} s" for part, seconds in self.timings.items())
        return (
            f"{timings}; CPU: sync {self.cpu:.2f} s + server {self.server_cpu:.2f} s "
            f"(half the sum: {(self.cpu + self.server_cpu) / 2:.2f} s)"
        )


def measure_sync(
    demo: DemoProcess, home: Path, mode: str, page_size: int, concurrency: int = 1
) -> Measured:
    values = demo.values
    command = [
        *(sys.executable, __file__, "--worker", mode),
        *("--page-size", str(page_size), "--concurrency", str(concurrency)),
    ]
    server_cpu = demo.cpu_seconds()
    process = subprocess.Popen(
        command, env=_worker_environment(home, values), stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    server_cpu = demo.cpu_seconds() - server_cpu
    if status != 0:
        raise SystemExit(f"the {mode} sync worker failed")
    report = json.loads(output)
    result = report["result"]
    if result["status"] != "succeeded":
        raise SystemExit(f"the {mode} sync did not succeed: {result.get('error')}")
    counts = ", ".join(
        f"{result[key]:,} {key}"
        for key in ("added", "updated", "deactivated", "unchanged", "skipped")
        if result.get(key)
    )
    return Measured(
        report["seconds"],
        usage.ru_maxrss / 1024,
        counts,
        report.get("timings", {}),
        report["cpu"],
        server_cpu,
    )


# --- the table -------------------------------------------------------------------------------


def row(case: str, seconds: float, floor: float, peak: str = "", note: str = "") -> str:
    return f"| {case} | {seconds:.2f} s | {seconds / floor:.2f} | {peak} | {note} |"


def verdict(target: str, measured: str, met: bool) -> str:
    return f"- {'met' if met else 'NOT MET'}: {target} (measured {measured})"


@dataclass
class Findings:
    rows: list[str]
    verdicts: list[str]


def fastest(rounds: list[Measured]) -> Measured:
    """The fastest of a case's rounds, with the highest peak memory of any."""
    best = min(rounds, key=lambda measured: measured.seconds)
    return replace(best, peak_mb=max(measured.peak_mb for measured in rounds))


def bench_size(users: int, page_size: int, scratch: Path, repeat: int) -> Findings:
    demo = DemoProcess(users)
    cases: dict[str, list[Measured]] = {"pages": [], "full": [], "unchanged": [], "delta": []}
    floors: list[tuple[float, str]] = []  # seconds first: the fastest is the least
    try:
        for round_number in range(repeat):
            floors.append(measure_floor(demo, page_size))
            home = scratch / f"district-{users}-{round_number}"
            set_up_profile(home, demo.values)
            cases["pages"].append(measure_sync(demo, home, "pages", page_size))
            cases["full"].append(measure_sync(demo, home, "full", page_size))
            cases["unchanged"].append(measure_sync(demo, home, "full", page_size))
            demo.ask("change", 0.01)
            cases["delta"].append(measure_sync(demo, home, "delta", page_size))
            shutil.rmtree(home)  # a million users' directory takes a gigabyte
    finally:
        demo.stop()
    floor, floor_note = min(floors)
    pages, full, unchanged, delta = (fastest(cases[case]) for case in cases)
    name = f"{users:,} users"
    rows = [
        row(f"{name}: floor", floor, floor, note=floor_note),
        row(f"{name}: fetching and parsing only", pages.seconds, floor),
        row(f"{name}: full sync", full.seconds, floor, f"{full.peak_mb:.0f} MB", full.summary),
        f"| {name}: full sync's parts | | | | {full.parts()} |",
        row(
            f"{name}: unchanged re-sync",
            unchanged.seconds,
            floor,
            f"{unchanged.peak_mb:.0f} MB",
            unchanged.summary,
        ),
        f"| {name}: unchanged re-sync's parts | | | | {unchanged.parts()} |",
        row(
            f"{name}: delta after 1% changed",
            delta.seconds,
            floor,
            f"{delta.peak_mb:.0f} MB",
            f"{delta.seconds / full.seconds:.1%} of the full sync; {delta.summary}",
        ),
    ]
    full_bar = FULL_X_FLOOR.get(users)
    if full_bar is None:
        return Findings(rows, [])
    full_x, unchanged_x = full.seconds / floor, unchanged.seconds / floor
    share = delta.seconds / full.seconds
    verdicts = [
        verdict(
            f"{name}: full sync at most {full_bar} x floor", f"{full_x:.2f}", full_x <= full_bar
        ),
        verdict(
            f"{name}: unchanged re-sync at most {UNCHANGED_X_FLOOR} x floor",
            f"{unchanged_x:.2f}",
            unchanged_x <= UNCHANGED_X_FLOOR,
        ),
        verdict(
            f"{name}: delta after 1% changed under {DELTA_SHARE_OF_FULL:.0%} of the full sync",
            f"{share:.1%}",
            share < DELTA_SHARE_OF_FULL,
        ),
    ]
    if users == 1_000_000:
        peak = max(full.peak_mb, unchanged.peak_mb, delta.peak_mb)
        verdicts.append(
            verdict(
                f"{name}: peak memory at most {PEAK_MB_AT_MILLION} MB",
                f"{peak:.0f} MB",
                peak <= PEAK_MB_AT_MILLION,
            )
        )
    return Findings(rows, verdicts)


#: Servers farther away than loopback: what each adds to every request and page.
PROFILES = {
    "50 ms latency": {"latency": 0.05},
    # A real district's server: 100 ms away, 0.2 ms to read each person it sends, gzip.
    # Infinite Campus serves pages of 5,000; the demo otherwise caps them at 1,000.
    "a real district's server": {
        "latency": 0.1,
        "seconds_per_record": 0.0002,
        "gzip": True,
        "page_size_cap": 5000,
    },
}


def bench_profile(
    profile: str, users: int, page_size: int, concurrency: int, scratch: Path, repeat: int
) -> Findings:
    demo = DemoProcess(users)
    floors: list[tuple[float, str]] = []  # seconds first: the fastest is the least
    serials: list[Measured] = []
    parallels: list[Measured] = []
    try:
        demo.ask("faults", PROFILES[profile])
        for round_number in range(repeat):
            floors.append(measure_floor(demo, page_size))
            serial_home = scratch / f"{profile}-serial-{round_number}"
            parallel_home = scratch / f"{profile}-parallel-{round_number}"
            set_up_profile(serial_home, demo.values)
            set_up_profile(parallel_home, demo.values)
            serials.append(measure_sync(demo, serial_home, "full", page_size))
            parallels.append(measure_sync(demo, parallel_home, "full", page_size, concurrency))
            shutil.rmtree(serial_home)
            shutil.rmtree(parallel_home)
    finally:
        demo.stop()
    floor, floor_note = min(floors)
    serial, parallel = fastest(serials), fastest(parallels)
    name = f"{users:,} users, {profile}"
    speed_up = serial.seconds / parallel.seconds
    rows = [
        row(f"{name}: floor (serial)", floor, floor, note=floor_note),
        row(f"{name}: full sync, serial", serial.seconds, floor, f"{serial.peak_mb:.0f} MB"),
        row(
            f"{name}: full sync, concurrency {concurrency}",
            parallel.seconds,
            floor,
            f"{parallel.peak_mb:.0f} MB",
            f"{speed_up:.1f} x faster than serial",
        ),
    ]
    verdicts = []
    if profile == "50 ms latency":
        verdicts.append(
            verdict(
                f"{name}: concurrency {concurrency} at least {CONCURRENCY_SPEED_UP} x serial",
                f"{speed_up:.1f} x",
                speed_up >= CONCURRENCY_SPEED_UP,
            )
        )
    return Findings(rows, verdicts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--latency-size", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of each case; the fastest is shown"
    )
    parser.add_argument(
        "--page-size",
        type=int,
        default=Settings().page_size,
        help="records asked for per page, by the floor and the syncs (default: the app's)",
    )
    parser.add_argument("--worker", choices=("full", "delta", "pages"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    if args.worker:
        run_worker(args.worker, args.page_size, args.concurrency)
        return 0

    found = Findings(
        ["| case | time | x floor | peak memory | notes |", "|---|---|---|---|---|"], []
    )

    def take(more: Findings) -> None:
        print("\n".join(more.rows), flush=True)
        found.rows += more.rows
        found.verdicts += more.verdicts

    with tempfile.TemporaryDirectory(prefix="rostersync-sync-bench-") as scratch:
        for users in (int(size) for size in args.sizes.split(",") if size):
            take(bench_size(users, args.page_size, Path(scratch), args.repeat))
        for profile in PROFILES if args.latency_size else ():
            take(
                bench_profile(
                    profile,
                    args.latency_size,
                    args.page_size,
                    args.concurrency,
                    Path(scratch),
                    args.repeat,
                )
            )
    print(
        f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, pages of {args.page_size:,}, "
        f"fastest of {args.repeat} round{'s' if args.repeat > 1 else ''}\n"
    )
    print("\n".join(found.rows))
    print("\nTargets (issue #15):")
    print("\n".join(found.verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
