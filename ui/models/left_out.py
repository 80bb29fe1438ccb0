"""A table model of the people a username field would leave out (there may be thousands)."""

from __future__ import annotations

from collections.abc import Sequence

from app.sync.username_scan import LEFT_OUT_HEADERS, LeftOutPerson, left_out_row
from ui.models.text_table import TextTableModel


class LeftOutModel(TextTableModel):
    def __init__(self, people: Sequence[LeftOutPerson], noun: str) -> None:
        super().__init__(LEFT_OUT_HEADERS, [left_out_row(person, noun) for person in people])
        self._people = list(people)

    def person(self, row: int) -> LeftOutPerson:
        return self._people[row]
