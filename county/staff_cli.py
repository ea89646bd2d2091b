"""``suishenban-county create-admin``: the first bureau admin of the console, with a one-time password."""

from __future__ import annotations

import argparse
import getpass

from county.config import Settings
from county.db import make_engine, session_factory, upgrade
from county.errors import CountyError
from county.services import staff

EXIT_OK, EXIT_FAILED = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("create-admin", help="新建第一个县局管理员账号（打印一次性密码，首次登录时必须修改）")
    p.add_argument("username", help="账号名，英文字母和数字，例如 admin.wang")
    p.add_argument("--name", required=True, help="管理员姓名")


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    session = session_factory(engine)()
    try:
        user, password = staff.create_first_admin(session, args.username, args.name, actor=f"cli:{getpass.getuser()}")
        session.commit()
    except CountyError as exc:
        session.rollback()
        print(exc.message)
        return EXIT_FAILED
    finally:
        session.close()
        engine.dispose()
    print(f"县局管理员账号 {user.username} 已建好。一次性密码（只显示这一次）：")
    print(password)
    print("请在县级端网页 /console/ 用它登录，登录后必须改成自己的密码，并设置手机验证器的动态码。")
    return EXIT_OK
