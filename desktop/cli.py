"""The ``suishenban`` command: the training demo, the store check, and the forgotten-password path."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from desktop.paths import default_data_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="suishenban", description="乡村随身办 柜台端")
    parser.add_argument("--training", action="store_true", help="培训模式：使用单独的练习台账，不影响真实记录")
    parser.add_argument("--data-dir", type=Path, help="台账文件夹（默认在本机用户的应用数据目录下）")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="在练习台账里登记一天的示例办件并日结（默认）")
    sub.add_parser("check", help="检查台账：完整性、自动恢复、哈希链校验")
    sub.add_parser("reset-password", help="忘记密码时，用恢复码设置新密码")
    return parser


def _check(folder: Path) -> int:
    from desktop.store.keys import KeyRingError
    from desktop.store.opening import open_store
    from desktop.store.recovery import StoreUnrecoverable

    try:
        store, report = open_store(folder, getpass.getpass("请输入代办员密码："))
    except (KeyRingError, StoreUnrecoverable) as exc:
        print(exc)
        return EXIT_FAILED
    try:
        if report.recovery:
            print(report.recovery.message())
        head = store.verify()
        counts = store.outbox_counts()
        print(f"台账正常：共 {head.seq} 条记录，哈希链完整；待同步 {counts.get('pending', 0) + counts.get('sent', 0)} 条。")
    finally:
        store.close()
    return EXIT_OK


def _reset_password(folder: Path) -> int:
    from desktop.store.keys import KeyRingError, set_password, unlock_with_recovery
    from desktop.store.layout import StoreLayout

    ring = StoreLayout(folder).keyring
    try:
        unlocked = unlock_with_recovery(ring, input("请输入纸上的恢复码（例如 K7QX-M2PA-…）："))
        first = getpass.getpass("请设置新密码：")
        if first != getpass.getpass("请再输入一次新密码："):
            print("两次输入的新密码不一样，密码没有改动，请重新操作。")
            return EXIT_FAILED
        set_password(ring, unlocked, first)
    except KeyRingError as exc:
        print(exc)
        return EXIT_FAILED
    print("新密码已设置好，请用新密码登录。台账数据没有任何改动。")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    folder = args.data_dir or default_data_dir(training=args.training)
    command = args.command or "demo"
    if command == "demo":
        if not args.training:
            print("示例办件只能登记在练习台账里，请加上 --training 参数：suishenban --training")
            return EXIT_USAGE
        from desktop import demo

        demo.run(folder)
        return EXIT_OK
    if command == "check":
        return _check(folder)
    return _reset_password(folder)


if __name__ == "__main__":
    sys.exit(main())
