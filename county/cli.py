"""The ``suishenban-county`` command: the county bureau's tools (the catalogue, for now; the endpoint follows)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sync.ledger.catalogue import (
    CLASS_LABELS,
    FLOW_LABELS,
    CatalogueError,
    catalogue_digest,
    load_catalogue,
    load_units,
    parse_catalogue,
)

EXIT_OK, EXIT_FAILED = 0, 1


def _print_catalogue(version: str | None) -> int:
    try:
        catalogue = load_catalogue(version)
    except CatalogueError as exc:
        print(exc)
        return EXIT_FAILED
    print(f"事项清单 {catalogue.version}（发布于 {catalogue.published_date:%Y年%m月%d日}），共 {len(catalogue.items)} 项")
    for item in catalogue.items:
        units = "、".join(unit.name for unit in catalogue.units_of(item))
        print(f"{item.seq:>2}  {item.code}  {item.category}  {item.name}  {CLASS_LABELS[item.points_class]} "
              f"{item.points} 积分  {FLOW_LABELS[item.flow]}  {units}")
    return EXIT_OK


def _check_catalogue(path: Path) -> int:
    """Check a catalogue version the bureau wants to publish, before it reaches any counter."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"读不了这个文件：{path}（{type(exc).__name__}）。请确认它是 UTF-8 编码的 JSON 文件。")
        return EXIT_FAILED
    try:
        catalogue = parse_catalogue(data, load_units())
    except CatalogueError as exc:
        print(f"事项清单有问题，不能发布：{exc}")
        return EXIT_FAILED
    print(f"检查通过：事项清单 {catalogue.version}，共 {len(catalogue.items)} 项，指纹 {catalogue_digest(data)[:16]}。")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="suishenban-county", description="乡村随身办 县级端")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("catalogue", help="列出事项清单（事项、类别、积分、办理单位）")
    show.add_argument("--version", help="清单版本，默认最新")
    check = sub.add_parser("check-catalogue", help="发布新版事项清单前检查文件")
    check.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "catalogue":
        return _print_catalogue(args.version)
    return _check_catalogue(args.file)


if __name__ == "__main__":
    sys.exit(main())
