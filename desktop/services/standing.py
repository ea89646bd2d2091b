"""Whether a locked counter may work again (恢复): ask the county, and lift the lock when it takes the device back.

A locked counter cannot pull (the county refuses every call of a revoked account, point or device), so the
county's answer to an authenticated ``GET /api/v1/status`` is the signal: an answer means the bureau
reinstated this counter; a refusal keeps the lock, with the county's latest words. Nothing in the ledger is
touched besides the lock note: records waiting to be sent go up with the next run, which the county answers
"already had it" for anything it did take.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.services.activation import sync_client_for
from desktop.services.session import Counter
from desktop.services.syncing import lock, unlock
from sync.client import AuthRefused, Outdated, SyncError

NOT_CONNECTED = "这个台账没有连接县里，无法确认。"


@dataclass(frozen=True)
class StandingCheck:
    """One question to the county. ``refused``: it still refuses this device; otherwise it could not be asked."""

    restored: bool
    refused: bool = False
    message: str = ""


def check_standing(counter: Counter) -> StandingCheck:
    """Ask the county whether this counter may sync again; unlock when it may (runs off the UI thread)."""
    client = sync_client_for(counter.store)
    if client is None:
        return StandingCheck(False, message=NOT_CONNECTED)
    try:
        client.status()
    except AuthRefused as exc:
        lock(counter, exc.message)  # the county's latest reason, e.g. the account is back but this device is not
        return StandingCheck(False, refused=True, message=exc.message)
    except Outdated:
        pass  # past the credential check: the county takes this device back; the next run says to update
    except SyncError as exc:
        return StandingCheck(False, message=exc.message)
    unlock(counter)
    return StandingCheck(True)
