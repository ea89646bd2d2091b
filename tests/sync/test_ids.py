"""Device-generated ids: valid everywhere an id is checked, time-ordered, and never repeated."""

from __future__ import annotations

import time
import uuid

from sync.ledger.events import new_id
from sync.ledger.forms_base import check_id


def test_an_id_is_a_version_7_uuid_of_now_in_the_checked_form():
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert check_id(value, field="case_id", label="办件编号") == value  # 32 lowercase hex, as before
    parsed = uuid.UUID(value)
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert before <= parsed.int >> 80 <= after  # the first 48 bits: Unix time in milliseconds


def test_ids_made_later_sort_later():
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    assert first < second
    earlier = [new_id() for _ in range(50)]
    time.sleep(0.002)
    later = [new_id() for _ in range(50)]
    assert max(earlier) < min(later)


def test_ids_made_in_the_same_millisecond_still_differ():
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    per_ms: dict[str, int] = {}
    for value in ids:
        per_ms[value[:12]] = per_ms.get(value[:12], 0) + 1
    assert max(per_ms.values()) > 1  # the loop did make several in one millisecond: the random part kept them apart
