"""Files in ``resources/``, found both in a source checkout and in a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon


def resource_path(name: str) -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return root / "resources" / name


def app_icon() -> QIcon:
    return QIcon(str(resource_path("rostersync.png")))
