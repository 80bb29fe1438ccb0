"""How fast and how light a sync is, against the download floor, at district scale (#6, #15).

Run: ``.venv/bin/python bench/sync_bench.py [--sizes 10000,100000,1000000] [--latency-size N]``

For each size, the demo server runs in its own process and serves a generated district. Then:

- **floor**: every page of /users fetched with plain ``requests``, one after another, bodies
  read and nothing else done with them;
- **fetching and parsing only**: the same pages through RosterSync's client, records parsed
  (where the sync's time goes beyond the floor, with the full sync's parts: download and
  staging, deciding, writing);
- **full**: a full sync into an empty directory;
- **unchanged**: the same full sync again (nothing changed);
- **delta 1%**: 1% of the users change, then a delta sync.

Each sync runs in a fresh worker process; its time is the engine's own (start-up and imports
excluded, as for the floor) and its peak memory is the worker's maximum resident set size.
Then, for ``--latency-size`` users behind each server profile (50 ms added to every request; a
real district's server: 100 ms, 0.2 ms per record sent, gzip): the floor, and a full sync serial
and with ``--concurrency`` parallel page requests. Prints one table with ratios.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {
    "full 100000": "at most 1.5 x floor",
    "full 1000000": "at most 2 x floor, under 180 s, under 150 MB (issue #15; #6 asked 400 MB)",
    "unchanged 100000": "at most 1.2 x floor",
    "delta 1%": "under 10% of the full sync",
    "latency": "concurrency 5 at least 3 x faster than serial, at 50 ms",
}


# --- the demo server, in its own process ---------------------------------------------------


def _serve(users: int, control: Connection) -> None:
    from app.demo.district import DemoDistrict
    from app.demo.server import DemoServer

    district = DemoDistrict(users=users, seed=1)
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
            if command == "faults":
                server.faults.update(value)
            elif command == "change":  # a share of the users get a new given name
                rng = random.Random(7)
                for index in rng.sample(range(users), int(users * value)):
                    district.update_user(f"u-{index:06d}", givenName=f"Changed{index}")
            control.send("done")


class DemoProcess:
    def __init__(self, users: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(users, theirs), daemon=True)
        self._process.start()
        self.values: dict = self._control.recv()

    def tell(self, command: str, value: object = None) -> None:
        self._control.send((command, value))
        self._control.recv()

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
    offset, total = 0, 1
    while offset < total:
        response = session.get(
            f"{values['base_url']}/users",
            params={"limit": page_size, "offset": offset},
            timeout=60,
        )
        response.raise_for_status()
        _ = response.content
        total = int(response.headers["X-Total-Count"])
        offset += page_size
    return time.perf_counter() - started


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


def run_worker(mode: str, concurrency: int) -> None:
    """In the worker process: one sync of the profile in ROSTERSYNC_HOME (or, for "pages",
    only fetching and parsing its users); prints its figures."""
    from app.context import AppContext
    from app.paths import Profile
    from app.sync.engine import SyncRequest

    context = AppContext(Profile.default())
    context.settings.page_concurrency = concurrency
    started = time.perf_counter()
    if mode == "pages":
        with context.client() as client:
            client.authenticate()
            users = sum(len(page.records) for page in client.user_pages())
        report = {"result": {"status": "succeeded", "users": users}}
    else:
        result = context.engine().run(SyncRequest(trigger="cli", mode=mode))  # type: ignore[arg-type]
        report = {"result": result.to_json(), "timings": result.timings}
    report["seconds"] = time.perf_counter() - started
    context.close()
    print(json.dumps(report))


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    summary: str
    timings: dict[str, float]


def measure_sync(home: Path, values: dict, mode: str, concurrency: int = 1) -> Measured:
    command = [sys.executable, __file__, "--worker", mode, "--concurrency", str(concurrency)]
    process = subprocess.Popen(
        command, env=_worker_environment(home, values), stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
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
    return Measured(report["seconds"], usage.ru_maxrss / 1024, counts, report.get("timings", {}))


# --- the table -------------------------------------------------------------------------------


def row(case: str, seconds: float, floor: float, peak: str = "", note: str = "") -> str:
    return f"| {case} | {seconds:.2f} s | {seconds / floor:.2f} | {peak} | {note} |"


def bench_size(users: int, page_size: int, scratch: Path) -> list[str]:
    demo = DemoProcess(users)
    try:
        floor = floor_seconds(demo.values, page_size)
        home = scratch / f"district-{users}"
        set_up_profile(home, demo.values)
        pages = measure_sync(home, demo.values, "pages")
        full = measure_sync(home, demo.values, "full")
        unchanged = measure_sync(home, demo.values, "full")
        demo.tell("change", 0.01)
        delta = measure_sync(home, demo.values, "delta")
    finally:
        demo.stop()
    name = f"{users:,} users"
    return [
        row(f"{name}: floor", floor, floor),
        row(f"{name}: fetching and parsing only", pages.seconds, floor),
        row(f"{name}: full sync", full.seconds, floor, f"{full.peak_mb:.0f} MB", full.summary),
        f"| {name}: full sync's parts | "
        + ", ".join(f"{part} {seconds:.2f} s" for part, seconds in full.timings.items())
        + " | | | |",
        row(
            f"{name}: unchanged re-sync",
            unchanged.seconds,
            floor,
            f"{unchanged.peak_mb:.0f} MB",
            unchanged.summary,
        ),
        row(
            f"{name}: delta after 1% changed",
            delta.seconds,
            floor,
            f"{delta.peak_mb:.0f} MB",
            f"{delta.seconds / full.seconds:.1%} of the full sync; {delta.summary}",
        ),
    ]


#: Servers farther away than loopback: what each adds to every request and page.
PROFILES = {
    "50 ms latency": {"latency": 0.05},
    # A real district's server: 100 ms away, 0.2 ms to read each person it sends, gzip.
    "a real district's server": {"latency": 0.1, "seconds_per_record": 0.0002, "gzip": True},
}


def bench_profile(
    profile: str, users: int, page_size: int, concurrency: int, scratch: Path
) -> list[str]:
    demo = DemoProcess(users)
    try:
        demo.tell("faults", PROFILES[profile])
        floor = floor_seconds(demo.values, page_size)
        serial_home, parallel_home = scratch / f"{profile}-serial", scratch / f"{profile}-parallel"
        set_up_profile(serial_home, demo.values)
        set_up_profile(parallel_home, demo.values)
        serial = measure_sync(serial_home, demo.values, "full")
        parallel = measure_sync(parallel_home, demo.values, "full", concurrency)
    finally:
        demo.stop()
    name = f"{users:,} users, {profile}"
    return [
        row(f"{name}: floor (serial)", floor, floor),
        row(f"{name}: full sync, serial", serial.seconds, floor, f"{serial.peak_mb:.0f} MB"),
        row(
            f"{name}: full sync, concurrency {concurrency}",
            parallel.seconds,
            floor,
            f"{parallel.peak_mb:.0f} MB",
            f"{serial.seconds / parallel.seconds:.1f} x faster than serial",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--latency-size", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--worker", choices=("full", "delta", "pages"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker, args.concurrency)
        return 0

    lines = ["| case | time | x floor | peak memory | notes |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="rostersync-sync-bench-") as scratch:
        for users in (int(size) for size in args.sizes.split(",") if size):
            lines += bench_size(users, args.page_size, Path(scratch))
            print("\n".join(lines[-6:]), flush=True)
        for profile in PROFILES if args.latency_size else ():
            lines += bench_profile(
                profile, args.latency_size, args.page_size, args.concurrency, Path(scratch)
            )
            print("\n".join(lines[-3:]), flush=True)
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs; targets: {TARGETS}\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
