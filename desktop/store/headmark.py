"""The head mark (台账位置标记): the ledger's latest position kept beside the database file, checked at open.

After every committed save the store writes, durably and in place, a small file ``ledger.head`` with
the last sequence number, its hash, the newest record's time and the last receipt serial of each recent
business day. A database found *behind* its mark has lost saves that were reported done — typically a
deleted ``-wal`` file after an unclean exit, or a folder copied without it — and is treated as damaged.
The mark is written after the commit, so it is never ahead of a healthy database: a kill between the
two leaves it behind, which is allowed. The file keeps two checksummed slots written in turn
(``files.SlotFile``), so a torn write leaves the previous mark readable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.store.files import SlotFile
from sync.ledger.chain import GENESIS_HASH
from sync.ledger.receipts import parse_receipt_no

log = logging.getLogger(__name__)
MARK_VERSION = 1
KEEP_DAYS = 40  # business days whose last serial is kept: the most recently used ones


@dataclass
class HeadMark:
    device_id: str
    seq: int = 0
    hash: str = GENESIS_HASH
    newest_at: str = ""  # occurred_at of the newest event, for the clock check
    serials: dict[str, int] = field(default_factory=dict)  # business date → last receipt serial issued

    def advance(self, events: Iterable) -> None:
        """Move the mark past ``events`` (sealed, in order): their head and the receipt serials they used."""
        for ev in events:
            if ev.seq <= self.seq:
                continue
            self.seq, self.hash, self.newest_at = ev.seq, ev.hash, ev.occurred_at
            number = ev.body.get("receipt_no") if ev.type == "case.recorded" else None
            if number:
                parsed = parse_receipt_no(number)
                self.note_serial(parsed.business_date.isoformat(), parsed.serial)

    def note_serial(self, day: str, serial: int) -> None:
        highest = max(serial, self.serials.pop(day, 0))
        self.serials[day] = highest  # re-inserted: the dict's order is the order of use
        while len(self.serials) > KEEP_DAYS:
            self.serials.pop(next(iter(self.serials)))

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "version": MARK_VERSION,
                "device_id": self.device_id,
                "seq": self.seq,
                "hash": self.hash,
                "newest_at": self.newest_at,
                "serials": self.serials,
            },
            separators=(",", ":"),
        ).encode()


def read_mark(path: Path, device_id: str | None) -> HeadMark | None:
    """The mark beside the ledger, or None when there is none (an older store) or it is not this ledger's.

    ``device_id`` None (the ledger cannot be read): any mark of this version, to be matched after a restore."""
    try:
        raw = SlotFile(path).read()
        if raw is None:
            return None
        data = json.loads(raw)
        mark = HeadMark(
            data["device_id"],
            int(data["seq"]),
            str(data["hash"]),
            str(data.get("newest_at", "")),
            {str(k): int(v) for k, v in data.get("serials", {}).items()},
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("head mark unreadable (%s); it is rewritten from the ledger", type(exc).__name__)
        return None
    if (device_id is not None and mark.device_id != device_id) or data.get("version") != MARK_VERSION:
        log.warning("head mark belongs to another ledger or version; it is rewritten from the ledger")
        return None
    return mark


def write_mark(file: SlotFile, mark: HeadMark) -> None:
    """Write the mark durably, in place: a reader finds this record whole, or the one before it."""
    file.write(mark.to_bytes())


def behind(mark: HeadMark, head_seq: int, hash_at_mark: str | None) -> str | None:
    """Why a ledger whose head is ``head_seq`` (holding ``hash_at_mark`` at the mark's seq) is behind; or None."""
    if head_seq < mark.seq:
        return f"the ledger ends at {head_seq} but saves up to {mark.seq} were reported done"
    if mark.seq and hash_at_mark != mark.hash:
        return f"the ledger's record {mark.seq} is not the one reported saved"
    return None
