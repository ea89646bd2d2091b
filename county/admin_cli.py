"""Administrative subcommands of ``suishenban-county``: what the console will later do, from a terminal."""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import date, timedelta
from pathlib import Path

from county.config import ConfigError, Settings
from county.db import make_engine, session_factory, upgrade
from county.errors import CountyError, Refusal
from county.services import (
    admin,
    audit_chain,
    catalogues,
    crediting,
    departments,
    log_retention,
    notices,
    pii_keys,
    points,
    reinstate,
    retention,
    revocation,
    sync_file,
    throttle,
    workdays,
)
from county.services.evidence_s3 import image_store
from county.services.pii import KEY_NAMES, PiiBox, new_key
from county.services.pii_migrate import check_key, encrypt_clear_rows
from sync.clock import china_today
from sync.ledger.events import CHINA_TZ
from sync.syncfile import MAX_FILE_BYTES
from sync.wire import skew_words

COUNTY_STATUS_LABELS = {
    "materials_received": "材料已签收",
    "accepted": "受理",
    "in_review": "审批中",
    "completed": "办结",
    "returned": "退回",
}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init-db", help="创建或升级县级数据库")
    p = sub.add_parser("create-township", help="新建乡镇")
    p.add_argument("name")
    p = sub.add_parser("create-point", help="新建代办点（或帮代办队伍、合作网点）")
    p.add_argument("name")
    p.add_argument("--township", required=True)
    p.add_argument("--kind", default="shop", choices=sorted(admin.POINT_KINDS))
    p.add_argument("--code", help="4 位编号，默认自动分配")
    p = sub.add_parser("create-account", help="新建代办员账号并打印一次性激活码")
    p.add_argument("point_code")
    p.add_argument("name")
    p.add_argument("--hours", type=int, default=None, help="激活码有效小时数（默认 72）")
    p.add_argument("--untrained-reason", default="", help="代办员还没有培训记录时，县局先开通的理由（记入审计日志）")
    p = sub.add_parser("issue-code", help="给已有账号重新发一次性激活码")
    p.add_argument("account_id", type=int)
    p.add_argument("--hours", type=int, default=None)
    p.add_argument(
        "--untrained-reason", default="", help="代办员还没有培训记录时，县局先发激活码的理由（记入审计日志）"
    )
    p = sub.add_parser("revoke-account", help="注销代办员账号")
    p.add_argument("account_id", type=int)
    p.add_argument("--reason", required=True)
    p = sub.add_parser("revoke-point", help="撤销代办点")
    p.add_argument("point_code")
    p.add_argument("--reason", required=True)
    p.add_argument("--finding", type=int, default=None, help="作为依据的督查问题编号（控制台的督查记录里可见）")
    p.add_argument("--clawback-from", default="", help="收回奖补的起始日期，如 2026-10-01：此后登记的办件取消积分")
    p = sub.add_parser("revoke-device", help="停用一台设备（电脑丢失或更换时；账号和代办点的其他设备不受影响）")
    p.add_argument("device", help="设备编号，如 list-devices 所列的 0427-1，或完整的设备 ID")
    p.add_argument("--reason", default="", help="停用的原因，记入审计日志")
    p = sub.add_parser("reinstate-account", help="恢复被误注销的代办员账号（原来激活的设备重新可以同步）")
    p.add_argument("account_id", help="账号编号")
    p.add_argument("--reason", default="", help="恢复的原因，记入审计日志并告诉代办点")
    p = sub.add_parser("reinstate-point", help="恢复被误撤销的代办点")
    p.add_argument("point_code", help="4 位代办点编号")
    p.add_argument("--reason", default="", help="恢复的原因，记入审计日志并告诉代办点")
    p = sub.add_parser("list-devices", help="列出已激活的设备")
    p.add_argument("--point")
    p = sub.add_parser("set-status", help="像部门一样设置办件状态（受理/审批中/办结/退回）")
    p.add_argument("point_code")
    p.add_argument("receipt_no")
    p.add_argument("status", choices=sorted(COUNTY_STATUS_LABELS))
    p.add_argument("--note", default="")
    p = sub.add_parser("points", help="某代办点按月、按季度的积分")
    p.add_argument("point_code")
    p = sub.add_parser("notice", help="给代办点发通知（不加 --point 则发给所有代办点）")
    p.add_argument("title")
    p.add_argument("text")
    p.add_argument("--point")
    p = sub.add_parser("publish-workdays", help="发布工作日表（法定节假日和调休上班日）")
    p.add_argument("years", type=int, nargs="+")
    p = sub.add_parser("publish-catalogue", help="发布新版事项清单（先用 check-catalogue 检查）")
    p.add_argument("file", type=Path)
    p = sub.add_parser("import", help="导入代办点用U盘带来的同步文件")
    p.add_argument("file", type=Path)
    p = sub.add_parser("extend-month", help="为一个代办点延长某月的入账期（默认到次月第 5 个工作日）")
    p.add_argument("point_code", help="4 位代办点编号")
    p.add_argument("month", help="月份，如 2026-11")
    p.add_argument("--until", required=True, type=_day, help="延长到哪一天（含），如 2026-12-20")
    p.add_argument("--reason", default="", help="延长的原因，记入审计日志")
    p = sub.add_parser("alerts", help="列出安全告警（例如大量激活码输错）")
    p = sub.add_parser("audit-verify", help="核对审计日志的哈希链：有没有记录被删改")
    p = sub.add_parser("new-pii-key", help="生成一个新的个人信息密钥（写入密钥文件并备份，见 docs/deployment.md）")
    p = sub.add_parser("check-pii-key", help="检查个人信息密钥能否打开数据库里已加密的记录（备份的密钥也用它核对）")
    p = sub.add_parser("encrypt-pii", help="把升级前明文保存的群众个人信息加密（需要个人信息密钥；可重复运行）")
    p.add_argument("--batch", type=int, default=500, help="每批加密的记录数，每批一个事务")
    sub.add_parser("pii-keys", help="列出个人信息的数据密钥，以及每个密钥下还有多少条记录")
    sub.add_parser(
        "rotate-master-key", help="更换个人信息主密钥：用新主密钥重新包装数据密钥（旧主密钥放在 …_PREVIOUS）"
    )
    p = sub.add_parser("new-data-key", help="生成新的数据密钥（seal：加密个人信息；lookup：身份证号查找）")
    p.add_argument("purpose", choices=["seal", "lookup"])
    p = sub.add_parser("reseal-pii", help="用最新的数据密钥重新加密旧记录（分批进行，县级端照常服务；可重复运行）")
    p.add_argument("--batch", type=int, default=500, help="每批的记录数，每批一个事务")
    p = sub.add_parser("rehash-lookups", help="用最新的查找密钥重算身份证号查找值（分批进行；可重复运行）")
    p.add_argument("--batch", type=int, default=500, help="每批的记录数，每批一个事务")
    p = sub.add_parser(
        "purge-pii",
        help="删除超过保存期限的群众个人信息（已办结、退回或作废的办件），并清理过期的接口调用日志和通知发送记录（可重复运行）",
    )
    p.add_argument("--days", type=int, help="保存天数，默认取 SUISHENBAN_COUNTY_PII_RETENTION_DAYS（3 年）")
    p.add_argument("--batch", type=int, default=500, help="每批检查的记录数，每批一个事务")
    p.add_argument(
        "--call-log-days", type=int, help="接口调用日志保存天数，默认取 SUISHENBAN_COUNTY_CALL_LOG_DAYS（90 天）"
    )
    p.add_argument(
        "--webhook-log-days",
        type=int,
        help="已送达的通知发送记录保存天数，默认取 SUISHENBAN_COUNTY_WEBHOOK_LOG_DAYS（30 天）",
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 2026-12-20 这样（收到的是 {text[:20]}）") from None


def _device_line(standing: reinstate.DeviceStanding) -> str:
    device = standing.device
    return f"  {standing.point_code}-{device.device_no}  {device.label or '-'}  {device.id}"


def reinstated_text(result: reinstate.Reinstated) -> str:
    """What the bureau reads after a reinstatement: which devices sync again, which stay stopped and why."""
    lines = [f"已恢复{result.what}。原因：{result.reason}（已记入审计日志，代办点下次同步时会收到）"]
    if result.working:
        lines.append(
            "这些设备可以重新同步（原来的激活仍然有效，本机台账和待上传的记录都在）。柜台端开着时几分钟内"
            "会自动解除停用，代办员也可以在停用页面点“向县里确认”："
        )
        lines += [_device_line(d) for d in result.working]
    if result.stopped:
        lines.append("这些设备仍然不能同步：")
        lines += [f"{_device_line(d)}：{d.why_stopped}" for d in result.stopped]
    if not result.devices:
        lines.append("名下还没有激活过的设备；需要时用 issue-code 发激活码。")
    return "\n".join(lines)


def _alert_line(row) -> str:
    when = row.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    if row.action == throttle.ALERT_ACTION:
        detail = row.detail
        return (
            f"{when}  激活码 {detail['window_seconds'] // 60} 分钟内输错 {detail['failures']} 次，"
            f"来自 {detail['addresses']} 个地址：可能有人在猜激活码。没有锁定任何人；请核对最近发出的激活码。"
        )
    return f"{when}  {row.action}  {row.target}"


def _purge(engine, args: argparse.Namespace, settings: Settings, actor: str) -> int:
    days = settings.pii_retention_days if args.days is None else args.days
    call_days = settings.call_log_days if args.call_log_days is None else args.call_log_days
    webhook_days = settings.webhook_log_days if args.webhook_log_days is None else args.webhook_log_days
    try:
        if days < 30:
            print(f"保存天数至少 30 天（收到的是 {days}）。")
            return 1
        if min(call_days, webhook_days) < log_retention.MIN_DAYS:
            print(f"日志保存天数至少 {log_retention.MIN_DAYS} 天（收到的是 {min(call_days, webhook_days)}）。")
            return 1
        done = retention.purge_expired(
            engine,
            today=china_today(),
            retention_days=days,
            actor=actor,
            batch=max(1, args.batch),
            images=image_store(settings),
        )
        logs = log_retention.prune_logs(
            engine, call_days=call_days, webhook_days=webhook_days, actor=actor, batch=max(1, args.batch)
        )
    finally:
        engine.dispose()
    print(
        f"已删除 {done.events} 条记录里的群众个人信息（{done.cutoff:%Y年%m月%d日} 以前登记、已办结、退回或作废）；"
        f"{done.kept} 条仍在保存期内或办件未结，继续保存；删除材料影像 {done.images} 张。办件、积分和结算不受影响。"
    )
    print(
        f"清理接口调用日志 {logs.calls} 条（{call_days} 天以前）、通知发送记录 {logs.deliveries} 条"
        f"（{webhook_days} 天以前且已送达；未送达或发送失败的保留到重新发送成功）。"
    )
    return 0


def _check_key(engine, box, args, actor) -> str:
    with session_factory(engine)() as session:
        opened, tried = check_key(session, box)
    if not tried:
        return "数据库里还没有加密的个人信息，无从核对。"
    if opened < tried:
        raise CountyError(
            Refusal.INVALID,
            "wrong_key",
            f"这个密钥打不开最近 {tried} 条记录中的 {tried - opened} 条：密钥不对，不能用它启动县级端。",
        )
    return f"密钥正确：最近 {tried} 条加密记录都能打开。"


def _pii_keys(engine, box, args, actor) -> str:
    with session_factory(engine)() as session:
        rows = pii_keys.ring_report(session)
    lines = [
        f"{KEY_NAMES[p]} {no}：主密钥 {master}{'（当前）' if master == box.master.id else '（旧）'}，{n} 条记录"
        for p, no, master, n in rows
    ]
    return "\n".join(lines) or "还没有数据密钥。"


def _rotate_master(engine, box, args, actor) -> str:
    with session_factory(engine)() as session:
        moved = pii_keys.rotate_master(session, box, actor=actor)
        session.commit()
    return (
        f"已用新主密钥重新包装 {moved} 个数据密钥，群众记录没有改动。确认各实例都已用新主密钥启动后，"
        "删除 SUISHENBAN_COUNTY_PII_KEY_PREVIOUS，并销毁旧主密钥的所有副本（见 docs/privacy.md）。"
    )


def _new_data_key(engine, box, args, actor) -> str:
    with session_factory(engine)() as session:
        number = pii_keys.new_data_key(session, box, args.purpose, actor=actor)
        session.commit()
    then = "reseal-pii" if args.purpose == "seal" else "rehash-lookups"
    return (
        f"已生成{'加密' if args.purpose == 'seal' else '查找'}密钥 {number}。各实例 5 分钟内开始使用它；"
        f"之后运行 {then}，把旧记录换到新密钥下。"
    )


def _reseal(engine, box, args, actor) -> str:
    done = pii_keys.reseal(engine, box, actor=actor, batch=max(1, args.batch))
    return f"已用加密密钥 {done.key_no} 重新加密 {done.rows} 条记录。"


def _rehash(engine, box, args, actor) -> str:
    done = pii_keys.rehash(engine, box, actor=actor, batch=max(1, args.batch))
    return f"已用查找密钥 {done.key_no} 重算 {done.rows} 条记录的查找值。"


PII_KEY_COMMANDS = {
    "check-pii-key": _check_key,
    "pii-keys": _pii_keys,
    "rotate-master-key": _rotate_master,
    "new-data-key": _new_data_key,
    "reseal-pii": _reseal,
    "rehash-lookups": _rehash,
}


def sync_file_limit(settings: Settings) -> int:
    """A sync file may carry days of records: far more than one online batch."""
    return max(settings.limits.max_batch_events, 20_000)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "new-pii-key":
        print(new_key())
        return 0
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if args.command == "init-db":
        print("县级数据库已就绪。")
        return 0
    actor = f"cli:{getpass.getuser()}"
    if args.command == "encrypt-pii":
        try:
            box = pii_keys.attach(PiiBox.from_settings(settings), engine)
            done = encrypt_clear_rows(engine, box, actor=actor, batch=max(1, args.batch))
        except ConfigError as exc:
            print(exc)
            return 1
        finally:
            engine.dispose()
        print(
            f"已加密 {done.rows} 条记录里的群众个人信息（{done.batches} 批），数据库的空闲空间已重写。"
            "之前做的备份里仍是明文，到期删除前请妥善保管（见 docs/deployment.md）。"
        )
        return 0
    if args.command == "purge-pii":
        return _purge(engine, args, settings, actor)
    if settings.pii_key and args.command not in PII_KEY_COMMANDS:
        try:  # the key ring, made now on a new database: an import must not make it inside its transaction
            pii_keys.attach(PiiBox.from_settings(settings), engine)
        except ConfigError as exc:
            engine.dispose()
            print(exc)
            return 1
    if args.command in PII_KEY_COMMANDS:
        try:
            box = pii_keys.attach(PiiBox.from_settings(settings), engine)
            print(PII_KEY_COMMANDS[args.command](engine, box, args, actor))
        except ConfigError as exc:
            print(exc)
            return 1
        except CountyError as exc:
            print(exc.message)
            return 1
        finally:
            engine.dispose()
        return 0
    session = session_factory(engine)()
    try:
        message = _dispatch(session, args, actor, settings)
        session.commit()
    except CountyError as exc:
        session.rollback()
        print(exc.message)
        if exc.code == "training" and args.command in ("create-account", "issue-code"):
            print('命令行上请用 --untrained-reason "理由" 写明先开通的理由。')
        return 1
    except ConfigError as exc:
        session.rollback()
        print(exc)
        return 1
    finally:
        session.close()
        engine.dispose()
    print(message)
    return 0


def _dispatch(session, args, actor: str, settings: Settings) -> str:
    ttl = timedelta(hours=getattr(args, "hours", None) or settings.limits.activation_ttl_hours)
    if args.command == "create-township":
        township = admin.create_township(session, args.name, actor=actor)
        return f"已新建乡镇：{township.name}"
    if args.command == "create-point":
        point = admin.create_point(session, args.name, args.township, kind=args.kind, code=args.code, actor=actor)
        return f"已新建{admin.POINT_KINDS[point.kind]}：{point.name}，编号 {point.code}"
    if args.command == "create-account":
        override = args.untrained_reason
        account = admin.create_account(session, args.point_code, args.name, actor=actor, override_reason=override)
        issued = admin.issue_activation_code(session, account.id, ttl=ttl, actor=actor)
        return (
            f"已新建代办员账号 {account.id}：{account.name}\n一次性激活码：{issued.code}"
            f"（{issued.expires_at} 前有效，只显示这一次）"
        )
    if args.command == "issue-code":
        issued = admin.issue_activation_code(
            session, args.account_id, ttl=ttl, actor=actor, override_reason=args.untrained_reason
        )
        return f"一次性激活码：{issued.code}（{issued.expires_at} 前有效，只显示这一次）"
    if args.command == "revoke-account":
        admin.revoke_account(session, args.account_id, args.reason, actor=actor)
        return (
            f"已注销账号 {args.account_id}，该账号的设备下次同步时会被拒绝并锁定。"
            f'如果是误注销，可以用 reinstate-account {args.account_id} --reason "…" 恢复。'
        )
    if args.command == "revoke-point":
        done = revocation.revoke_point(
            session,
            args.point_code,
            args.reason,
            actor=actor,
            finding_id=args.finding,
            clawback_from=args.clawback_from,
        )
        cut = revocation.cancelled(session, done)
        return (
            f"已撤销代办点 {args.point_code}，同时注销了 {len(cut['account'])} 个账号、停用了 {len(cut['device'])} 台设备"
            + (f"，{len(cut['case'])} 件办件取消积分（收回奖补）" if cut["case"] else "")
            + "。"
            f'如果是误撤销，可以用 reinstate-point {args.point_code} --reason "…" 恢复。'
        )
    if args.command == "revoke-device":
        device = admin.revoke_device(session, args.device, args.reason, actor=actor)
        return (
            f"已停用设备 {device.id}，它下次连接县里时会被拒绝并锁定，本机台账保留。"
            f"换新电脑时，用 issue-code {device.account_id} 给代办员发新的激活码。"
            "单独停用的设备不能恢复，恢复账号或代办点也不会恢复它。"
        )
    if args.command == "reinstate-account":
        account_id = reinstate.parse_account_id(args.account_id)
        return reinstated_text(reinstate.reinstate_account(session, account_id, args.reason, actor=actor))
    if args.command == "reinstate-point":
        return reinstated_text(reinstate.reinstate_point(session, args.point_code, args.reason, actor=actor))
    if args.command == "list-devices":
        rows = admin.list_devices(session, args.point)
        lines = [
            f"{p.code}-{d.device_no}  {d.id}  {d.state}  版本 {d.app_version or '-'}  已收到 {d.head_seq} 条"
            f"{'  ⚠ 台账不一致' if d.tampered else ''}"
            f"{f'  ⚠ 电脑时钟不准（{skew_words(d.clock_skew_seconds)}）' if d.clock_wrong else ''}"
            for d, p in rows
        ]
        return "\n".join(lines) or "还没有激活的设备。"
    if args.command == "notice":
        notices.publish_notice(session, args.title, args.text, point_code=args.point, actor=actor)
        return f"通知已发出，{'代办点 ' + args.point if args.point else '所有代办点'}下次同步时会看到。"
    if args.command == "publish-workdays":
        table = workdays.seed_table(args.years)
        workdays.publish_table(session, table, actor=actor)
        return f"已发布 {'、'.join(map(str, args.years))} 年工作日表：节假日 {len(table.holidays)} 天，调休上班 {len(table.workdays)} 天。"
    if args.command == "publish-catalogue":
        try:
            data = json.loads(args.file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CountyError(
                Refusal.INVALID, "unreadable", f"读不了这个文件：{args.file}（{type(exc).__name__}）。"
            ) from exc
        event = catalogues.publish(session, data, actor=actor)
        return f"事项清单 {event.payload['version']} 已发布，代办点下次同步时会收到。"
    if args.command == "import":
        try:
            if args.file.stat().st_size > MAX_FILE_BYTES:
                raise CountyError(Refusal.INVALID, "bad_sync_file", "同步文件太大，请在柜台端分几次导出。")
            data = args.file.read_bytes()
        except OSError as exc:
            raise CountyError(
                Refusal.INVALID, "unreadable", f"读不了这个文件：{args.file}（{type(exc).__name__}）。"
            ) from exc
        kept: list[str] = []
        result = sync_file.import_file(
            session, data, max_events=sync_file_limit(settings), settings=settings, actor=actor, images_kept=kept
        )
        counts = {s: sum(r.status == s for r in result.results) for s in ("accepted", "duplicate", "rejected")}
        lines = [
            f"导入完成：新收到 {counts['accepted']} 条，已有 {counts['duplicate']} 条，拒收 {counts['rejected']} 条。"
        ]
        if kept:
            lines.append(f"收到材料影像 {len(kept)} 张，已存入县里的影像存储。")
        notes = result.credits or []
        if late := [n for n in notes if n.flag == crediting.LATE]:
            lines.append(f"其中 {len(late)} 笔办结已过所属月份的入账期，计入导入当月（{late[0].month}）的积分。")
        lines += [f"  第 {n.seq} 条：{n.message}" for n in notes if n.flag != crediting.LATE]
        lines += [f"  第 {r.seq} 条拒收：{r.message}" for r in result.results if r.status == "rejected"]
        return "\n".join(lines)
    if args.command == "extend-month":
        point = admin.point_by_code(session, args.point_code)
        extension = crediting.extend_month(
            session, point, args.month, args.until, args.reason, actor=actor, rules=settings.clock
        )
        return (
            f"代办点 {point.code} {extension.month} 的入账期已延长到 {args.until:%Y年%m月%d日}（含），"
            f"这以前收到的该月办结仍计入 {extension.month}。原因已记入审计日志。"
        )
    if args.command == "audit-verify":
        verdict = audit_chain.verify(session)
        if not verdict.ok:
            raise CountyError(Refusal.CONFLICT, "audit_broken", verdict.words())
        return verdict.words()
    if args.command == "alerts":
        rows = throttle.alerts(session)
        return "\n".join(_alert_line(row) for row in rows) or "没有安全告警。"
    if args.command == "set-status":
        case = departments.find_case(session, args.point_code, args.receipt_no)
        departments.set_case_status(session, case, args.status, args.note, actor=actor)
        return f"办件 {args.receipt_no} 已设为「{COUNTY_STATUS_LABELS[args.status]}」，代办点下次同步时会看到。"
    point = admin.point_by_code(session, args.point_code)
    months, quarters = points.statement(session, point)
    lines = [f"{point.name}（{point.code}）积分"]
    lines += [f"  {m.month}：{m.credited}（原始 {m.raw}{'，已封顶' if m.capped else ''}）" for m in months.values()]
    lines += [f"  {q.quarter} 合计：{q.credited}" for q in quarters.values()]
    for flag in points.flagged(session, point):
        month = f"（计入 {flag['month']}）" if flag["month"] else ""
        lines.append(f"  {flag['receipt_no']}：{crediting.FLAG_LABELS[flag['flag']]}{month}")
    return "\n".join(lines)
