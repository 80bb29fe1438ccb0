"""Reading the directory's current users, and writing a plan back in batches."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.errors import CanceledError
from app.store.models import DirectoryUser, utc_now
from app.sync.plan import DesiredUser, LocalUser, SyncPlan

BATCH_SIZE = 1000

_T = TypeVar("_T")


def load_local_users(session: Session) -> dict[str, LocalUser]:
    rows = session.execute(
        select(
            DirectoryUser.sourced_id,
            DirectoryUser.username,
            DirectoryUser.given_name,
            DirectoryUser.family_name,
            DirectoryUser.email,
            DirectoryUser.role,
            DirectoryUser.site_id,
            DirectoryUser.active,
        )
    )
    return {row[0]: LocalUser(*row[1:]) for row in rows}


def _batches(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _values(user: DesiredUser) -> dict[str, object]:
    return {
        "sourced_id": user.sourced_id,
        "username": user.username,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        "role": user.role,
        "site_id": user.site_id,
        "active": True,
    }


def apply_plan(
    session: Session,
    plan: SyncPlan,
    on_batch: Callable[[int, int], None],
    cancel: threading.Event,
) -> None:
    """Write every change of ``plan`` inside ``session``'s transaction.

    ``on_batch(done, total)`` is called after each batch; a cancel between batches raises
    :class:`CanceledError`, and the caller's rollback then undoes everything.
    """
    now = utc_now()
    total = plan.changes
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        on_batch(done, total)
        if cancel.is_set():
            raise CanceledError()

    for batch in _batches(plan.inserts):
        rows = [_values(user) | {"created_at": now, "updated_at": now} for user in batch]
        session.execute(insert(DirectoryUser), rows)
        advance(len(batch))
    for batch in _batches(plan.updates):
        rows = [_values(user) | {"updated_at": now} for user in batch]
        session.execute(update(DirectoryUser), rows)
        advance(len(batch))
    for batch in _batches(plan.deactivations):
        session.execute(
            update(DirectoryUser)
            .where(DirectoryUser.sourced_id.in_(batch))
            .values(active=False, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        advance(len(batch))
