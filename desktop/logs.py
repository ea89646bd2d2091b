"""The counter's logging, set up once per run: a rotating file in the data folder, errors also on the terminal."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from sync.logmask import PersonalDataFilter

LOG_FILE = "suishenban.log"
MAX_BYTES, BACKUPS = 1_000_000, 5  # at most six files of 1 MB: months of a counter's notes
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OURS = "_suishenban_handler"


def configure(folder: Path | None, *, console_level: int = logging.ERROR) -> Path | None:
    """Send the program's log records (Qt's messages among them, see ``desktop.app``) to
    ``<folder>/logs/suishenban.log`` (rotated at 1 MB, five old files kept) and those at ``console_level``
    or above to the terminal, when there is one (a windowed Windows build has none). Every handler masks
    personal data. Called again (tests run several commands in one process), it replaces what it set up.
    Returns the log file, or None when the folder cannot be written (then the terminal only)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = []
    path = None
    if folder is not None:
        path = folder / "logs" / LOG_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        except OSError:
            path = None
        else:
            to_file.setLevel(logging.INFO)
            handlers.append(to_file)
    if sys.stderr is not None:
        to_terminal = logging.StreamHandler(sys.stderr)
        to_terminal.setLevel(console_level)
        to_terminal.addFilter(lambda record: getattr(record, "terminal", True))
        handlers.append(to_terminal)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(PersonalDataFilter())
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    return path
