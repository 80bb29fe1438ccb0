"""``connect``, ``check`` and ``username-field``: the connection and username wizard steps."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.csv_connect import connect_csv
from app.cli.output import print_json, print_table
from app.connection_check import run_connection_checks
from app.context import AppContext
from app.errors import RosterSyncError, SecretStoreError
from app.oneroster.client import OneRosterClient
from app.oneroster.download import download_users
from app.oneroster.records import USERNAME_FIELDS
from app.oneroster.urls import normalize_base_url, normalize_token_url
from app.secret_store import SECRET_VARIABLE
from app.settings import ConnectionSettings
from app.sync.coverage import measure_coverage


def register(commands: Any) -> None:
    connect = commands.add_parser(
        "connect", help="validate and save the Infinite Campus connection"
    )
    connect.add_argument("--base-url", help="Base URL from Infinite Campus")
    connect.add_argument("--token-url", help="Token URL from Infinite Campus")
    connect.add_argument("--client-id", help="Client ID from Infinite Campus")
    connect.add_argument(
        "--csv",
        metavar="PATH",
        help="read a OneRoster CSV export instead: a .zip, a folder of CSV files, or a drop "
        "folder of zips (the newest is read); needs no secret",
    )
    connect.add_argument(
        "--oauth1",
        action="store_true",
        help="the provider signs requests with OAuth 1.0a (ClassLink, older OneRoster 1.1): "
        "Client ID = consumer key, Client Secret = consumer secret, no Token URL",
    )
    connect.add_argument("--scope", default="", help="OAuth2 scope, if your provider needs one")
    connect.add_argument(
        "--ca-file",
        help="a PEM file of extra certificates to trust (your proxy's, from IT); '' to clear",
    )
    connect.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the Client Secret from standard input (it is saved in the OS keyring)",
    )
    connect.set_defaults(handler=run_connect)

    check = commands.add_parser("check", help="validate the saved connection")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=run_check)

    field = commands.add_parser("username-field", help="choose the field that becomes the username")
    field.add_argument(
        "field",
        choices=USERNAME_FIELDS,
        metavar="FIELD",
        help="one of: " + ", ".join(USERNAME_FIELDS),
    )
    field.add_argument(
        "--preview",
        action="store_true",
        help="show how many users have it, without saving the choice",
    )
    field.add_argument("--json", action="store_true", help="print JSON")
    field.set_defaults(handler=run_username_field)


def _read_secret_from_stdin() -> str:
    secret = sys.stdin.read().strip()
    if not secret:
        raise RosterSyncError("No Client Secret was given on standard input.")
    return secret


def run_connect(args: argparse.Namespace, context: AppContext) -> int:
    if args.csv is not None:
        return connect_csv(args.csv, context)
    if not (args.base_url and (args.token_url or args.oauth1) and args.client_id):
        raise RosterSyncError(
            "connect needs --base-url, --token-url and --client-id from Infinite Campus (or "
            "--base-url, --oauth1 and --client-id for a provider that signs requests), or "
            "--csv PATH for a OneRoster CSV export."
        )
    connection = ConnectionSettings(
        enabled=True,
        base_url=normalize_base_url(args.base_url),
        token_url="" if args.oauth1 else normalize_token_url(args.token_url),
        client_id=args.client_id.strip(),
        scope=args.scope.strip(),
        auth="oauth1" if args.oauth1 else "oauth2",
    )
    if not connection.client_id:
        raise RosterSyncError("The Client ID is empty; copy it from Infinite Campus.")
    if args.ca_file is not None:  # tried with this connection, saved with it
        context.settings.ca_file = str(Path(args.ca_file).resolve()) if args.ca_file else ""
    secret = _read_secret_from_stdin() if args.secret_stdin else context.secrets.get()
    if not secret:
        raise SecretStoreError(
            "No Client Secret is available. Pass it on standard input with --secret-stdin "
            f"(or set {SECRET_VARIABLE} where no keyring is usable)."
        )
    with context.client(connection=connection, secret=secret) as client:
        client.authenticate()
        schools = client.schools()
    if isinstance(client, OneRosterClient):
        connection.signature_method = client.signature_method or ""
    saved = context.secrets.save(secret) if args.secret_stdin else True
    context.settings.connection = connection
    context.save_settings()
    context.directory.save_schools(schools)
    print(f"Connected: the credentials work and {len(schools)} schools are readable. Saved.")
    if not saved:
        sys.stderr.write(
            "rostersync: warning: no keyring is usable on this computer, so the Client Secret "
            f"was not saved. Set {SECRET_VARIABLE} for every later run.\n"
        )
    return 0


def run_check(args: argparse.Namespace, context: AppContext) -> int:
    try:
        client = context.client()
    except RosterSyncError as error:
        return _report_checks(args, [{"name": "connection", "ok": False, "detail": error.message}])
    with client:
        report = run_connection_checks(client)
    if report.schools:
        context.directory.save_schools(report.schools)
    return _report_checks(args, [outcome.to_json() for outcome in report.outcomes], report.ok)


def _report_checks(
    args: argparse.Namespace, checks: list[dict[str, object]], ok: bool = False
) -> int:
    if args.json:
        print_json({"ok": ok, "checks": checks})
    else:
        for check in checks:
            mark = "OK  " if check["ok"] else "FAIL"
            print(f"{mark} {check['name']}: {check['detail']}")
    return 0 if ok else 1


def run_username_field(args: argparse.Namespace, context: AppContext) -> int:
    if not args.preview:
        context.settings.username_field = args.field
        context.save_settings()
        if args.json:
            print_json({"field": args.field, "saved": True})
        else:
            print(f"Usernames now come from '{args.field}'. The next sync uses it.")
        return 0
    with context.client() as client:
        client.authenticate()
        users = download_users(client).users
    coverage = measure_coverage(users.values())
    chosen = coverage[args.field]
    if args.json:
        print_json(
            chosen.to_json() | {"saved": False, "others": [c.to_json() for c in coverage.values()]}
        )
        return 0
    print(f"Users who would be synced (staff and students): {chosen.total}")
    print_table(
        ["field", "have it", "missing", "shared", "examples"],
        [
            [c.field, c.present, c.missing, c.shared, ", ".join(c.examples)]
            for c in coverage.values()
        ],
    )
    print(
        f"With '{args.field}', {chosen.missing} would be skipped for lacking it and "
        f"{chosen.shared} for sharing it with someone else. (Preview only: nothing saved.)"
    )
    return 0
