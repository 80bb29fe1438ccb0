"""``rostersync COMMAND``: parses a command and turns every failure into a sentence on stderr
(never a traceback). Opening the window (no command, ``--demo``, ``--self-test``, ``--sync-now``)
is ``ui/launcher.py``'s, which builds on this parser; ``python -m app`` runs commands only."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

import truststore

from app import __version__
from app.cli import (
    connection_commands,
    directory_commands,
    maintenance_commands,
    person_commands,
    sync_commands,
)
from app.cli.output import positive_int
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
        "or any OneRoster 1.2 or 1.1 provider (REST or CSV files).",
    )
    parser.add_argument("--version", action="version", version=f"RosterSync {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo-server", help="serve the demo district on 127.0.0.1")
    demo.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    demo.add_argument("--users", type=positive_int, default=1500, help="number of users")
    demo.add_argument("--seed", type=int, default=1, help="seed of the generated district")
    demo.add_argument(
        "--version",
        dest="oneroster_version",
        choices=("1.2", "1.1"),
        default="1.2",
        help="OneRoster version served (1.1: Infinite Campus's 1.1 Base URL, shapes and ids)",
    )
    demo.add_argument(
        "--oauth1", action="store_true", help="sign requests with OAuth 1.0a instead of tokens"
    )
    demo.add_argument(
        "--legacy-ids",
        action="store_true",
        help="1.2 only: the connection after a move from 1.1 (new ids, each record naming its "
        "1.1 id in metadata.ic.legacysourceId)",
    )

    connection_commands.register(commands)
    directory_commands.register(commands)
    sync_commands.register(commands)
    person_commands.register(commands)
    maintenance_commands.register(commands)
    return parser


def prepare_process() -> None:
    """What every start needs first, a command's or the window's."""
    # Certificates come from the operating system's trust store, so districts whose proxy
    # inspects TLS (with its certificate installed by IT) connect without extra setup.
    truststore.inject_into_ssl()
    # Until the log file is set up, records go nowhere (never to stderr as a traceback).
    logging.getLogger().addHandler(logging.NullHandler())


def main(argv: Sequence[str] | None = None) -> int:
    prepare_process()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("name a command (see --help); 'rostersync' without one opens the app.")
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command; its exit code."""
    return guarded(lambda: _dispatch(args), args.command)


def guarded(work: Callable[[], int], name: str) -> int:
    """Run ``work``, turning any failure into a sentence on stderr and an exit code."""
    try:
        code = work()
        sys.stdout.flush()  # a reader that went away is found here, not at exit
        return code
    except RosterSyncError as error:
        _fail(error.message)
        return 1
    except KeyboardInterrupt:
        _fail("Stopped.")
        return 130
    except BrokenPipeError:
        # The reader went away (`rostersync users | head`): nothing left to say to it, and
        # nothing left to flush at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        _fail(f"RosterSync could not use {error.filename or 'a file'}: {error.strerror}.")
        return 1
    except Exception:
        log.exception("Unexpected failure in 'rostersync %s'", name)
        _fail(
            "Something unexpected went wrong; the details are in the log file in the profile "
            "folder's logs/. Nothing in the directory was changed."
        )
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo-server":
        from app.demo.server import serve

        if args.legacy_ids and args.oneroster_version != "1.2":
            raise RosterSyncError(
                "--legacy-ids goes with --version 1.2 (the ids after a move from 1.1)."
            )
        serve(
            args.port,
            args.users,
            args.seed,
            sys.stdout,
            version=args.oneroster_version,
            oauth1=args.oauth1,
            legacy_ids=args.legacy_ids,
        )
        return 0
    precheck: Callable[[argparse.Namespace], None] | None = getattr(args, "precheck", None)
    if precheck is not None:  # refusals that must not touch the profile folder at all
        precheck(args)
    profile = Profile.default()
    try:
        configure_logging(profile.ensure())
    except OSError as error:
        raise RosterSyncError(
            f"RosterSync cannot use the profile folder {profile.root} ({error.strerror}). "
            "Check ROSTERSYNC_HOME, or that the folder can be written."
        ) from None
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
