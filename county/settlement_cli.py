"""``suishenban-county settlement ...``: run, show, publish and export a quarter's settlement from a terminal
(county/services/settlement*.py; the console's 季度结算 pages do the same)."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from county.config import Settings
from county.db import make_engine, session_factory, upgrade
from county.errors import CountyError, Refusal
from county.services import settlement, settlement_publish, settlement_views
from county.services.scope import Scope
from county.services.staff import StaffRole

EXIT_OK, EXIT_FAILED = 0, 1
COMMANDS = ("settle-run", "settle-show", "settle-publish", "settle-export")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("settle-run", help="计算季度结算草稿（季度入账结束后；已发布的要写更正原因）")
    p.add_argument("quarter", help="季度，如 2026-Q3")
    p.add_argument("--value", required=True, help="每积分折合多少元扶贫产品，如 0.50")
    p.add_argument("--reason", default="", help="更正已发布结算的原因（生成新版本）")
    p = sub.add_parser("settle-show", help="列出季度结算的各版本、校验值和各代办点的金额")
    p.add_argument("quarter")
    p = sub.add_parser("settle-publish", help="发布季度结算草稿（发布后不能修改）")
    p.add_argument("quarter")
    p.add_argument("--hash", required=True, help="草稿的校验值（settle-show 所列），确认发布的正是核对过的内容")
    p = sub.add_parser("settle-export", help="把现行的季度结算导出为 Excel 工作簿（财政、审计用）")
    p.add_argument("quarter")
    p.add_argument("--out", type=Path, required=True)


def _draft(session, quarter: str):
    found = [s for s in settlement_publish.versions(session, quarter) if s.state == settlement.DRAFT]
    if not found:
        raise CountyError(Refusal.NOT_FOUND, "no_draft", f"{quarter} 没有待发布的草稿。")
    return found[0]


def _show(session, quarter: str) -> None:
    for row in settlement_publish.versions(session, quarter):
        state = "已发布" if row.state == settlement.PUBLISHED else "草稿"
        print(f"第 {row.version} 版 {state} 每积分 {row.point_value} 元 校验值 {row.content_hash}")
        if row.reason:
            print(f"  更正原因：{row.reason}")
        for change in settlement_publish.difference(session, row):
            print(f"  差异 {change['point']} {change['field']}：{change['old']} → {change['new']}")
        for line in settlement_views.lines_for(session, row, Scope(StaffRole.FINANCE)):
            held = f" 暂扣：{line['hold_reason']}" if line["hold_reason"] else ""
            print(
                f"  {line['township_name']} {line['point_code']} {line['point_name']} 积分 {line['points']}"
                f" 实发 {line['payout']} 元 待追回 {line['owed_out']} 元{held}"
            )


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    session = session_factory(engine)()
    actor = f"cli:{getpass.getuser()}"
    try:
        if args.command == "settle-run":
            row = settlement.run(session, args.quarter, args.value, actor=actor, reason=args.reason)
            print(
                f"{row.quarter} 第 {row.version} 版草稿已算好，校验值 {row.content_hash}。核对后用 settle-publish 发布。"
            )
        elif args.command == "settle-publish":
            row = settlement_publish.publish(
                session, _draft(session, args.quarter).id, actor=actor, seen_hash=args.hash
            )
            print(f"{row.quarter} 第 {row.version} 版已发布，校验值 {row.content_hash}。")
        elif args.command == "settle-export":
            row = settlement.effective(session, args.quarter)
            if row is None:
                raise CountyError(Refusal.NOT_FOUND, "none", f"{args.quarter} 还没有发布的结算。")
            args.out.write_bytes(settlement_views.workbook_for(session, row, Scope(StaffRole.FINANCE), "全县"))
            print(f"已导出到 {args.out}")
        else:
            _show(session, args.quarter)
        session.commit()
    except CountyError as exc:
        session.rollback()
        print(exc.message)
        return EXIT_FAILED
    finally:
        session.close()
        engine.dispose()
    return EXIT_OK
