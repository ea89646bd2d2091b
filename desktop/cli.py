"""The ``suishenban`` command: the counter window, headless checks, the demo, store check, password reset, sync file."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from desktop import logs
from desktop.paths import default_data_dir

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="suishenban", description="乡村随身办 柜台端")
    parser.add_argument("--training", action="store_true", help="培训模式：使用单独的练习台账，不影响真实记录")
    parser.add_argument("--data-dir", type=Path, help="台账文件夹（默认在本机用户的应用数据目录下）")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="无屏幕自检：在临时文件夹里打开练习台账，建好主窗口，用登记页面真实登记一笔办件",
    )
    parser.add_argument(
        "--screenshots", type=Path, metavar="DIR", help="无屏幕保存各主要页面的截图（1366×768，三种文字大小）到 DIR"
    )
    parser.add_argument(
        "--start-check",
        action="store_true",
        help="无屏幕启动检查：在临时文件夹上打开登录窗口，显示出来就退出（安装包检查和启动计时用）",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("window", help="打开柜台窗口（默认）")
    sub.add_parser("demo", help="在练习台账里登记一天的示例办件并日结（命令行演示）")
    sub.add_parser("check", help="检查台账：完整性、自动恢复、哈希链校验")
    sub.add_parser("reset-password", help="忘记密码时，用恢复码设置新密码")
    export = sub.add_parser("export-sync", help="没有网络时，把待同步的记录导出成同步文件（存到 U 盘交给乡镇）")
    export.add_argument("file", type=Path, help="同步文件保存到哪里，例如 E:\\瑶里村-同步文件.ssb")
    return parser


def _check(folder: Path) -> int:
    from desktop.store.faults import StoreUnavailable
    from desktop.store.keys import KeyRingError
    from desktop.store.opening import open_store
    from desktop.store.recovery import StoreUnrecoverable

    try:
        store, report = open_store(folder, getpass.getpass("请输入代办员密码："))
    except (KeyRingError, StoreUnrecoverable, StoreUnavailable) as exc:
        print(exc)
        return EXIT_FAILED
    try:
        if report.recovery:
            print(report.recovery.message())
        head = store.verify()
        counts = store.outbox_counts()
        print(
            f"台账正常：共 {head.seq} 条记录，哈希链完整；待同步 {counts.get('pending', 0) + counts.get('sent', 0)} 条。"
        )
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


def _export_sync(folder: Path, path: Path) -> int:
    from desktop.services.sync_file import ExportError, export_pending
    from desktop.store.faults import StoreUnavailable
    from desktop.store.keys import KeyRingError
    from desktop.store.opening import open_store
    from desktop.store.recovery import StoreUnrecoverable

    try:
        store, _report = open_store(folder, getpass.getpass("请输入代办员密码："))
    except (KeyRingError, StoreUnrecoverable, StoreUnavailable) as exc:
        print(exc)
        return EXIT_FAILED
    try:
        exported = export_pending(store, path)
    except ExportError as exc:
        print(exc)
        return EXIT_FAILED
    except OSError as exc:
        print(
            f"同步文件没有写成（{exc.strerror or '无法写入'}），请检查 U 盘是否插好、有没有空间后再试。台账没有任何改动。"
        )
        return EXIT_FAILED
    finally:
        store.close()
    print(exported.message(path))
    print(
        "请把 U 盘交给乡镇，由乡镇转交县政务服务管理局导入。这些记录在本机仍算“待同步”，网络恢复后会再同步一次，"
        "县里会认出已经收到的，所以重复导出或 U 盘丢了都不会丢数据。"
    )
    return EXIT_OK


def _start_check() -> int:
    """The login window as ``suishenban`` opens it, on a throw-away folder; closed as soon as it is shown."""
    import tempfile

    from desktop import app

    shown: list[str] = []

    def close_when_shown(window) -> None:
        from PySide6.QtCore import QTimer

        shown.append(window.windowTitle())
        QTimer.singleShot(0, window.close)

    with tempfile.TemporaryDirectory(prefix="suishenban-start-") as folder:
        app.run(Path(folder) / "ledger", training=False, on_shown=close_when_shown)
    if not shown:
        print("启动检查失败：登录窗口没有打开。")
        return EXIT_FAILED
    print(f"启动检查通过：登录窗口已打开（{shown[0]}）。")
    return EXIT_OK


NO_SCREEN = (
    "没有检测到屏幕，无法打开柜台窗口。没有屏幕时可以运行 suishenban --training（在命令行练习一天，"
    "并把各主要页面保存成截图），或 suishenban --self-test（自检）。"
)


def has_screen(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether a window can be seen: Windows and macOS always; Linux needs X11 or Wayland (not offscreen)."""
    env = os.environ if environ is None else environ
    qpa = env.get("QT_QPA_PLATFORM", "").split(":")[0]
    if qpa in ("offscreen", "minimal", "vnc"):
        return False
    if (platform or sys.platform) in ("win32", "darwin"):
        return True
    if qpa == "xcb":
        return bool(env.get("DISPLAY"))
    if qpa.startswith("wayland"):
        return bool(env.get("WAYLAND_DISPLAY"))
    return bool(qpa or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _headless() -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _practice_without_screen(folder: Path) -> int:
    """No screen for the practice window: the practice day on the command line, then every main screen saved
    as a picture into the practice folder, and where they are."""
    from desktop import demo

    print("没有检测到屏幕，打不开柜台窗口。改为在命令行练习一天，再把各主要页面保存成截图。")
    demo.run(folder)
    _headless()
    from desktop.ui.screenshots import save_all

    shots = (folder / "screenshots").resolve()
    print("正在保存界面截图（先和练习用的县级端真实同步一次，约半分钟）……", flush=True)
    written = save_all(shots, echo=print)
    print(
        f"界面截图已保存在 {shots}，共 {len(written)} 张（三种文字大小各一套）。在有屏幕的电脑上运行同一命令会打开柜台窗口。"
    )
    return EXIT_OK


def _window(folder: Path, training: bool) -> int:
    if not has_screen():
        if training:
            return _practice_without_screen(folder)
        print(NO_SCREEN)
        return EXIT_OK
    from desktop.display import EXIT_NO_WINDOW, tell, window_problem

    if problem := window_problem():
        tell(problem)
        return EXIT_NO_WINDOW
    from desktop import app

    return app.run(folder, training=training)


def _log_folder(folder: Path, command: str, training: bool) -> Path | None:
    """Where this run keeps its log: the data folder it works on (the window's, even before activation, so
    that a window that cannot open leaves a note), never a folder created only for the log."""
    from desktop.store.layout import StoreLayout

    if training or StoreLayout(folder).keyring.exists() or (command == "window" and has_screen()):
        return folder
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    folder = args.data_dir or default_data_dir(training=args.training)
    if args.self_test or args.start_check or args.screenshots:
        logs.configure(None, console_level=logging.WARNING)  # a throw-away folder: the terminal only
    if args.self_test:
        _headless()
        from desktop.app import make_application
        from desktop.bundle_check import check_bundle
        from desktop.ui.selftest import self_test

        make_application(None)
        return check_bundle(print) or self_test(print)
    if args.start_check:
        _headless()
        return _start_check()
    if args.screenshots:
        _headless()
        from desktop.ui.screenshots import save_all

        save_all(args.screenshots, echo=print)
        return EXIT_OK
    command = args.command or "window"
    logs.configure(_log_folder(folder, command, args.training))
    if command == "window":
        return _window(folder, args.training)
    if command == "demo":
        if not args.training:
            print("示例办件只能登记在练习台账里，请加上 --training 参数：suishenban --training")
            return EXIT_USAGE
        from desktop import demo

        return EXIT_OK if demo.run(folder) is not None else EXIT_FAILED
    if command == "check":
        return _check(folder)
    if command == "export-sync":
        return _export_sync(folder, args.file)
    return _reset_password(folder)


if __name__ == "__main__":
    sys.exit(main())
