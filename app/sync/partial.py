"""Staged users that carry only part of a person, completed from the directory's record.

A OneRoster CSV delta package changes only the rows it carries: a person renamed comes as a
users.csv row without roles.csv rows (``keeps == "placement"``: their role and site stay as
the directory has them), a person moved as roles.csv rows without a users.csv row (``keeps ==
"fields"``: their username, name and email stay). Someone the directory cannot complete is
skipped with a reason that says what the package lacked; nobody is guessed at.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import and_, exists, literal, select, true, update
from sqlalchemy.engine import Connection

from app.store.models import DirectoryUser
from app.sync.stage import staged

users = DirectoryUser.__table__
_s, _u = staged.c, users.c

NO_PLACEMENT: Final = (
    "roles: none in this delta package (roles.csv has no row for this person), and the "
    "directory has no active record to keep their school from"
)
NO_FIELDS: Final = (
    "roles.csv only: this delta package has no users.csv row for this person, and the "
    "directory has no record of them to take a name and username from"
)


def complete_partial_users(connection: Connection) -> None:
    """Fill in what each partial staged user takes from the directory, or skip them."""
    if connection.scalar(select(_s.sourced_id).where(_s.keeps != "").limit(1)) is None:
        return  # the usual sync: every record carries the whole person
    _keep_placements(connection)
    _keep_fields(connection)


def _keep_placements(connection: Connection) -> None:
    partial = and_(_s.keeps == "placement", _s.outcome == "candidate")
    active = and_(_u.sourced_id == _s.sourced_id, _u.active.is_(true()))
    connection.execute(
        update(staged)
        .where(partial, exists().where(active))
        .values(
            role=select(_u.role).where(active).scalar_subquery(),
            site_id=select(_u.site_id).where(active).scalar_subquery(),
        )
    )
    connection.execute(
        update(staged)
        .where(partial, _s.site_id.is_(None))
        .values(outcome="unmapped_school", detail=literal(NO_PLACEMENT))
    )


def _keep_fields(connection: Connection) -> None:
    partial = and_(_s.keeps == "fields", _s.outcome == "candidate")
    record = _u.sourced_id == _s.sourced_id
    connection.execute(
        update(staged)
        .where(partial, exists().where(record))
        .values(
            {
                name: select(_u[name]).where(record).scalar_subquery()
                for name in ("username", "username_key", "given_name", "family_name", "email")
            }
        )
    )
    connection.execute(
        update(staged)
        .where(partial, _s.username.is_(None))
        .values(outcome="invalid_record", detail=literal(NO_FIELDS))
    )
