"""The ``suishenban-county`` command: the endpoint (serve), administration, the catalogue tools."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from county import admin_cli, fraud_cli, logs, settlement_cli, staff_cli, stats_cli
from county.api.workers import default_count
from county.config import Settings
from county.services.pii import PiiBox
from sync import clock
from sync.ledger.catalogue import (
    CLASS_LABELS,
    FLOW_LABELS,
    CatalogueError,
    catalogue_digest,
    load_catalogue,
    load_units,
    parse_catalogue,
)
from sync.tls import is_loopback

EXIT_OK, EXIT_FAILED = 0, 1


def _print_catalogue(version: str | None) -> int:
    try:
        catalogue = load_catalogue(version)
    except CatalogueError as exc:
        print(exc)
        return EXIT_FAILED
    print(
        f"事项清单 {catalogue.version}（发布于 {catalogue.published_date:%Y年%m月%d日}），共 {len(catalogue.items)} 项"
    )
    for item in catalogue.items:
        units = "、".join(unit.name for unit in catalogue.units_of(item))
        print(
            f"{item.seq:>2}  {item.code}  {item.category}  {item.name}  {CLASS_LABELS[item.points_class]} "
            f"{item.points} 积分  {FLOW_LABELS[item.flow]}  {units}"
        )
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


PLAIN_REFUSED = (
    "不能在 {host} 上用不加密的 http 提供同步接口：柜台上传的是群众的姓名、身份证号和手机号。请任选其一：\n"
    "  1. 直接提供 https：加上 --ssl-certfile 证书文件 --ssl-keyfile 私钥文件；\n"
    "  2. 放在反向代理（如 nginx，由它提供 https）后面：加上 --behind-proxy，并设置 SUISHENBAN_COUNTY_TRUSTED_PROXIES；\n"
    "  3. 只在本机试用：--host 127.0.0.1。\n"
    "做法见 docs/deployment.md 的“HTTPS”一节。"
)


def tls_refusal(args: argparse.Namespace) -> str | None:
    """Why ``serve`` will not listen as asked (in Chinese), or None: plain HTTP only on loopback or behind a proxy."""
    cert, key = args.ssl_certfile, args.ssl_keyfile
    if bool(cert) != bool(key):
        return "--ssl-certfile 和 --ssl-keyfile 要一起给：一个是证书（含中间证书），一个是它的私钥。"
    for path in (cert, key):
        if path and not Path(path).is_file():
            return f"找不到文件 {path}，请检查证书和私钥的路径。"
    if cert or args.behind_proxy or is_loopback(args.host):
        return None
    return PLAIN_REFUSED.format(host=args.host)


def tls_options(args: argparse.Namespace) -> dict:
    """uvicorn's TLS options when serving HTTPS itself: TLS 1.2 or newer (uvicorn's default context)."""
    if not args.ssl_certfile:
        return {}
    return {"ssl_certfile": args.ssl_certfile, "ssl_keyfile": args.ssl_keyfile}


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from county.api import workers
    from county.api.app import create_app, settle_collector, start_webhook_worker
    from county.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    scheme = "https" if args.ssl_certfile else "http"
    print(
        f"县级端已启动：{scheme}://{args.host}:{args.port}/healthz  （数据库 {settings.database_url.split('@')[-1]}，"
        f"{args.workers} 个进程）"
    )
    options = dict(
        host=args.host,
        port=args.port,
        log_level="warning",
        server_header=False,  # Date stays (HTTP)
        log_config=None,  # uvicorn's own records reach the JSON lines of county.logs
        **settings.uvicorn_proxy_options,
        **tls_options(args),
    )
    if args.workers <= 1:
        app = create_app(settings, engine)
        start_webhook_worker(app)
        settle_collector()
        uvicorn.run(app, **options)
        return EXIT_OK
    # Several processes check batches side by side (county.services.precheck); each builds its app from the
    # environment, so the database chosen here travels in it.
    engine.dispose()
    os.environ["SUISHENBAN_COUNTY_DB"] = settings.database_url
    if not workers.supported():  # Windows: uvicorn's workers, one shared listening socket
        uvicorn.run("county.api.app:create_app_from_env", factory=True, workers=args.workers, **options)
        return EXIT_OK
    pool = workers.Workers("county.api.app:create_app_from_env", options, args.workers, host=args.host, port=args.port)
    pool.start()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):  # Ctrl+C reaches every process; none is started again
        signal.signal(stop_signal, lambda *_: pool.stop())
    pool.supervise()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="suishenban-county", description="乡村随身办 县级端")
    parser.add_argument(
        "--db", help="数据库地址，默认 sqlite:///county.db；PostgreSQL 如 postgresql+psycopg://user@host/db"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="启动同步接口")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8600)
    serve.add_argument(
        "--workers",
        type=int,
        default=default_count(),
        help="接口进程数，默认为处理器核数的两倍（各进程并行核对上传的记录）",
    )
    serve.add_argument("--ssl-certfile", help="直接提供 https 时的证书文件（PEM，含中间证书）")
    serve.add_argument("--ssl-keyfile", help="直接提供 https 时证书的私钥文件（PEM）")
    serve.add_argument(
        "--behind-proxy",
        action="store_true",
        help="由反向代理（如 nginx）提供 https，本接口只接代理转来的连接；不在本机地址上监听又不给证书时必须加",
    )
    sandbox = sub.add_parser("training-sandbox", help="培训模式用的县级端（本机回环地址，单独的数据库）")
    sandbox.add_argument("--port", type=int, default=0)
    sandbox.add_argument("--until-stdin-closes", action="store_true", help="标准输入关闭时退出（由柜台端启动时使用）")
    sandbox.add_argument(
        "--clock-at",
        type=datetime.fromisoformat,
        help="练习用县级端的时钟从这个时刻走起（截图用的固定日子），如 2026-11-27T10:30+08:00",
    )
    admin_cli.add_parsers(sub)
    staff_cli.add_parser(sub)
    settlement_cli.add_parsers(sub)
    fraud_cli.add_parsers(sub)
    stats_cli.add_parser(sub)
    show = sub.add_parser("catalogue", help="列出事项清单（事项、类别、积分、办理单位）")
    show.add_argument("--version", help="清单版本，默认最新")
    check = sub.add_parser("check-catalogue", help="发布新版事项清单前检查文件")
    check.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    # The endpoint's log lines go to stdout (for the service manager's journal); an admin command's to stderr,
    # away from what it prints for the operator, and a practice county's stdout is the line it announces.
    logs.configure(sys.stdout if args.command == "serve" else sys.stderr)
    try:
        settings = Settings.from_env(**({"database_url": args.db} if args.db else {}))
        if args.command == "serve":
            PiiBox.from_settings(settings)  # refuse to start without the personal-data key
            if refusal := tls_refusal(args):
                print(refusal, file=sys.stderr)
                return EXIT_FAILED
    except ValueError as exc:  # a setting from the environment that cannot be used (ConfigError among them)
        print(exc, file=sys.stderr)
        return EXIT_FAILED
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "training-sandbox":
        from county.training import serve_sandbox

        if args.clock_at is not None:  # the composition root installs the clock every service reads
            clock.use_clock(clock.ShiftedClock(args.clock_at))
        return serve_sandbox(settings.database_url, port=args.port, watch_stdin=args.until_stdin_closes)
    if args.command == "create-admin":
        return staff_cli.run(args, settings)
    if args.command in settlement_cli.COMMANDS:
        return settlement_cli.run(args, settings)
    if args.command in fraud_cli.COMMANDS:
        return fraud_cli.run(args, settings)
    if args.command in stats_cli.COMMANDS:
        return stats_cli.run(args, settings)
    if args.command not in ("catalogue", "check-catalogue"):
        return admin_cli.run(args, settings)
    if args.command == "catalogue":
        return _print_catalogue(args.version)
    return _check_catalogue(args.file)


if __name__ == "__main__":
    sys.exit(main())
