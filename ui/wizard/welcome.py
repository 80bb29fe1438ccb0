"""Page 1: what the person needs, and where Infinite Campus shows it."""

from __future__ import annotations

from ui.wizard.base import SetupPage
from ui.wizard.state import SetupState

WHERE_TO_FIND = (
    "<p>RosterSync keeps this computer's directory of staff and students up to date with "
    "Infinite Campus. To connect, you need four values that Infinite Campus creates for you:"
    "</p><ul>"
    "<li><b>Client ID</b></li><li><b>Client Secret</b></li>"
    "<li><b>Token URL</b></li><li><b>Base URL</b></li></ul>"
    "<p><b>Where to find them:</b> in Infinite Campus, open <i>Instruction → Digital "
    "Learning Applications Configuration → Other OneRoster Provisioning Credentials</i>, "
    "click <i>Generate New OneRoster Connection</i>, choose <i>OneRoster 1.2</i> and click "
    "<i>Generate</i>. Keep that screen open: the next page asks for the four values, and can "
    "paste them all at once if you copy the whole list.</p>"
    "<p>If you cannot open that screen, ask your Infinite Campus administrator for the four "
    "values. The Client Secret is a password: RosterSync keeps it in this computer's "
    "secure password store and never shows it again.</p>"
)


class WelcomePage(SetupPage):
    def __init__(self, state: SetupState) -> None:
        super().__init__(
            state,
            "Welcome to RosterSync",
            "This setup takes about five minutes and ends with your first sync.",
        )
        note = self.add_note(WHERE_TO_FIND)
        note.setAccessibleName("What you need and where to find it")
        self.body.addStretch(1)
