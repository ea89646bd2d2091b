"""``suishenban-county fraud-scan``: run the fraud rules over a range of business dates (nightly, idempotent;
county/services/fraud_scan.py). Hits open review items in the console's 刷单复核 queue; nothing else changes."""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from county.config import Settings
from county.db import make_engine, session_factory, upgrade
from county.services.common import utcnow
from county.services.fraud_scan import scan
from sync.ledger.events import CHINA_TZ

EXIT_OK, EXIT_FAILED = 0, 1
COMMANDS = ("fraud-scan",)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 年-月-日，例如 2026-11-27（收到的是 {text[:20]}）") from None


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fraud-scan", help="按刷单规则检查一段日期的办件（每晚运行；重复运行不会重复记录）")
    p.add_argument("--from", dest="first", type=_day, help="从哪天起（业务日期，默认昨天）")
    p.add_argument("--to", dest="last", type=_day, help="到哪天止（默认与起始日相同）")


def run(args: argparse.Namespace, settings: Settings) -> int:
    yesterday = utcnow().astimezone(CHINA_TZ).date() - timedelta(days=1)
    first = args.first or yesterday
    last = args.last or first
    if last < first:
        print("结束日期早于开始日期，请检查 --from 和 --to。")
        return EXIT_FAILED
    if (last - first).days > 400:
        print("一次最多检查 400 天，请分段运行。")
        return EXIT_FAILED
    if not settings.fraud.enabled:
        print("刷单规则已关闭（SUISHENBAN_COUNTY_FRAUD_ENABLED=0），没有检查。")
        return EXIT_FAILED
    engine = make_engine(settings.database_url)
    upgrade(engine)
    session = session_factory(engine)()
    try:
        result = scan(session, first, last, settings.fraud)
        session.commit()
    finally:
        session.close()
        engine.dispose()
    print(
        f"{first} 至 {last}：规则命中 {result.hits} 处，其中新记录或新增办件 {result.recorded} 处，请到“刷单复核”处理。"
    )
    return EXIT_OK
