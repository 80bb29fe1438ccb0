"""Entry point of ``rostersync``: parses the command line and turns every failure into a
sentence on stderr (never a traceback)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

import truststore

from app import __version__
from app.cli import connection_commands, directory_commands, sync_commands
from app.context import AppContext
from app.errors import RosterSyncError
from app.logs import configure_logging
from app.paths import Profile
from app.redaction import redact

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, AppContext], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rostersync",
        description="Keep a local directory of staff and students in sync with Infinite Campus "
        "(OneRoster 1.2). Without a command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"RosterSync {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the bundled demo district in a throwaway profile",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo-server", help="serve the demo district on 127.0.0.1")
    demo.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    demo.add_argument("--users", type=_positive, default=1500, help="number of users")
    demo.add_argument("--seed", type=int, default=1, help="seed of the generated district")

    connection_commands.register(commands)
    directory_commands.register(commands)
    sync_commands.register(commands)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    # Certificates come from the operating system's trust store, so districts whose proxy
    # inspects TLS (with its certificate installed by IT) connect without extra setup.
    truststore.inject_into_ssl()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except RosterSyncError as error:
        _fail(error.message)
        return 1
    except KeyboardInterrupt:
        _fail("Stopped.")
        return 130
    except Exception:
        log.exception("Unexpected failure in 'rostersync %s'", args.command or "")
        _fail(
            "Something unexpected went wrong; the details are in the log file in the profile "
            "folder's logs/. Nothing in the directory was changed."
        )
        return 1


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "demo-server":
        from app.demo.server import serve

        serve(args.port, args.users, args.seed, sys.stdout)
        return 0
    if args.command is None:
        from ui.app import run_gui

        return run_gui(demo=args.demo)
    profile = Profile.default()
    configure_logging(profile.ensure())
    context = AppContext(profile)
    if context.settings_file.set_aside is not None:
        _fail(
            "The settings file could not be read, so it was set aside as "
            f"{context.settings_file.set_aside.name} and default settings are used."
        )
    try:
        handler: Handler = args.handler
        return handler(args, context)
    finally:
        context.close()


def _fail(message: str) -> None:
    sys.stderr.write(f"rostersync: {redact(message)}\n")


if __name__ == "__main__":
    sys.exit(main())
