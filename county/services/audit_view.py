"""Reading the audit log: the filter the console page and its Excel export share, and the export itself."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import AuditLog
from county.services.common import aware
from county.services.staff import ROLE_LABELS, StaffRole
from sync.ledger.events import CHINA_TZ

PAGE_ROWS = 200
EXPORT_ROWS = 100_000  # a year of a busy county's console actions; more: narrow the dates
COLUMNS = ("序号", "时间", "操作人", "角色", "地址", "操作", "对象", "详情（修改前后）", "本条哈希")


def _day(text: str, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CountyError(Refusal.INVALID, "bad_date", f"{label}应写成 2026-11-27 这样。") from None


def _utc(day: date) -> datetime:
    """The start of a China-time day in UTC (SQLite compares the stored UTC wall time)."""
    return datetime.combine(day, time(), CHINA_TZ).astimezone(UTC)


@dataclass(frozen=True)
class AuditFilter:
    """Who (the staff account, ``staff:zhangsan`` or just ``zhangsan``), what (an action or its first part,
    ``case.`` or ``workdays.edit``) and which China-time days, both ends included."""

    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, actor: str, action: str, since: str, until: str) -> AuditFilter:
        made = cls(actor.strip()[:60], action.strip().replace("%", "").replace("_", "")[:60])
        made = cls(made.actor, made.action, _day(since, "开始日期"), _day(until, "结束日期"))
        if made.since and made.until and made.since > made.until:
            raise CountyError(Refusal.INVALID, "bad_range", "开始日期不能晚于结束日期。")
        return made

    def query(self) -> Select:
        query = select(AuditLog).order_by(AuditLog.id.desc())
        if self.actor:
            wanted = self.actor if ":" in self.actor else f"staff:{self.actor}"
            query = query.where(AuditLog.actor.in_({self.actor, wanted}))
        if self.action:
            query = query.where(AuditLog.action.like(self.action + "%"))
        if self.since:
            query = query.where(AuditLog.at >= _utc(self.since))
        if self.until:
            query = query.where(AuditLog.at < _utc(self.until + timedelta(days=1)))
        return query

    def as_detail(self) -> dict:
        return {
            "actor": self.actor,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }


def role_label(role: str | None) -> str:
    if not role:
        return "命令行/系统"
    try:
        return ROLE_LABELS[StaffRole(role)]
    except ValueError:
        return role


def detail_text(detail: dict) -> str:
    return "；".join(
        f"{key}：{json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value}"
        for key, value in (detail or {}).items()
    )


def rows(session: Session, wanted: AuditFilter, limit: int = PAGE_ROWS) -> list[AuditLog]:
    return list(session.scalars(wanted.query().limit(limit)))


def workbook(found: list[AuditLog]) -> bytes:
    """The rows as an .xlsx file for finance and audit (newest first, China time)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")

    def text(value: str) -> WriteOnlyCell:
        """Always text: a reason typed as "=HYPERLINK(…)" must not become a formula in the auditor's Excel."""
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell

    sheet.append(list(COLUMNS))
    for row in found:
        sheet.append(
            [row.seq]
            + [
                text(value)
                for value in (
                    aware(row.at).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                    row.actor,
                    role_label(row.role),
                    row.ip or "",
                    row.action,
                    row.target,
                    detail_text(row.detail),
                    row.row_hash or "",
                )
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
