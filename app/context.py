"""Everything one profile needs, wired once: settings, secret, database, directory, engine.

The command line and the GUI both build one of these; nothing in here touches Qt.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from functools import cached_property, partial

from app.errors import ConfigurationError, SecretStoreError
from app.oneroster.client import (
    ConsumerCredentials,
    Credentials,
    OneRosterClient,
    RetryPolicy,
)
from app.oneroster.records import UsernameField
from app.oneroster.source import RosterSource
from app.oneroster_csv.source import CsvSource
from app.paths import Profile
from app.secret_store import SecretStore, missing_secret_message
from app.settings import ConnectionSettings, Settings, SettingsFile
from app.store.database import Database, sqlite_url
from app.store.directory import Directory
from app.store.history import History
from app.sync.engine import SyncEngine
from app.sync.lock import SyncLock


class AppContext:
    def __init__(
        self,
        profile: Profile,
        secrets: SecretStore | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.profile = profile.ensure()
        self.retry = retry or RetryPolicy()
        self.settings_file = SettingsFile(profile)
        self.settings: Settings = self.settings_file.load()
        self.secrets = secrets or SecretStore(profile)
        #: Where no keyring is usable, a secret typed in the window lives here until quit.
        self.session_secret: str | None = None

    def save_settings(self) -> None:
        self.settings_file.save(self.settings)

    @property
    def database_url(self) -> str:
        return self.settings.database_url or sqlite_url(self.profile.database_file)

    @cached_property
    def database(self) -> Database:
        return Database(self.database_url)

    @cached_property
    def directory(self) -> Directory:
        return Directory(self.database)

    @cached_property
    def history(self) -> History:
        return History(self.database)

    @property
    def is_set_up(self) -> bool:
        """Whether syncing can start: a saved connection, a username field and a school mapped
        to a site, however they were saved (wizard, command line, ``--demo``). The username
        field always has one: email until another is chosen, as a sync would use."""
        return self.settings.connection.is_complete and bool(self.directory.mapping())

    def client_secret(self) -> str:
        # A secret typed in this window beats an old ROSTERSYNC_CLIENT_SECRET.
        secret = self.session_secret or self.secrets.get()
        if not secret:
            raise SecretStoreError(missing_secret_message(self.secrets))
        return secret

    def client(
        self,
        cancel: threading.Event | None = None,
        connection: ConnectionSettings | None = None,
        secret: str | None = None,
        page_concurrency: int | None = None,
        read_ahead: bool = False,
    ) -> RosterSource:
        """A client for the saved connection, or for one being tried out (``connection``);
        ``page_concurrency`` overrides the setting for this client, ``read_ahead`` asks for
        each next page while one is used (see OneRosterClient). A CSV connection reads its
        package instead."""
        connection = connection or self.settings.connection
        if connection.is_complete and not connection.enabled:
            raise ConfigurationError(
                "The Infinite Campus integration is turned off. Turn it on in the setup wizard "
                "(Connection page) to sync again."
            )
        if connection.csv_path:
            return CsvSource(connection.csv_path, cancel=cancel, page_size=self.settings.page_size)
        if not connection.is_complete:
            raise ConfigurationError(
                "RosterSync is not connected yet. Run the setup wizard, or 'rostersync connect' "
                "with the Base URL, Token URL and Client ID from Infinite Campus."
            )
        secret = secret if secret is not None else self.client_secret()
        credentials: Credentials | ConsumerCredentials = (
            ConsumerCredentials(connection.client_id, secret, connection.signature_method or None)
            if connection.auth == "oauth1"
            else Credentials(
                token_url=connection.token_url,
                client_id=connection.client_id,
                client_secret=secret,
                scope=connection.scope or None,
            )
        )
        return OneRosterClient(
            connection.base_url,
            credentials,
            cancel=cancel,
            retry=self.retry,
            page_size=self.settings.page_size,
            page_concurrency=page_concurrency or self.settings.page_concurrency,
            read_ahead=read_ahead,
            verify=self.settings.ca_file or True,
        )

    def engine(
        self, username_field: UsernameField | None = None, page_concurrency: int | None = None
    ) -> SyncEngine:
        """The sync engine; ``page_concurrency`` overrides the setting for its downloads."""
        return SyncEngine(
            self.directory,
            self.history,
            lock=SyncLock(self.profile.sync_lock_file, self.database),
            connect=partial(self.client, page_concurrency=page_concurrency, read_ahead=True),
            username_field=username_field or self.settings.username_field,
            story_retention=timedelta(days=self.settings.story_retention_days),
        )

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.close()
