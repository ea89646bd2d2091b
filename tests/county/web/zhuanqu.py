"""专区 fixtures: the county app with a QR master secret, a point's synced cases, and a receipt's QR address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from county.api.app import create_app
from county.config import Limits, Settings
from county.models import Case, Point
from county.services import departments, revocation
from county.services.pii import new_key
from county.web import queries
from desktop.printing.settings import PrintSettings
from desktop.services.print_data import query_info
from tests.county.conftest import RunningCounty
from tests.county.web.conftest import Site, _site

QUERY_BASE = "https://zwfw.example.gov.cn/ssb/q"
LIMITS = Limits(lookup_failures_per_receipt=3, lookup_failures_per_address=5)
NOTE = "材料齐全，已转审批科室，预计 5 个工作日内办结。"
RETURN_NOTE = "营业执照申请表缺经营者签名，请到代办点补签。"


@dataclass
class Zhuanqu:
    app: object
    county: RunningCounty
    site: Site
    qr_url: str  # what the receipt's QR code carries, as the counter's print data builds it
    code: str
    personal: list[str]  # the applicant's name, ID and phone, in full and masked


def qr_of(settings: Settings, receipt_no: str) -> tuple[str, str]:
    """The receipt's QR address and check code, made by the counter's own print code from the point's key."""
    key = bytes.fromhex(settings.point_check_key(receipt_no[:4]))
    info = query_info(PrintSettings(QUERY_BASE, key), receipt_no)
    return info.url, info.check_code


def make_zhuanqu(engine) -> Zhuanqu:
    settings = Settings(
        database_url="(fixture)",
        pii_key=new_key(),
        qr_key=secrets.token_hex(32),
        query_url_base=QUERY_BASE,
        limits=LIMITS,
    )
    county = RunningCounty("http://testserver", engine, settings)
    site = _site(county, "瑶里镇", "瑶里村小卖部")
    with county.session() as db:
        case = db.get(Case, site.approval["case_id"])
        departments.set_case_status(db, case, "accepted", "", actor="staff:test")
        departments.set_case_status(db, case, "in_review", NOTE, actor="staff:test")
        db.commit()
        full = queries.applicant(db, county.box, case, masked=False)
        masked = queries.applicant(db, county.box, case, masked=True)
    url, code = qr_of(settings, site.approval["receipt_no"])
    personal = [value for value in (*full.values(), *masked.values()) if len(value) >= 2]
    return Zhuanqu(create_app(settings, engine), county, site, url, code, personal)


PUBLIC_PHONE = "13912345678"  # the 瑶里 point agreed to publish it
PRIVATE_PHONE = "13800001111"  # the 经公桥 shopkeeper's own mobile: kept
REVOKED_NAME = "储田村服务点"
NEWS = {"past": "2026年城乡居民医保缴费开始", "today": "个体工商户登记可在村里代办", "future": "春节期间代办点营业安排"}
QUIET = {"internal": "请各代办点本周更新软件", "one": "请尽快补交10月台账"}


@dataclass
class Furnished:
    """What ``furnish`` added: the points' codes and the true counts of the cases it put in."""

    other_code: str  # 经公桥村便民店, active, phone not published
    revoked_code: str
    news_ids: dict[str, int]


def furnish(zq: Zhuanqu, *, other_fl012: int = 3) -> Furnished:
    """Directory details, a second township with an active and a revoked point, notices, and cases to count.

    Counted cases in 2026-11 (with the two the fixture's point pushed on 11-27): 瑶里村小卖部 FL012 7, FL015 2;
    经公桥村便民店 FL012 ``other_fl012``, FL001 8 (plus one voided and one disqualified, not counted).
    In 2026-10: 瑶里村小卖部 FL002 5."""
    from county.services import admin, directory, notices

    with zq.county.session() as db:
        admin.create_township(db, "经公桥镇", actor="test")
        other = admin.create_point(db, "经公桥村便民店", "经公桥镇", actor="test")
        gone = admin.create_point(db, REVOKED_NAME, "经公桥镇", actor="test")
        directory.set_listing(
            db, zq.site.point_code, village="瑶里村", address="瑶里镇瑶里村村委会旁", hours="每天 8:00-20:00",
            phone=PUBLIC_PHONE, phone_public=True, actor="test",
        )  # fmt: skip
        directory.set_listing(
            db, other.code, village="经公桥村", address="经公桥镇老街 12 号", hours="每天 7:30-21:00",
            phone=PRIVATE_PHONE, phone_public=False, actor="test",
        )  # fmt: skip
        directory.set_listing(
            db,
            gone.code,
            village="储田村",
            address="储田村口",
            hours="白天",
            phone="",
            phone_public=False,
            actor="test",
        )
        revocation.revoke_point(db, gone.code, "店主外出务工", actor="test")
        ids = {
            "past": notices.publish_notice(
                db, NEWS["past"], "缴费时间：\n2026年11月1日至12月31日。", point_code=None, actor="t", public=True,
                public_from="2026-11-20",
            ),
            "today": notices.publish_notice(
                db, NEWS["today"], "<b>不用跑县城</b>，带齐材料到代办点。", point_code=None, actor="t", public=True
            ),
            "future": notices.publish_notice(
                db, NEWS["future"], "春节期间各代办点照常营业。", point_code=None, actor="t", public=True,
                public_from="2026-12-05",
            ),
        }  # fmt: skip
        notices.publish_notice(db, QUIET["internal"], "新版本已发布。", point_code=None, actor="t")
        notices.publish_notice(db, QUIET["one"], "请补交。", point_code=zq.site.point_code, actor="t")
        a_id = db.scalar(select(Point.id).where(Point.code == zq.site.point_code))
        add_cases(db, a_id, "FL012", "2026-11-03", 6)
        add_cases(db, a_id, "FL015", "2026-11-05", 1)
        add_cases(db, a_id, "FL002", "2026-10-12", 5)
        add_cases(db, other.id, "FL012", "2026-11-08", other_fl012)
        add_cases(db, other.id, "FL001", "2026-11-09", 8)
        add_cases(db, other.id, "FL001", "2026-11-10", 1, state="voided")
        add_cases(db, other.id, "FL001", "2026-11-11", 1, disqualified=True)
        db.commit()
        return Furnished(other.code, gone.code, {key: event.id for key, event in ids.items()})


def add_cases(db, point_id: int, item: str, day: str, n: int, *, state="completed", disqualified=False) -> None:
    """``n`` cases as the county keeps them (the counts read only the case table)."""
    for _ in range(n):
        serial = secrets.token_hex(4)
        db.add(
            Case(
                case_id=secrets.token_hex(16), point_id=point_id, device_id="d" * 32, receipt_no=f"t{serial}",
                item_code=item, flow="payment", points=1, mode="agent", applicant_kind="person", state=state,
                business_date=day, recorded_at=f"{day}T10:00:00.000+08:00", disqualified=disqualified,
            )
        )  # fmt: skip
