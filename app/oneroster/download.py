"""Reading every user of a provider, page by page, each user once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.errors import CanceledError
from app.oneroster.records import InvalidRecord, User
from app.oneroster.source import RosterSource


@dataclass
class Download:
    #: sourcedId -> user; a record sent twice (data changing between pages) counts once.
    users: dict[str, User] = field(default_factory=dict)
    #: Records that could not be read, without those a valid copy of was also received.
    invalid: list[InvalidRecord] = field(default_factory=list)


def download_users(
    client: RosterSource,
    *,
    since: datetime | None = None,
    on_progress: Callable[[int, int | None], None] = lambda _done, _total: None,
    cancel: threading.Event | None = None,
    canceled_message: str | None = None,
) -> Download:
    """Every user (changed since ``since``, when given); cancel is checked after each page."""
    download = Download()
    invalid: dict[str, InvalidRecord] = {}
    received = 0
    for page in client.user_pages(modified_since=since):
        for user in page.records:
            download.users[user.sourced_id] = user
        for record in page.invalid:
            invalid[record.sourced_id or f"#{received + len(invalid)}"] = record
        received += len(page.records) + len(page.invalid)
        on_progress(received, page.total)
        if cancel is not None and cancel.is_set():
            raise CanceledError(canceled_message) if canceled_message else CanceledError()
    download.invalid = [record for key, record in invalid.items() if key not in download.users]
    return download
