"""CSV exports: formula-looking cells are neutralised, everything else round-trips unchanged."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.csv_export import safe_cell, write_csv
from tests.properties.strategies import FORMULA_PREFIXES, FORMULAS, SQL, hostile_text

#: OWASP "CSV Injection": a cell is evaluated when it starts with one of these.
OWASP_STARTS = ("=", "+", "-", "@", "\t", "\r")

cells = st.one_of(
    hostile_text,
    st.sampled_from(FORMULAS + SQL),
    st.builds(lambda p, s: p + s, st.sampled_from(FORMULA_PREFIXES), st.text(max_size=10)),
    st.builds(lambda s: f'x,"{s}"\n=1+1', st.text(max_size=5)),  # separators and quotes
    st.none(),
    st.booleans(),
    st.integers(),
)
HEADERS = ["sourcedId", "username", "givenName", "familyName", "email", "role", "site", "active"]


def read_back(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(cells, min_size=len(HEADERS), max_size=len(HEADERS)), max_size=6))
@example([["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", None, True]])
def test_formula_cells_are_neutralised_and_the_rest_round_trip(rows: list[list[object]]) -> None:
    with tempfile.TemporaryDirectory(prefix="props-csv-") as folder:
        path = Path(folder) / "users.csv"
        assert write_csv(path, HEADERS, rows) == len(rows)
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        back = read_back(path)
    assert back[0] == HEADERS
    assert len(back) == len(rows) + 1
    for written, read in zip(rows, back[1:], strict=True):
        assert len(read) == len(written)
        for value, cell in zip(written, read, strict=True):
            text = "" if value is None else str(value)
            assert not cell.startswith(OWASP_STARTS), repr(cell)
            if text.startswith(OWASP_STARTS):
                assert cell == "'" + text
            else:
                assert cell == text


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.text(), st.sampled_from(FORMULAS)))
def test_safe_cell_follows_the_owasp_rule(text: str) -> None:
    safe = safe_cell(text)
    assert not safe.startswith(OWASP_STARTS)
    assert safe == ("'" + text if text.startswith(OWASP_STARTS) else text)
