"""``user ID``: one person's record and story, newest first."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.output import print_json
from app.context import AppContext
from app.errors import NotFoundError
from app.store.story import PersonStory, Stories
from app.sync.story_wording import field_lines, headline


def register(commands: Any) -> None:
    person = commands.add_parser(
        "user", help="one person: their record and what every sync did to them, and why"
    )
    person.add_argument("id", metavar="ID", help="a sourcedId or a username")
    person.add_argument("--json", action="store_true", help="print JSON")
    person.set_defaults(handler=run_user)


def run_user(args: argparse.Namespace, context: AppContext) -> int:
    story = Stories(context.database).find(args.id)
    if story is None:
        raise NotFoundError(
            f"No one with the sourcedId or username '{args.id}' is in the directory or was "
            "ever skipped by a sync. 'rostersync users --include-inactive' lists the directory."
        )
    if args.json:
        print_json(story.to_json())
    else:
        _print_story(story, context)
    return 0


def _print_story(story: PersonStory, context: AppContext) -> None:
    print(f"{story.display_name} ({story.sourced_id})")
    record = story.record
    if record is None:
        print("  Not in the directory.")
    else:
        status = "active" if record.active else "inactive"
        print(f"  {record.username}, {record.role} at {record.site}, {status}")
        if record.email:
            print(f"  Email: {record.email}")
    if not story.changes:
        print("  No changes recorded.")
    for change in story.changes:
        print(f"- {headline(change, context.settings.username_field)}")
        for line in field_lines(change):
            print(f"    {line}")
