"""What one staff account may see of a settlement (数据范围, county/services/scope.py): its lines, by township,
with the hand-outs recorded; and the files made from them (workbook, 发放清单, 签收单)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import Settlement, SettlementHandout, SettlementLine
from county.services import settlement_papers, settlement_workbook
from county.services.scope import Scope
from county.services.settlement import PUBLISHED, quarter_months
from county.services.settlement_hash import LINE_FIELDS
from county.services.settlement_publish import clawbacks_of


def lines_for(session: Session, settlement: Settlement, scope: Scope, township_id: int | None = None) -> list[dict]:
    """The settlement's lines this account may see (a township: its own points), by township then point code."""
    query = select(SettlementLine, SettlementHandout).outerjoin(
        SettlementHandout, SettlementHandout.line_id == SettlementLine.id
    )
    query = query.where(SettlementLine.settlement_id == settlement.id)
    if not scope.county_wide:
        query = query.where(SettlementLine.township_id == (scope.township_id if scope.township_id else -1))
    if township_id is not None:
        query = query.where(SettlementLine.township_id == township_id)
    rows = session.execute(query.order_by(SettlementLine.township_name, SettlementLine.point_code))
    return [
        {
            "id": line.id,
            "point_id": line.point_id,
            "township_id": line.township_id,
            **{k: getattr(line, k) for k in LINE_FIELDS},
            "handout": None
            if given is None
            else {"handed_on": given.handed_on, "receiver": given.receiver, "recorded_by": given.recorded_by},
        }
        for line, given in rows
    ]


def by_township(lines: list[dict]) -> list[tuple[int, str, list[dict]]]:
    groups: dict[int, tuple[str, list[dict]]] = {}
    for line in lines:
        groups.setdefault(line["township_id"], (line["township_name"], []))[1].append(line)
    return [(tid, name, rows) for tid, (name, rows) in sorted(groups.items(), key=lambda g: g[1][0])]


def workbook_for(session: Session, settlement: Settlement, scope: Scope, scope_label: str) -> bytes:
    lines = lines_for(session, settlement, scope)
    mine = {line["point_id"] for line in lines}
    handouts = [
        {"point_code": line["point_code"], "point_name": line["point_name"], **line["handout"]}
        for line in lines
        if line["handout"]
    ]
    clawbacks = [c for c in clawbacks_of(session, settlement) if c["point_id"] in mine]
    return settlement_workbook.workbook(
        settlement, quarter_months(settlement.quarter), lines, clawbacks, handouts, scope_label
    )


def _published(settlement: Settlement) -> None:
    if settlement.state != PUBLISHED:
        raise CountyError(Refusal.CONFLICT, "draft", "草稿还不能打印发放清单和签收单，请县局发布后再下载。")


def distribution_list_for(session: Session, settlement: Settlement, scope: Scope, township_id: int) -> bytes:
    _published(settlement)
    lines = lines_for(session, settlement, scope, township_id)
    if not lines:
        raise CountyError(Refusal.NOT_FOUND, "no_lines", "这个乡镇在本季结算中没有代办点。")
    return settlement_papers.distribution_list(settlement, lines[0]["township_name"], lines)


def receipt_slips_for(
    session: Session, settlement: Settlement, scope: Scope, township_id: int, point_code: str | None = None
) -> bytes:
    """签收单: one page per point of the township, or the one point asked for."""
    _published(settlement)
    lines = lines_for(session, settlement, scope, township_id)
    if point_code:
        lines = [line for line in lines if line["point_code"] == point_code]
    if not lines:
        raise CountyError(Refusal.NOT_FOUND, "no_lines", "这个乡镇在本季结算中没有代办点。")
    return settlement_papers.receipt_slips(settlement, lines)
