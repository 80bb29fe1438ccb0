"""Placeholder until the page is built."""

from __future__ import annotations

from ui.wizard.base import SetupPage
from ui.wizard.state import SetupState


class ReviewPage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(state, "ReviewPage", "")
