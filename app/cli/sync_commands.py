"""``sync`` and ``history``."""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from app.cli.output import positive_int, print_json, print_table
from app.context import AppContext
from app.errors import NotFoundError
from app.oneroster.client import MAX_PAGE_CONCURRENCY
from app.redaction import redact
from app.sync.engine import Progress, SyncMode, SyncRequest, SyncResult
from app.sync.scheduled_mode import scheduled_mode
from app.sync.wording import count_of, relinked_sentence


def register(commands: Any) -> None:
    sync = commands.add_parser("sync", help="run one sync")
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="fetch every user (the default)")
    mode.add_argument(
        "--delta", action="store_true", help="fetch only users changed since the last good sync"
    )
    sync.add_argument(
        "--dry-run", action="store_true", help="report what would change; change nothing"
    )
    sync.add_argument(
        "--allow-mass-deactivation",
        action="store_true",
        help="confirm a sync that deactivates more than the safety limit",
    )
    sync.add_argument("--scheduled", action="store_true", help="mark a run started by a scheduler")
    sync.add_argument(
        "--progress",
        action="store_true",
        help="print progress lines (stage done total) to standard error",
    )
    sync.add_argument("--json", action="store_true", help="print the result as JSON")
    sync.add_argument(
        "--concurrency",
        type=page_concurrency,
        metavar="N",
        help=f"page requests in flight at once, 1 to {MAX_PAGE_CONCURRENCY} (this run only; "
        "the default is the saved setting, normally 1)",
    )
    sync.set_defaults(handler=run_sync)

    history = commands.add_parser("history", help="past syncs, newest first")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.add_argument("--limit", type=positive_int, default=None, help="at most this many runs")
    history.add_argument(
        "--skips",
        type=positive_int,
        metavar="RUN",
        help="the people run RUN (its id in 'history --json') skipped, and why",
    )
    history.set_defaults(handler=run_history)


def page_concurrency(text: str) -> int:
    """An argparse type: how many page requests may be in flight at once."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PAGE_CONCURRENCY:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number from 1 to {MAX_PAGE_CONCURRENCY} (Infinite Campus allows "
            f"at most {MAX_PAGE_CONCURRENCY} requests at once)"
        )
    return value


def choose_mode(args: argparse.Namespace, context: AppContext) -> SyncMode:
    if args.delta:
        return "delta"
    if args.full or not args.scheduled:
        return "full"
    return scheduled_mode(context.settings.schedule.mode, context.history, datetime.now(UTC))


def _print_progress(progress: Progress) -> None:
    total = "" if progress.total is None else str(progress.total)
    sys.stderr.write(f"{progress.stage} {progress.done} {total}".rstrip() + "\n")
    sys.stderr.flush()


def run_sync(args: argparse.Namespace, context: AppContext) -> int:
    request = SyncRequest(
        mode=choose_mode(args, context),
        dry_run=args.dry_run,
        allow_mass_deactivation=args.allow_mass_deactivation,
        trigger="schedule" if args.scheduled else "cli",
    )
    cancel = threading.Event()
    result = context.engine(page_concurrency=args.concurrency).run(
        request, progress=_print_progress if args.progress else None, cancel=cancel
    )
    if args.json:
        print_json(result.to_json())
    else:
        _print_result(result)
    return 0 if result.succeeded else 1


def _print_result(result: SyncResult) -> None:
    counts = result.counts
    what = "Dry run (nothing changed)" if result.dry_run else "Sync"
    if result.status != "succeeded":
        sys.stderr.write(f"rostersync: {what} {result.status}: {redact(result.error or '')}\n")
        return
    print(
        f"{what} {result.status}: {counts.added} added, {counts.updated} updated, "
        f"{counts.deactivated} deactivated, {counts.unchanged} unchanged, "
        f"{counts.skipped} skipped."
    )
    if counts.relinked:
        print(f"  {relinked_sentence(counts.relinked)}")
    for reason, count in sorted(result.skipped_reasons.items()):
        print(f"  skipped, {reason.replace('_', ' ')}: {count}")


def run_history(args: argparse.Namespace, context: AppContext) -> int:
    if args.skips is not None:
        return _print_skips(args, context)
    runs = context.history.runs(limit=args.limit)
    if args.json:
        print_json([run.to_json() for run in runs])
        return 0
    print_table(
        [
            "run",
            "started",
            "trigger",
            "mode",
            "status",
            "added",
            "updated",
            "deactivated",
            "unchanged",
            "skipped",
            "error",
        ],
        [
            [
                run.id,
                run.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                run.trigger + (" (dry run)" if run.dry_run else ""),
                run.mode,
                run.status,
                run.counts.added,
                run.counts.updated,
                run.counts.deactivated,
                run.counts.unchanged,
                run.counts.skipped,
                run.error or "",
            ]
            for run in runs
        ],
    )
    return 0


def _print_skips(args: argparse.Namespace, context: AppContext) -> int:
    run = context.history.run(args.skips)
    if run is None:
        raise NotFoundError(f"There is no sync run {args.skips}; 'rostersync history' lists them.")
    skips = context.history.skips(args.skips)
    if run.skip_list_forgotten(len(skips)):
        left_out = count_of(run.counts.skipped, "person", "people")
        sys.stderr.write(
            f"rostersync: sync {run.id} left out {left_out}; who they were is no longer kept "
            "(these lists are kept as long as each person's history: story_retention_days in "
            "the settings, 365 days unless changed).\n"
        )
    if args.json:
        print_json([skip.to_json() for skip in skips])
        return 0
    print_table(
        ["name", "sourcedId", "reason", "detail"],
        [[s.name, s.sourced_id, s.reason.replace("_", " "), s.detail] for s in skips],
    )
    return 0
