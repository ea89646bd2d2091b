"""Where a store keeps its files inside its data folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoreLayout:
    folder: Path

    @property
    def database(self) -> Path:
        return self.folder / "ledger.db"

    @property
    def head_mark(self) -> Path:
        """The ledger's latest position kept outside the database (store/headmark.py)."""
        return self.folder / "ledger.head"

    @property
    def keyring(self) -> Path:
        return self.folder / "keyring.json"

    @property
    def backups(self) -> Path:
        return self.folder / "backups"

    @property
    def damaged(self) -> Path:
        return self.folder / "damaged"

    @property
    def check_failed(self) -> Path:
        """Written when a background whole-file check finds damage: the next open checks in full and restores."""
        return self.folder / "check-failed"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    def sidecars(self) -> tuple[Path, Path]:
        db = self.database
        return Path(f"{db}-wal"), Path(f"{db}-shm")
