"""Fonts and look: the bundled CJK fonts with rare-character fallbacks, large high-contrast text and targets."""

from __future__ import annotations

import logging
from importlib.resources import as_file

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

import resources

log = logging.getLogger(__name__)

FONT_FILES = ("wqy-microhei.ttc", "HanaMinA-rare.ttf", "HanaMinB.ttf")
PRIMARY = "WenQuanYi Micro Hei"
FALLBACKS = ("HanaMinA", "HanaMinB")  # Extension A and the supplementary planes (𠮷, 䶮 and the like)
MIN_TARGET_PX = 44  # every button and field is at least this tall

INK, PAPER, BLUE, BLUE_DARK, LINE, MUTED = "#111111", "#FFFFFF", "#0B4F9C", "#083A73", "#5F6B7A", "#3D4652"
DANGER, OK, WARN_BG, WARN_INK, FOCUS, SOFT = "#A1221B", "#1B6E2B", "#FFE08A", "#3B2A00", "#E65100", "#EEF2F7"

_registered: list[str] = []


def register_fonts() -> list[str]:
    """Add the three bundled fonts to Qt (these machines have no CJK fonts); returns the families found."""
    if _registered:
        return list(_registered)
    for name in FONT_FILES:
        with as_file(resources.path("fonts", name)) as file:  # a real file: Qt maps it instead of copying
            font_id = QFontDatabase.addApplicationFont(str(file))
        if font_id < 0:
            log.error("bundled font %s could not be loaded", name)
            continue
        _registered.extend(QFontDatabase.applicationFontFamilies(font_id))
    QFont.insertSubstitutions(PRIMARY, list(FALLBACKS))
    return list(_registered)


