"""专区 fixtures: the county app with a QR master secret, a point's synced cases, and a receipt's QR address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from county.api.app import create_app
from county.config import Limits, Settings
from county.models import Case
from county.services import departments
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
