"""Indexes built once after a bulk insert instead of kept up row by row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Index, Table
from sqlalchemy.engine import Connection


@contextmanager
def built_after(connection: Connection, index: Index, *, table_empty: bool) -> Iterator[None]:
    """Rows inserted meanwhile into an empty table go in without ``index``, which is then built
    once, in order: kept up row by row, an index of a million values in random order would cost
    a first sync seconds. Inside the caller's transaction, so a failure leaves it as it was."""
    if table_empty:
        index.drop(connection)
    yield
    if table_empty:
        index.create(connection)


def named(table: Table, name: str) -> Index:
    return next(index for index in table.indexes if index.name == name)
