"""What to send when asking for help: versions, settings, the keyring in use, the directory's
size, recent syncs and the end of the log. Never a secret or a token: the Client Secret stays in
the keyring, URLs lose any credentials, the Client ID is shortened wherever it appears, and the
whole report is redacted once more at the end.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from app import __version__
from app.context import AppContext
from app.errors import RosterSyncError
from app.logs import LOG_FILE_NAME
from app.oneroster.urls import loggable_url
from app.redaction import redact
from app.store.database import displayable_url

LOG_LINES = 60
RECENT_RUNS = 5
_PACKAGES = ("PySide6-Essentials", "requests", "keyring", "SQLAlchemy", "alembic", "truststore")


def diagnostics_report(context: AppContext) -> str:
    """The report as plain text, ready to paste into an email."""
    lines = [f"RosterSync diagnostics, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", ""]
    for title, section in (
        ("Versions", _versions),
        ("Where", _places),
        ("Keyring", _keyring),
        ("Settings", _settings),
        ("Directory", _directory),
        ("Recent syncs", _recent_syncs),
        (f"Last {LOG_LINES} log lines", _log_tail),
    ):
        lines.append(f"== {title} ==")
        lines.extend(_section_lines(section, context))
        lines.append("")
    report = "\n".join(lines)
    client_id = context.settings.connection.client_id
    if client_id:  # wherever it shows up (a provider's error message, the log), shortened
        report = report.replace(client_id, _shortened(client_id))
    return redact(report)


def _shortened(client_id: str) -> str:
    return f"{client_id[:4]}… ({len(client_id)} characters)"


def _section_lines(section: Callable[[AppContext], list[str]], context: AppContext) -> list[str]:
    try:
        return section(context)
    except RosterSyncError as error:
        return [f"(could not be read: {error.message})"]
    except Exception as error:  # a report about a broken install must still come out
        return [f"(could not be read: {type(error).__name__})"]


def _versions(_context: AppContext) -> list[str]:
    build = "packaged" if getattr(sys, "frozen", False) else "from source"
    lines = [
        f"RosterSync {__version__} ({build})",
        f"Python {platform.python_version()} on {platform.platform()} ({platform.machine()})",
    ]
    for package in _PACKAGES:
        try:
            lines.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            lines.append(f"{package} (version not recorded)")
    return lines


def _places(context: AppContext) -> list[str]:
    return [
        f"Profile folder: {context.profile.root}",
        f"Database: {displayable_url(context.database_url)}",
        f"Log file: {context.profile.log_dir / LOG_FILE_NAME}",
    ]


def _keyring(context: AppContext) -> list[str]:
    store = context.secrets
    saved = "yes" if store.has_saved_secret() else "no"
    # Learn the secret (never shown) so the redaction below masks it should it appear anywhere.
    store.get()
    return [f"Keyring: {store.backend_name}", f"Client Secret saved: {saved}"]


def _settings(context: AppContext) -> list[str]:
    settings = context.settings.to_json()
    connection = settings["connection"]
    for url in ("base_url", "token_url"):  # no user:password@ or key-looking query values
        connection[url] = loggable_url(connection[url]) if connection[url] else ""
    if settings.get("database_url"):
        settings["database_url"] = displayable_url(settings["database_url"])
    return json.dumps(settings, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def _directory(context: AppContext) -> list[str]:
    directory = context.directory
    schools = directory.schools()
    mapped = sum(1 for school in schools if school.site is not None)
    active, inactive = directory.user_counts()
    return [
        f"Sites: {len(directory.sites())}",
        f"Schools: {len(schools)} ({mapped} mapped to a site)",
        f"Users: {active} active, {inactive} inactive",
    ]


def _recent_syncs(context: AppContext) -> list[str]:
    runs = context.history.runs(limit=RECENT_RUNS)
    return [json.dumps(run.to_json(), sort_keys=True) for run in runs] or ["(none yet)"]


def _log_tail(context: AppContext) -> list[str]:
    path = context.profile.log_dir / LOG_FILE_NAME
    if not path.exists():
        return ["(no log yet)"]
    with path.open(encoding="utf-8", errors="replace") as log_file:
        return [line.rstrip("\n") for line in log_file.readlines()[-LOG_LINES:]]
