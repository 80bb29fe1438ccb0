"""``rostersync``: runs a command (``app/cli``), or opens the app — the wizard or the main window,
the demo, the self-test — and hands ``--sync-now`` to the running app.

This is the one module that stands above both ``app/cli`` and the windows; the Qt modules are
imported only when a window is wanted, so commands start as fast as ``python -m app``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from app.cli.main import build_parser as build_command_parser
from app.cli.main import guarded, prepare_process, run_command
from app.context import AppContext
from app.paths import Profile
from app.single_instance import SYNC, SingleInstance


def build_parser() -> argparse.ArgumentParser:
    parser = build_command_parser()
    parser.description = f"{parser.description} Without a command, opens the app."
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled demo district in a throwaway profile",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this copy of RosterSync works (no screen or account needed), then exit",
    )
    parser.add_argument(
        "--sync-now",
        action="store_true",
        help="ask the running RosterSync to sync now, or sync here when none is running",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    prepare_process()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.demo and args.command is not None:
        parser.error("--demo opens the app against the demo district; it takes no command.")
    if args.self_test:
        if args.command is not None or args.demo or args.sync_now:
            parser.error("--self-test takes no command and no other option.")
        from ui.self_test import run_self_test

        return run_self_test()
    if args.sync_now:
        if args.command is not None or args.demo:
            parser.error("--sync-now takes no command and no --demo.")
        return guarded(lambda: _sync_now(parser), "--sync-now")
    if args.command is not None:
        return run_command(args)
    return guarded(lambda: _open_app(demo=args.demo), "")


def _sync_now(parser: argparse.ArgumentParser) -> int:
    profile = Profile.default()
    if SingleInstance(profile).send(SYNC):
        print("Asked the running RosterSync to sync now.")
        return 0
    if not _is_set_up(profile):
        return _open_app(demo=False)  # nothing to sync yet: the wizard, where setup stopped
    return run_command(parser.parse_args(["sync"]))  # none is running: sync here


def _is_set_up(profile: Profile) -> bool:
    context = AppContext(profile)
    try:
        return context.is_set_up
    finally:
        context.close()


def _open_app(demo: bool) -> int:
    from ui.app import run_gui

    return run_gui(demo=demo)
