"""Render resources/rostersync.svg to resources/rostersync.png (1024 px), the picture the build
turns into the Windows .ico and the macOS .icns. Rerun after changing the SVG:

    QT_QPA_PLATFORM=offscreen python scripts/render_icon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SIZE = 1024


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(RESOURCES / "rostersync.svg")).render(painter)
    painter.end()
    return 0 if image.save(str(RESOURCES / "rostersync.png")) else 1


if __name__ == "__main__":
    sys.exit(main())
