"""CSV files a spreadsheet opens safely: cells that would run as formulas are neutralised."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

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
