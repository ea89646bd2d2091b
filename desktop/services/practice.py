"""The practice point (培训模式) offline: its own data folder, a known password, and sample records to practise on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from desktop.services.login import store_exists

PASSWORD = "peixun2026"  # the same as desktop.demo.TRAINING_PASSWORD (a test keeps them equal)
BANNER = "【培训模式】这里都是练习数据，不会上报县里，也不计入真实积分"


def prepare(folder: Path, today: date) -> bool:
    """Create and fill the practice ledger if it is not there yet; True when it was made now."""
    if store_exists(folder):
        return False
    from desktop import demo

    demo.seed_training(folder, today)
    return True
