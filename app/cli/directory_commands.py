"""``schools``, ``sites``, ``map`` and ``users``: the mapping step and the local directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.output import print_json, print_table
from app.context import AppContext
from app.csv_export import write_users_csv
from app.errors import NotFoundError, RosterSyncError
from app.redaction import redact
from app.store.directory import Directory, SchoolInfo
from app.sync.matching import suggest_mapping


def register(commands: Any) -> None:
    schools = commands.add_parser("schools", help="the provider's schools and their local sites")
    schools.add_argument("--json", action="store_true", help="print JSON")
    schools.set_defaults(handler=run_schools)

    sites = commands.add_parser("sites", help="local sites")
    site_commands = sites.add_subparsers(
        dest="sites_command", metavar="add|list|rename", required=True
    )
    add = site_commands.add_parser("add", help="add local sites")
    add.add_argument("names", nargs="+", metavar="NAME")
    add.set_defaults(handler=run_sites_add)
    listing = site_commands.add_parser("list", help="list local sites")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_sites_list)
    rename = site_commands.add_parser("rename", help="rename a local site")
    rename.add_argument("old", metavar="SITE")
    rename.add_argument("new", metavar="NEW_NAME")
    rename.set_defaults(handler=run_sites_rename)

    mapping = commands.add_parser("map", help="map a school to a local site")
    mapping.add_argument("school", nargs="?", metavar="SCHOOL", help="sourcedId or exact name")
    mapping.add_argument("site", nargs="?", metavar="SITE", help="local site name")
    mapping.add_argument("--unmap", action="store_true", help='set SCHOOL back to "Select Site"')
    mapping.add_argument("--suggest", action="store_true", help="suggest pairs by name similarity")
    mapping.add_argument(
        "--apply", action="store_true", help="with --suggest: save the suggestions"
    )
    mapping.add_argument("--json", action="store_true", help="print JSON")
    mapping.set_defaults(handler=run_map)

    users = commands.add_parser("users", help="the local directory")
    output = users.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON")
    output.add_argument("--csv", type=Path, metavar="FILE", help="write a CSV file")
    users.add_argument("--site", metavar="S", help="only users of this local site")
    users.add_argument("--include-inactive", action="store_true", help="also inactive users")
    users.set_defaults(handler=run_users)


def _refresh_schools(context: AppContext) -> None:
    with context.client() as client:
        client.authenticate()
        context.directory.save_schools(client.schools())


def _school_json(school: SchoolInfo) -> dict[str, object]:
    return {"sourcedId": school.sourced_id, "name": school.name, "site": school.site}


def run_schools(args: argparse.Namespace, context: AppContext) -> int:
    try:
        _refresh_schools(context)
    except RosterSyncError as error:
        if not context.directory.schools():
            raise
        sys.stderr.write(
            f"rostersync: warning: showing the schools saved earlier. {redact(error.message)}\n"
        )
    schools = context.directory.schools()
    if args.json:
        print_json([_school_json(school) for school in schools])
    else:
        print_table(
            ["sourcedId", "school", "site"],
            [[s.sourced_id, s.name, s.site or "Select Site (not synced)"] for s in schools],
        )
    return 0


def run_sites_add(args: argparse.Namespace, context: AppContext) -> int:
    created = context.directory.add_sites(args.names)
    for site in created:
        print(f"Added site '{site.name}'.")
    existing = len(args.names) - len(created)
    if existing:
        print(f"{existing} of the names given already existed.")
    return 0


def run_sites_list(args: argparse.Namespace, context: AppContext) -> int:
    sites = context.directory.sites()
    if args.json:
        print_json([{"id": site.id, "name": site.name} for site in sites])
    else:
        for site in sites:
            print(site.name)
    return 0


def run_sites_rename(args: argparse.Namespace, context: AppContext) -> int:
    context.directory.rename_site(args.old, args.new)
    print(f"Renamed '{args.old}' to '{args.new}'.")
    return 0


def run_map(args: argparse.Namespace, context: AppContext) -> int:
    if args.suggest:
        return _run_suggest(args, context)
    if args.school is None or (args.site is None) != args.unmap:
        raise NotFoundError(
            "Give a school and a site ('rostersync map SCHOOL SITE'), or a school with --unmap."
        )
    mapped = _map_with_refresh(context, args.school, None if args.unmap else args.site)
    if args.json:
        print_json(_school_json(mapped))
    elif mapped.site is None:
        print(f"'{mapped.name}' is set to Select Site: it will not be synced.")
    else:
        print(f"'{mapped.name}' now syncs into '{mapped.site}'.")
    return 0


def _map_with_refresh(context: AppContext, school: str, site: str | None) -> SchoolInfo:
    """Map, reading the provider's schools first when the school is not known yet."""
    directory: Directory = context.directory
    if not any(school.strip() in (s.sourced_id, s.name) for s in directory.schools()):
        _refresh_schools(context)
    return directory.map_school(school, site)


def _run_suggest(args: argparse.Namespace, context: AppContext) -> int:
    schools = context.directory.schools()
    if not schools:
        _refresh_schools(context)
        schools = context.directory.schools()
    unmapped = [(s.sourced_id, s.name) for s in schools if s.site is None]
    sites = [site.name for site in context.directory.sites()]
    suggestions = suggest_mapping(unmapped, sites)
    if args.apply:
        for suggestion in suggestions:
            context.directory.map_school(suggestion.school_id, suggestion.site_name)
    if args.json:
        print_json(
            [
                {
                    "sourcedId": s.school_id,
                    "school": s.school_name,
                    "site": s.site_name,
                    "score": round(s.score),
                    "applied": bool(args.apply),
                }
                for s in suggestions
            ]
        )
        return 0
    print_table(
        ["school", "suggested site", "similarity"],
        [[s.school_name, s.site_name, f"{s.score:.0f}%"] for s in suggestions],
    )
    if args.apply:
        print(f"Applied {len(suggestions)} suggestions.")
    elif suggestions:
        print("Nothing saved yet: add --apply to use these suggestions.")
    return 0


def run_users(args: argparse.Namespace, context: AppContext) -> int:
    rows = list(context.directory.users(site=args.site, include_inactive=args.include_inactive))
    if args.json:
        print_json([row.to_json() for row in rows])
    elif args.csv is not None:
        count = write_users_csv(args.csv, rows)
        print(f"Wrote {count} users to {args.csv}.")
    else:
        print_table(
            ["username", "name", "role", "site", "active"],
            [
                [
                    r.username,
                    f"{r.given_name} {r.family_name}",
                    r.role,
                    r.site,
                    "yes" if r.active else "no",
                ]
                for r in rows
            ],
        )
    return 0
