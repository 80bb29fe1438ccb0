"""Printing for the command line: JSON for scripts, aligned text for people."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO


def print_json(value: object, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    json.dump(value, out, ensure_ascii=False, indent=2)
    out.write("\n")


def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO | None = None
) -> None:
    out = out or sys.stdout
    text_rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in text_rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    for row in [list(headers), ["-" * width for width in widths], *text_rows]:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        out.write("\n")


def positive_int(text: str) -> int:
    """An argparse type: a whole number above zero."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value
