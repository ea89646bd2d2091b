"""``suishenban-county open-data --out FILE``: write the open-data SQLite file (county/services/open_data.py), the
same file the console's 统计分析 page offers the bureau. ``suishenban-county stats-rebuild``: recompute the
statistics' running aggregates from every case and mailing (county/services/stats_aggregates.py), after rows
were loaded straight into the database or to recover."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from county.config import Settings
from county.db import make_engine, session_factory, upgrade
from county.services import open_data, statistics, stats_aggregates
from county.services.common import audit, utcnow

EXIT_OK, EXIT_FAILED = 0, 1
COMMAND = "open-data"
REBUILD = "stats-rebuild"
COMMANDS = (COMMAND, REBUILD)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(COMMAND, help="导出开放数据：去标识的办件统计和事项清单（SQLite 文件，可用 Datasette 打开）")
    p.add_argument("--out", type=Path, required=True, help="写到哪个文件，如 open-data.sqlite（已有的会被替换）")
    sub.add_parser(REBUILD, help="按全部办件和寄递重新计算统计汇总（数据直接导入数据库后，或汇总有误时）")


def rebuild(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    session = session_factory(engine)()
    try:
        written = stats_aggregates.rebuild(session.connection())
        audit(session, f"cli:{getpass.getuser()}", "stats.rebuild", "statistics", **written)
        session.commit()
    finally:
        session.close()
        engine.dispose()
    print(
        f"统计汇总已重新计算：按月按代办点 {written['stats_month_point']} 行，按月按事项 {written['stats_month_item']} 行。"
    )
    return EXIT_OK


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == REBUILD:
        return rebuild(settings)
    if not args.out.parent.is_dir():
        print(f"没有这个文件夹：{args.out.parent}。请先建好文件夹，或换一个位置。")
        return EXIT_FAILED
    engine = make_engine(settings.database_url)
    upgrade(engine)
    session = session_factory(engine)()
    now = utcnow()
    try:
        counted = open_data.build(session, args.out, now)
        period = statistics.period_of(statistics.window(now))
        audit(session, f"cli:{getpass.getuser()}", "stats.open_data", "statistics", period=period)
        session.commit()
    finally:
        session.close()
        engine.dispose()
    print(f"已导出到 {args.out}（{period}）：")
    for name, rows in counted.items():
        print(f"  {name}  {rows} 行")
    return EXIT_OK
