"""What keeping each person's story costs a sync (issue #12).

Run: ``.venv/bin/python bench/story_bench.py [--users 100000] [--repeats 3]``

The demo server runs in its own process (as in ``sync_bench.py``). Each repeat makes two fresh
profiles and runs a first full sync of the whole district into each, one with the story kept
and one with the story's writer switched off, alternating, each in a fresh worker process
timed by the engine's own clock. Then an unchanged re-sync of a profile with the story, counting
the story's rows before and after. Prints the median of each, their ratio (the target: at most
1.15), and the rows the unchanged re-sync added (the target: none).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sync_bench import DemoProcess, _worker_environment, set_up_profile  # noqa: E402


def run_worker(story: bool) -> None:
    """In the worker process: one full sync of the profile in ROSTERSYNC_HOME; prints its
    seconds and the story's row counts before and after."""
    from sqlalchemy import func, select

    from app.context import AppContext
    from app.paths import Profile
    from app.store.models import PersonChange, PersonChangeField
    from app.sync import story as story_module
    from app.sync.engine import SyncRequest

    if not story:
        story_module.StoryWriter.record = lambda *_args, **_kwargs: None  # type: ignore[method-assign]
    context = AppContext(Profile.default())

    def rows() -> list[int]:
        with context.database.session() as session:
            return [
                session.scalar(select(func.count()).select_from(table))
                for table in (PersonChange, PersonChangeField)
            ]

    before = rows()
    started = time.perf_counter()
    result = context.engine().run(SyncRequest(trigger="cli"))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "result": result.to_json(),
        "seconds": seconds,
        "peak_mb": peak_mb,
        "before": before,
        "after": rows(),
    }
    context.close()
    print(json.dumps(report))


def measure(home: Path, values: dict, story: bool) -> dict:
    command = [sys.executable, __file__, "--worker", "story" if story else "none"]
    output = subprocess.run(
        command,
        env=_worker_environment(home, values),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    report = json.loads(output)
    if report["result"]["status"] != "succeeded":
        raise SystemExit(f"the sync did not succeed: {report['result'].get('error')}")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", choices=("story", "none"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args.worker == "story")
        return 0

    demo = DemoProcess(args.users)
    seconds: dict[bool, list[float]] = {True: [], False: []}
    try:
        with tempfile.TemporaryDirectory(prefix="rostersync-story-bench-") as scratch:
            for repeat in range(args.repeats):
                for story in (True, False) if repeat % 2 == 0 else (False, True):
                    home = Path(scratch) / f"{repeat}-{story}"
                    set_up_profile(home, demo.values)
                    first = measure(home, demo.values, story)
                    seconds[story].append(first["seconds"])
                    print(
                        f"first sync, story {'kept' if story else 'off'}: "
                        f"{first['seconds']:.2f} s, {first['peak_mb']:.0f} MB peak, "
                        f"story rows {first['after']}",
                        flush=True,
                    )
            again = measure(Path(scratch) / "0-True", demo.values, story=True)
    finally:
        demo.stop()
    kept, off = statistics.median(seconds[True]), statistics.median(seconds[False])
    added = [after - before for before, after in zip(again["before"], again["after"], strict=True)]
    print(f"\nPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.users:,} users\n")
    print("| case | median time | ratio | target |")
    print("|---|---|---|---|")
    print(f"| first sync, story off | {off:.2f} s | 1.00 | |")
    print(f"| first sync, story kept | {kept:.2f} s | {kept / off:.3f} | at most 1.15 |")
    print(
        f"| unchanged re-sync | {again['seconds']:.2f} s | story rows added: {added[0]} entries, "
        f"{added[1]} fields | none |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
