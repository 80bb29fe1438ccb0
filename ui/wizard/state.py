"""What the wizard's pages share: the profile, the connection being set up, what was learned.

Pages read and write this object, never each other. The secret stays in memory here until the
connection validates; then it goes to the keyring (see ``ConnectionPage``/``ValidatePage``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from app.connection_check import ConnectionReport
from app.context import AppContext
from app.oneroster.records import UsernameField
from app.oneroster.source import RosterSource
from app.settings import ConnectionSettings, ScheduleSettings
from ui.tasks import TaskRunner


@dataclass
class SetupState:
    context: AppContext
    tasks: TaskRunner
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)
    #: A secret typed in this wizard, not yet saved; None means "use the saved one".
    typed_secret: str | None = None
    username_field: UsernameField = "email"
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    #: What the last successful validation found (schools and users), for later pages.
    report: ConnectionReport | None = None
    #: Set when the keyring is unusable, so the page can say the secret was not saved.
    secret_not_saved: bool = False

    @classmethod
    def from_saved(cls, context: AppContext, tasks: TaskRunner) -> SetupState:
        settings = context.settings
        return cls(
            context=context,
            tasks=tasks,
            connection=ConnectionSettings(**vars(settings.connection)),
            username_field=settings.username_field,
            schedule=ScheduleSettings(**vars(settings.schedule)),
        )

    #: Whether a secret is already saved, read once when the Connection page opens (a
    #: keyring read can be slow, so it is not repeated on every keystroke).
    has_saved_secret: bool = False

    def refresh_saved_secret(self) -> None:
        """Raises SecretStoreError (a sentence) when the keyring is locked or refuses."""
        self.has_saved_secret = (
            self.context.secrets.has_saved_secret() or self.context.session_secret is not None
        )

    def client(self, cancel: threading.Event | None = None) -> RosterSource:
        if self.connection.csv_path:  # a CSV package needs no secret
            return self.context.client(cancel, connection=self.connection)
        secret = self.typed_secret if self.typed_secret else self.context.client_secret()
        return self.context.client(cancel, connection=self.connection, secret=secret)

    def keep_validated_connection(self) -> None:
        """The connection works: secret to the keyring, connection settings saved.

        Called on the validation's worker thread: a keyring may wait for an unlock prompt.
        """
        if self.typed_secret:
            if not self.context.secrets.save(self.typed_secret):
                self.context.session_secret = self.typed_secret
                self.secret_not_saved = True
            self.typed_secret = None
        self.context.settings.connection = ConnectionSettings(**vars(self.connection))
        self.context.save_settings()
        if self.report is not None:
            self.context.directory.save_schools(self.report.schools)

    def save_choices(self) -> None:
        """Keep the username field and schedule: before the first sync, which uses them, and
        when the wizard is finished."""
        settings = self.context.settings
        settings.username_field = self.username_field
        settings.schedule = ScheduleSettings(**vars(self.schedule))
        self.context.save_settings()
