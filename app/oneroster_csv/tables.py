"""One CSV file of a package, read row by row: UTF-8 (with or without a byte-order mark), any
line ends, quoted fields holding commas, quotes and newlines. Anything else is refused by
name and line, never guessed at."""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Final, TypeVar

from app.oneroster_csv.package import Package, PackageRefusedError

Row = dict[str, str]
T = TypeVar("T")

#: The longest cell read; csv's default (128 KiB) would refuse a long but honest name.
MAX_CELL_CHARS: Final = 16 << 20
csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))

_BROKEN = (csv.Error, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError)


def require_file(package: Package, name: str) -> None:
    if not package.has(name):
        raise PackageRefusedError(
            f"The package {package.path.name} has no {name}. Export the OneRoster CSV package "
            "again with that file."
        )


def check_columns(package: Package, name: str, required: Iterable[str]) -> None:
    """Refuse the file, by name, when its header lacks a required column."""
    require_file(package, name)
    with _reader(package, name) as (_cells, header):
        for column in required:
            if column not in header:
                raise PackageRefusedError(
                    f"{name} has no column {column}. Export the OneRoster CSV package again, "
                    "or ask the people who make it to include that column."
                )


def rows(package: Package, name: str) -> Iterator[Row]:
    """Each data row as column → text; a short row's missing cells are empty."""
    with _reader(package, name) as (reader, header):
        try:
            for cells in reader:
                if cells:
                    yield dict(zip(header, cells, strict=False))
        except _BROKEN as error:
            raise _unreadable(name, reader.line_num, error) from None


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@contextmanager
def _reader(package: Package, name: str) -> Iterator[tuple[Iterator[list[str]], list[str]]]:
    with package.open(name) as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        try:
            header = [cell.strip() for cell in next(reader, [])]
        except _BROKEN as error:
            raise _unreadable(name, reader.line_num, error) from None
        yield reader, header


def _unreadable(name: str, line: int, error: Exception) -> PackageRefusedError:
    if isinstance(error, UnicodeDecodeError):
        what = "it is not UTF-8 text"
    elif isinstance(error, csv.Error):
        what = f"it is not valid CSV ({error}; a quote out of place?)"
    else:
        what = "the zip file is damaged"
    return PackageRefusedError(
        f"{name} could not be read at line {line}: {what}. Nothing was changed; export the "
        "OneRoster CSV package again."
    )
