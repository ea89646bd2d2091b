"""Console fixtures: the county app with two townships, a point in each, cases pushed through ingest, and staff."""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pyotp
import pytest
from fastapi.testclient import TestClient

from county.api.app import create_app
from county.config import Settings
from county.models import StaffUser, Township
from county.services import api_clients, enrolment, staff
from county.services.pii import PiiBox, new_key
from sync.ledger.catalogue import load_catalogue
from sync.ledger.events import EventDraft
from sync.ledger.forms import draft_materials_sent
from sync.ledger.receipts import format_receipt_no
from sync.wire import EnrolRequest
from tests.county.conftest import RunningCounty, county_engine, new_point  # noqa: F401
from tests.county.test_ingest_rules import push, request_for, sealed_chain
from tests.factories import make_case_draft, resident_id

PASSWORD = "县里的好密码-2026"
TOTP_SECRET = pyotp.random_base32()
ID_NUMBER = resident_id(order=456)  # 360222195603144567-like: the applicant of every approval case


@dataclass
class Site:
    """One township's point and what it pushed: an approval case (FL015, 县市场监管局) and a cash withdrawal."""

    township: str
    point_code: str
    account_id: int
    approval: dict = field(default_factory=dict)  # case_id, receipt_no
    payment: dict = field(default_factory=dict)


@dataclass
class Console:
    app: object
    county: RunningCounty
    a: Site
    b: Site
    users: dict[str, StaffUser]
    api_client_id: int = 0  # a data exchange client (county/services/api_clients.py)

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver", follow_redirects=False)


def _approval_draft(business_date=None) -> EventDraft:
    item = load_catalogue().by_code("FL015")
    return make_case_draft(
        item_code="FL015",
        amount=None,
        id_number=ID_NUMBER,
        materials={m.code: "received" for m in item.guide.materials},
        business_date=business_date,
    )


def _site(county: RunningCounty, township: str, point_name: str) -> Site:
    made = new_point(county, township=township, name=point_name)
    with county.session() as session:
        result = enrolment.enrol(
            session,
            EnrolRequest(activation_code=made["code"], app_version="test", device_time="2026-11-27T09:30:00.000+08:00"),
            client="127.0.0.1",
            settings=county.settings,
        )
        session.commit()
    token, device_no = result.device_token, result.device_no
    device_id = token.split(".")[0]
    approval, payment = _approval_draft(), make_case_draft(item_code="FL012", amount="200")
    from sync.clock import china_today

    drafts = []
    for serial, draft in enumerate((approval, payment), start=1):
        receipt = format_receipt_no(made["point_code"], china_today(), device_no, serial)
        drafts.append(replace(draft, body={**draft.body, "receipt_no": receipt}))
    drafts.append(draft_materials_sent(drafts[0].body["case_id"]))
    result = push(county, token, request_for(device_id, sealed_chain(device_id, drafts)))
    assert not result.rejected, result.rejected
    site = Site(township, made["point_code"], made["account_id"])
    site.approval = {"case_id": drafts[0].body["case_id"], "receipt_no": drafts[0].body["receipt_no"]}
    site.payment = {"case_id": drafts[1].body["case_id"], "receipt_no": drafts[1].body["receipt_no"]}
    return site


def make_staff(
    county: RunningCounty, username: str, role: str, *, township: str | None = None, unit: str | None = None
):
    """A staff account past its first sign-in: a known password; bureau admins with a known TOTP secret."""
    box = county.box
    with county.session() as session:
        town_id = session.query(Township.id).filter(Township.name == township).scalar() if township else None
        user, _ = staff.create_staff(
            session, username, "测试人员", role, township_id=town_id, unit_code=unit, actor="test"
        )
        user.password_hash = _password_hash()
        user.must_change_password = False
        if role == staff.StaffRole.BUREAU_ADMIN:
            user.totp_sealed = staff.seal_totp(box, user, TOTP_SECRET)
        session.commit()
        session.refresh(user)
        session.expunge(user)
        return user


@functools.cache
def _password_hash() -> str:
    return staff.hash_password(PASSWORD)  # a quarter of a second each: made once per test run


ROLE_USERS = {
    "bureau_admin": dict(role="bureau_admin"),
    "bureau_clerk": dict(role="bureau_clerk"),
    "township_a": dict(role="township", township="瑶里镇"),
    "township_b": dict(role="township", township="经公桥镇"),
    "department": dict(role="department", unit="scjg"),
    "finance": dict(role="finance"),
}


@pytest.fixture
def console(county_engine, evidence_backend, tmp_path) -> Iterator[Console]:
    settings = Settings(
        database_url="(fixture)",
        pii_key=new_key(),
        evidence_dir=str(tmp_path / "evidence"),
        evidence_s3=evidence_backend,
    )
    county = RunningCounty("http://testserver", county_engine, settings)
    a = _site(county, "瑶里镇", "瑶里村小卖部")
    b = _site(county, "经公桥镇", "经公桥村便民店")
    users = {name: make_staff(county, name.replace("_", "."), **spec) for name, spec in ROLE_USERS.items()}
    with county.session() as session:
        api_client = api_clients.register(
            session,
            "县市场监管局登记系统",
            "department",
            "units",
            ["scjg"],
            read_pii=False,
            write_statuses=True,
            actor="test",
        ).client
        session.commit()
    app = create_app(settings, county_engine)
    yield Console(app, county, a, b, users, api_client.id)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf(?:-token)?" (?:value|content)="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    """The real sign-in: the form's token, the password, and for bureau admins the TOTP code."""
    form = client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)}
    )
    if response.status_code == 303 and response.headers["location"] == "/console/totp":
        page = client.get("/console/totp")
        code = pyotp.TOTP(TOTP_SECRET).now()
        response = client.post("/console/totp", data={"code": code, "csrf": csrf_of(page.text)})
    return response


def box_of(console: Console) -> PiiBox:
    return console.county.box


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright: one per test process, shared by every browser test in it (a second
    Playwright in the same thread would find the first one's event loop running)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def attach_scan(console: Console, site: Site, data: bytes) -> str:
    """A material image of the site's approval case, as ingest and a finished upload leave it; returns its id."""
    import hashlib

    from county.models import Case, EvidenceImage
    from county.services.common import utcnow
    from county.services.evidence_s3 import image_store
    from sync.ledger.events import new_id

    sha = hashlib.sha256(data).hexdigest()
    event_id = new_id()
    with console.county.session() as db:
        case = db.get(Case, site.approval["case_id"])
        material = load_catalogue().by_code(case.item_code).guide.materials[0].code
        db.add(
            EvidenceImage(
                event_id=event_id,
                device_id=case.device_id,
                point_id=case.point_id,
                case_id=case.case_id,
                material=material,
                sha256=sha,
                size=len(data),
                media_type="image/webp" if data[8:12] == b"WEBP" else "image/jpeg",
                attached_at="2026-11-27T09:40:00.000+08:00",
                received=len(data),
                stored_at=utcnow(),
            )
        )
        folder = image_store(console.county.settings)
        folder.append(case.device_id, sha, 0, data, console.county.box)
        folder.finish(case.device_id, sha, console.county.box)
        db.commit()
    return event_id
