"""What the county sent down besides case statuses: notices (通知) for 今日 and the points statement for 积分."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from desktop.services.session import Counter
from desktop.services.sync_view import when
from desktop.store.sync_port import StoreSyncPort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    title: str
    text: str
    published: str  # 11月27日 09:00
    sender: str


@dataclass(frozen=True)
class MonthStatement:
    month: str  # "2026-11"
    credited: int
    raw: int
    capped: bool
    cases: int


@dataclass(frozen=True)
class StatementFlag:
    """A completion the county did not credit to its own month (docs/points.md): late, or earning nothing."""

    case_id: str
    receipt_no: str
    completed_at: str  # as this counter recorded it
    flag: str  # late | future | before_case | before_enrolment | disqualified (取消资格 after fraud review)
    month: str | None  # the month it counts in; None: it earns nothing
    reason: str = ""  # why the county disqualified it (disqualified only)


@dataclass(frozen=True)
class QuarterSettlement:
    """This point's line in a quarter's published settlement (季度结算): what the township hands over."""

    quarter: str  # "2026-Q3"
    version: int
    points: int
    point_value: str  # 元 per point, decimal text
    gross: str
    clawback: str
    payout: str
    owed_out: str  # not offset: the township recovers it
    held_out: str
    hold_reason: str | None
    hold_released: str | None = None  # 解除暂缓: what held the point, and the bureau's reason to pay it


@dataclass(frozen=True)
class PointsStatement:
    """The county's own reckoning (积分对账单): what counts at the quarterly settlement."""

    months: tuple[MonthStatement, ...]
    quarters: dict[str, int]
    received: str
    flags: tuple[StatementFlag, ...] = ()
    settlements: tuple[QuarterSettlement, ...] = ()  # quarter order

    def month(self, key: str) -> MonthStatement | None:
        return next((m for m in self.months if m.month == key), None)


_SENDERS = {"training": "培训用县级端"}


def _payloads(counter: Counter, kind: str) -> list[tuple[dict, dict]]:
    out = []
    for row in StoreSyncPort(counter.store).county_items(kind):
        try:
            out.append((row, json.loads(row["payload_json"])))
        except (ValueError, TypeError):
            log.warning("ignoring an unreadable %s item from the county", kind)
    return out


def notices(counter: Counter, limit: int = 3) -> list[Notice]:
    """The newest notices first."""
    found = []
    for row, payload in reversed(_payloads(counter, "notice")):
        if not isinstance(payload, dict) or not payload.get("title"):
            continue
        sender = str(payload.get("from") or "")
        found.append(
            Notice(
                str(payload["title"]),
                str(payload.get("text") or ""),
                when(str(payload.get("published_at") or row["created_at"])),
                _SENDERS.get(sender, sender),
            )
        )
        if len(found) >= limit:
            break
    return found


def points_statement(counter: Counter) -> PointsStatement | None:
    """The latest statement the county sent for this point, or None before the first one arrives."""
    for row, payload in reversed(_payloads(counter, "points_statement")):
        try:
            months = tuple(
                MonthStatement(key, int(m["credited"]), int(m["raw"]), bool(m["capped"]), int(m["cases"]))
                for key, m in sorted(payload["months"].items())
            )
            quarters = {str(k): int(v) for k, v in payload.get("quarters", {}).items()}
            flags = tuple(
                StatementFlag(
                    str(f["case_id"]),
                    str(f["receipt_no"]),
                    str(f["completed_at"]),
                    str(f["flag"]),
                    str(f["month"]) if f.get("month") else None,
                    str(f.get("reason") or ""),
                )
                for f in payload.get("flags", [])
            )
            settled = tuple(_settlement(key, value) for key, value in sorted(payload.get("settlements", {}).items()))
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("ignoring a points statement that does not check out")
            continue
        return PointsStatement(months, quarters, when(row["received_at"]), flags, settled)
    return None


def _settlement(quarter: str, value: dict) -> QuarterSettlement:
    return QuarterSettlement(
        str(quarter),
        int(value["version"]),
        int(value["points"]),
        str(value["point_value"]),
        str(value["gross"]),
        str(value["clawback"]),
        str(value["payout"]),
        str(value["owed_out"]),
        str(value["held_out"]),
        str(value["hold_reason"]) if value.get("hold_reason") else None,
        str(value["hold_released"]) if value.get("hold_released") else None,
    )
