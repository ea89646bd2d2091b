"""The app's icon (应用图标): 办 in white on the theme's blue, drawn with the bundled font.

``python -m desktop.ui.icon resources/icons`` writes the PNG (window, Linux menu) and the ICO (Windows program,
shortcuts, installer) that are committed under resources/icons/; the app loads the PNG.
"""

from __future__ import annotations

import sys
from importlib.resources import as_file
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPainterPath, QPen

import resources
from desktop.ui.theme import BLUE, FOCUS, PRIMARY, register_fonts

PNG, ICO = "suishenban.png", "suishenban.ico"
SIZE = 256


def draw_icon(size: int = SIZE) -> QImage:
    register_fonts()
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(0, 0, size, size), size * 0.18, size * 0.18)
    painter.fillPath(tile, QColor(BLUE))
    painter.setPen(QPen(QColor(FOCUS), size * 0.05, c=Qt.PenCapStyle.RoundCap))
    painter.drawLine(int(size * 0.24), int(size * 0.84), int(size * 0.76), int(size * 0.84))  # the receipt's strip
    font = QFont(PRIMARY)
    font.setPixelSize(int(size * 0.62))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, -size * 0.05, size, size * 0.9), Qt.AlignmentFlag.AlignCenter, "办")
    painter.end()
    return image


def app_icon() -> QIcon:
    """The committed icon (an empty QIcon if it is missing: the bundle check reports that)."""
    with as_file(resources.path("icons", PNG)) as file:
        return QIcon(str(file))


def write_icons(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    image = draw_icon()
    written = [folder / PNG, folder / ICO]
    for path in written:
        if not image.save(str(path)):
            raise OSError(f"could not write {path}")
    return written


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    for path in write_icons(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/icons")):
        print(path, path.stat().st_size, "bytes")
