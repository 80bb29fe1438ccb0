"""The rotating log file in the profile folder, redacted on every handler."""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler

from app.paths import Profile
from app.redaction import RedactingFilter

LEVEL_VARIABLE = "ROSTERSYNC_LOG_LEVEL"
LOG_FILE_NAME = "rostersync.log"
_MAX_BYTES = 2_000_000
_BACKUPS = 5
_HANDLER_NAME = "rostersync-file"


def stop_file_logging() -> None:
    """Close the log file (before its folder is deleted); records go nowhere afterwards."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
            handler.close()


def configure_logging(profile: Profile) -> logging.Handler:
    """Send the app's log records to ``logs/rostersync.log``; safe to call more than once."""
    stop_file_logging()
    root = logging.getLogger()
    profile.ensure()
    path = profile.log_dir / LOG_FILE_NAME
    handler = RotatingFileHandler(path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8")
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if os.name == "posix":
        path.chmod(0o600)
    level_name = os.environ.get(LEVEL_VARIABLE, "INFO").strip().upper()
    level = logging.getLevelName(level_name)
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    root.addHandler(handler)
    # urllib3 logs full URLs at DEBUG; our own transport logs what is safe instead.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("filelock").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per database opened
    return handler
