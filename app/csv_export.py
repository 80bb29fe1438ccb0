"""CSV files a spreadsheet opens safely: cells that would run as formulas are neutralised.

``write_users_csv`` is the directory export that ``users --csv`` and Settings share."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from app.store.directory import UserRow

#: The columns of a users export: the keys of ``users --json``, in that order.
USER_COLUMNS: Final = (
    "sourcedId",
    "username",
    "givenName",
    "familyName",
    "email",
    "role",
    "site",
    "active",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write UTF-8 with a byte-order mark (so Excel reads accents right); returns the row count."""
    count = 0
    # Written beside the target and moved over it at the end: a failure leaves the old file.
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([safe_cell(cell) for cell in row])
                count += 1
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count


def write_users_csv(path: Path, users: Iterable[UserRow]) -> int:
    """Write users with :data:`USER_COLUMNS`; returns how many were written."""
    return write_csv(
        path, USER_COLUMNS, ([user.to_json()[column] for column in USER_COLUMNS] for user in users)
    )