def app_font(points: int) -> QFont:
    font = QFont(PRIMARY)
    font.setFamilies([PRIMARY, *FALLBACKS])
    font.setPointSize(points)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def stylesheet(points: int) -> str:
    """One stylesheet for every screen; sizes follow the chosen text size."""
    big, huge, small = points + 3, points + 8, max(points - 1, 14)
    pad = 6 + (points - 14)
    return f"""
QWidget {{ color: {INK}; font-size: {points}pt; }}
QMainWindow, QDialog, QStackedWidget > QWidget, QWidget#loginWindow {{ background: {PAPER}; }}
QLabel[role="title"] {{ font-size: {big + 2}pt; font-weight: bold; }}
QLabel[role="heading"] {{ font-size: {big}pt; font-weight: bold; }}
QLabel[role="huge"] {{ font-size: {huge}pt; font-weight: bold; color: {BLUE_DARK}; }}
QLabel[role="muted"] {{ color: {MUTED}; font-size: {small}pt; }}
QLabel[role="error"] {{ color: {DANGER}; font-weight: bold; }}
QLabel[role="ok"] {{ color: {OK}; font-weight: bold; }}
QLabel[role="banner"] {{ background: {WARN_BG}; color: {WARN_INK}; font-weight: bold; padding: 4px 12px;
    border-bottom: 2px solid {WARN_INK}; }}
QLabel[role="recovery"] {{ font-size: {huge + 10}pt; font-weight: bold; color: {INK}; background: {PAPER};
    border: 3px dashed {LINE}; border-radius: 8px; padding: 12px 24px; }}
QStatusBar {{ background: {SOFT}; border-top: 1px solid #C9D2DE; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ padding: 2px 10px 2px 0; }}
QFrame[role="card"] {{ background: {SOFT}; border: 1px solid #C9D2DE; border-radius: 8px; }}
QFrame[role="notice"] {{ background: #FFF6D6; border: 2px solid #C79A00; border-radius: 6px; }}
QFrame[role="notice-error"] {{ background: #FDECEA; border: 2px solid {DANGER}; border-radius: 6px; }}
QPushButton {{ min-height: {MIN_TARGET_PX}px; padding: {pad}px 16px; border: 2px solid {LINE}; border-radius: 6px;
    background: {PAPER}; }}
QPushButton:hover {{ background: {SOFT}; }}
QPushButton:focus, QLineEdit:focus, QComboBox:focus, QPlainTextEdit:focus, QListWidget:focus, QTableView:focus,
QDateEdit:focus, QSpinBox:focus, QTextBrowser:focus {{ border: 3px solid {FOCUS}; }}
QCheckBox:focus, QRadioButton:focus {{ background: #FFE3CC; color: {INK}; }}
QPushButton:disabled {{ color: #6B7480; border-color: #B7BEC8; background: #F3F4F6; }}
QPushButton[role="primary"] {{ background: {BLUE}; color: white; border-color: {BLUE_DARK}; font-weight: bold; }}
QPushButton[role="primary"]:hover {{ background: {BLUE_DARK}; }}
QPushButton[role="primary"]:disabled {{ background: #8AA4C4; color: #F4F7FB; }}
QPushButton[role="danger"] {{ color: {DANGER}; border-color: {DANGER}; font-weight: bold; }}
QPushButton[role="big"] {{ min-height: 84px; font-size: {big}pt; font-weight: bold; background: {BLUE}; color: white;
    border-color: {BLUE_DARK}; text-align: left; padding-left: 20px; }}
QPushButton[role="big"]:hover {{ background: {BLUE_DARK}; }}
QPushButton[role="nav"] {{ text-align: left; padding: 6px 16px 6px 14px; border: none; border-radius: 0;
    background: transparent; font-size: {points}pt; }}
QPushButton[role="nav"]:checked {{ background: {BLUE}; color: white; font-weight: bold; }}
QPushButton[role="nav"]:focus {{ border: 3px solid {FOCUS}; }}
QPushButton[role="chip"] {{ min-height: 40px; padding: 2px 12px; border-radius: 18px; }}
QPushButton[role="chip"]:checked {{ background: {BLUE}; color: white; border-color: {BLUE_DARK}; }}
QWidget[role="nav-bar"] {{ background: {SOFT}; border-right: 1px solid #C9D2DE; }}
QLineEdit, QComboBox, QPlainTextEdit, QDateEdit, QSpinBox {{ min-height: {MIN_TARGET_PX - 6}px; padding: 2px 8px;
    border: 2px solid {LINE}; border-radius: 6px; background: {PAPER}; }}
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"] {{ border: 3px solid {DANGER}; background: #FFF5F4; }}
QComboBox QAbstractItemView {{ font-size: {points}pt; }}
QCheckBox, QRadioButton {{ min-height: 40px; spacing: 10px; padding-right: 14px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: 26px; height: 26px; }}
QListWidget, QTableView {{ border: 2px solid {LINE}; border-radius: 6px; background: {PAPER};
    alternate-background-color: #F5F7FA; selection-background-color: {BLUE}; selection-color: white; }}
QListWidget::item {{ min-height: {MIN_TARGET_PX}px; padding: 2px 8px; border-bottom: 1px solid #E1E6EC; }}
QListWidget::item:selected, QTableView::item:selected {{ background: {BLUE}; color: white; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ background: {PAPER}; }}
QHeaderView::section {{ background: {SOFT}; padding: 6px; border: none; border-bottom: 2px solid {LINE};
    font-weight: bold; }}
QProgressBar {{ border: 2px solid {LINE}; border-radius: 6px; min-height: 30px; text-align: center;
    background: {PAPER}; }}
QProgressBar::chunk {{ background: {BLUE}; border-radius: 4px; }}
QToolTip {{ font-size: {points}pt; }}
"""


def apply_theme(app: QApplication, points: int) -> None:
    """Set the font and stylesheet for the whole application (also when the text size changes). Setting the
    same stylesheet again would restyle every widget for nothing (a quarter of a second), so it is skipped."""
    register_fonts()
    font, sheet = app_font(points), stylesheet(points)
    if app.font() != font:
        app.setFont(font)
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
