"""Backoff: exponential with full jitter, a ceiling, and the county's Retry-After taking precedence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sync.engine import Backoff, SyncEngine


def test_delays_double_up_to_the_ceiling_when_jitter_is_at_its_top():
    backoff = Backoff(base=5, ceiling=60, rng=lambda: 1.0)
    assert [backoff.next_delay() for _ in range(6)] == [5, 10, 20, 40, 60, 60]
    backoff.reset()
    assert backoff.next_delay() == 5


def test_retry_after_wins_when_longer_than_the_jittered_delay():
    backoff = Backoff(base=5, ceiling=60, rng=lambda: 0.1)
    assert backoff.next_delay(retry_after=30) == 30
    assert backoff.next_delay(retry_after=None) == 1.0  # 0.1 × 10


@given(st.floats(0, 1, exclude_max=True), st.integers(1, 40))
def test_jittered_delay_never_exceeds_the_ceiling(draw, failures):
    backoff = Backoff(base=5, ceiling=900, rng=lambda: draw)
    for _ in range(failures):
        delay = backoff.next_delay()
    assert 0 <= delay <= 900


class _E:
    def __init__(self, seq):
        self.seq = seq


def test_a_batch_is_the_leading_run_of_consecutive_sequence_numbers():
    run = SyncEngine._consecutive([_E(5), _E(6), _E(7), _E(9), _E(10)])
    assert [e.seq for e in run] == [5, 6, 7]
    assert SyncEngine._consecutive([]) == []
