"""Every batch the county takes in is recorded with how far the device's clock was off (时钟偏差).

A counter that sends ``sent_at`` (its clock as it sends the batch) gets the skew measured against the
county's receive time; one off by more than the limit (10 minutes by default) is flagged on the device
(``Device.clock_wrong``, shown by ``list-devices``) and told in the push answer, so the shopkeeper reads
that the PC's clock is wrong. A later batch within the limit clears the flag. An imported sync file's
``sent_at`` is when it was exported, perhaps days ago: its batch is recorded without a skew.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from county.config import ClockRules
from county.models import Device, SyncBatch
from county.services.crediting import LATE
from sync.ledger.events import parse_time
from sync.wire import ClockNote, CreditNote, PushRequest

INT32_MAX = 2**31 - 1


def skew_seconds(sent_at: str | None, received_at: datetime) -> int | None:
    """Device time minus county time, in whole seconds; None when the device did not say or said nonsense."""
    if sent_at is None:
        return None
    try:
        seconds = round((parse_time(sent_at) - received_at).total_seconds())
    except (ValueError, OverflowError):
        return None
    return max(-INT32_MAX, min(INT32_MAX, seconds))  # a clock set to the year 9999 still fits the column


def record(
    session: Session,
    device: Device,
    request: PushRequest,
    now: datetime,
    rules: ClockRules,
    notes: Sequence[CreditNote],
    *,
    source: str,
) -> ClockNote | None:
    """Add the batch's row and update the device's clock flag; the note for the answer when a skew was measured."""
    skew = skew_seconds(request.sent_at, now) if source == "push" else None
    late = sum(note.flag == LATE for note in notes)
    session.add(
        SyncBatch(
            device_id=device.id,
            point_id=device.point_id,
            source=source,
            from_seq=request.from_seq,
            event_count=len(request.events),
            received_at=now,
            device_time=request.sent_at,
            skew_seconds=skew,
            late=late,
            unpaid=len(notes) - late,
        )
    )
    if skew is None:
        return None
    wrong = abs(skew) > rules.skew_flag_seconds
    device.clock_skew_seconds, device.clock_wrong = skew, wrong
    return ClockNote(skew_seconds=skew, wrong=wrong)
