"""How light and how fast a OneRoster CSV package is read and synced at district scale.

Run: ``.venv/bin python bench/csv_bench.py [--users 1000000] [--versions 1.1,1.2] [--zip]``

Writes a package of ``--users`` people (1.2 with one to two roles each in roles.csv, in
another order than users.csv) into a temporary folder, then, each in a fresh worker process:

- **stream**: every page of users read through ``CsvSource`` (and for 1.2 joined with its
  roles), nothing else done;
- **sync**: a full sync of the package into an empty directory (``connect --csv``, every school
  mapped, usernames from email).

Prints each one's time and the worker's peak resident set size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.demo.csv_package import SCHOOLS, write_package, zipped  # noqa: E402

TARGET_MB = 200


# --- the workers, each in its own process ------------------------------------------------------


def stream_worker(package: str) -> dict:
    from app.oneroster_csv.source import CsvSource

    started = time.perf_counter()
    users = 0
    with CsvSource(package) as source:
        source.authenticate()
        source.schools()
        for page in source.user_pages():
            users += len(page.records)
    return {"seconds": time.perf_counter() - started, "users": users}


def sync_worker(package: str) -> dict:
    from app.cli.main import main
    from app.context import AppContext
    from app.paths import Profile
    from app.sync.engine import SyncRequest

    for command in (
        ["connect", "--csv", package],
        ["sites", "add", *(f"School {s:02d}" for s in range(SCHOOLS))],
        ["map", "--suggest", "--apply"],
    ):
        if main(command) != 0:
            raise SystemExit(f"'rostersync {' '.join(command[:2])}' failed")
    context = AppContext(Profile.default())
    started = time.perf_counter()
    result = context.engine().run(SyncRequest(mode="full"))
    seconds = time.perf_counter() - started
    context.close()
    return {"seconds": seconds, "status": result.status, "added": result.counts.added}


WORKERS = {"stream": stream_worker, "sync": sync_worker}


def run_worker(kind: str, package: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="csv-bench-home-") as home:
        env = {**os.environ, "ROSTERSYNC_HOME": home}
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        done = subprocess.run(
            [sys.executable, __file__, "--worker", kind, str(package)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--versions", default="1.1,1.2")
    parser.add_argument("--zip", action="store_true", help="read the package as one .zip")
    parser.add_argument("--no-sync", action="store_true", help="stream only")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, package = args.worker
        report = WORKERS[kind](package)
        report["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(report))
        return 0
    print(f"{'version':8} {'form':6} {'what':7} {'users':>9} {'seconds':>8} {'peak RSS':>9}")
    with tempfile.TemporaryDirectory(prefix="csv-bench-") as scratch:
        for version in args.versions.split(","):
            package = Path(scratch) / f"oneroster-{version}"
            write_package(package, args.users, version)
            if args.zip:
                package = zipped(package)
            for kind in ("stream",) if args.no_sync else ("stream", "sync"):
                report = run_worker(kind, package)
                count = report.get("users", report.get("added"))
                print(
                    f"{version:8} {'zip' if args.zip else 'folder':6} {kind:7} {count:>9,} "
                    f"{report['seconds']:>8.1f} {report['peak_mb']:>6.0f} MB",
                    flush=True,
                )
    print(f"Target: streaming stays under {TARGET_MB} MB whatever the size.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
