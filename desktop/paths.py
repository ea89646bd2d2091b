"""Where the counter keeps its data: the per-user application data folder, never beside the program."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_FOLDER = "Suishenban"


def default_data_dir(*, training: bool = False) -> Path:
    """%LOCALAPPDATA%\\Suishenban on Windows, ~/.local/share/suishenban on Linux; training in its own folder.

    ``SUISHENBAN_DATA_DIR`` overrides the base folder (support staff, tests).
    """
    override = os.environ.get("SUISHENBAN_DATA_DIR")
    if override:
        base = Path(override)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / APP_FOLDER
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / APP_FOLDER
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP_FOLDER.lower()
    return base / ("training" if training else "ledger")
