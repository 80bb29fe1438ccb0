"""Where RosterSync keeps its files: one profile folder for settings, database and logs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

HOME_VARIABLE = "ROSTERSYNC_HOME"


@dataclass(frozen=True)
class Profile:
    """The folder holding one RosterSync installation's settings, database and logs."""

    root: Path

    @classmethod
    def default(cls) -> Profile:
        override = os.environ.get(HOME_VARIABLE, "").strip()
        if override:
            return cls(Path(override).expanduser())
        return cls(Path(platformdirs.user_data_dir("RosterSync", appauthor=False)))

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def database_file(self) -> Path:
        return self.root / "rostersync.db"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def sync_lock_file(self) -> Path:
        return self.root / "sync.lock"

    def ensure(self) -> Profile:
        """Create the folders, readable by their owner only where the OS supports it."""
        for folder in (self.root, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
            if os.name == "posix":
                folder.chmod(0o700)
        return self
