"""A realistic day at one agent point, recorded through the real forms: the data behind the sample prints and tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy import select

from desktop.printing.data import (
    DaySheetData,
    GuideData,
    HandoverData,
    MailingSlipData,
    NoticeData,
    PickupSlipData,
    ReceiptData,
)
from desktop.printing.settings import PrintSettings
from desktop.services.handover import pickup_slip_data
from desktop.services.print_data import guide_data, mailing_slip_data, notice_data, receipt_data
from desktop.services.print_day import day_sheet_data
from desktop.services.print_handover import handover_data
from desktop.store.engine import read
from desktop.store.ledger import LedgerStore
from desktop.store.schema import case
from desktop.store.sync_port import StoreSyncPort
from sync.ledger.catalogue import Catalogue
from sync.ledger.events import CHINA_TZ, EventDraft, format_time
from sync.ledger.forms import (
    CaseForm,
    MailingForm,
    draft_case,
    draft_complete,
    draft_dispatch,
    draft_mailing,
    draft_materials_sent,
    draft_void,
    s10_check_digit,
)
from sync.ledger.forms_handover import HandoverForm, draft_arrived, draft_handed_over
from sync.wire import PullItem

SAMPLE_DATE = date(2026, 11, 27)
SAMPLE_POINT = "瑶里镇瑶里村便民代办点"
SAMPLE_AGENT = "李春华"
SAMPLE_HANDOVER_REASON = "本代办点已被县里撤销（原因：示例），暂时不能同步。"
SAMPLE_KEY = b"sample-check-key: not for use!!!"  # 32 bytes; a real point's key comes with its enrolment
SAMPLE_TRACKING = f"EA60718325{s10_check_digit('60718325')}CN"
SAMPLE_RETURN_TRACKING = f"EA70218346{s10_check_digit('70218346')}CN"
SAMPLE_RETURNED = "0195f0a0c0de7000800000000000a001"  # the county's id of the return mailing


@dataclass(frozen=True)
class SampleDay:
    """The ids of what ``record_sample_day`` recorded."""

    business_date: date
    approval_case: str  # 个体工商户设立登记, one material missing, rare-character applicant
    payment_case: str  # 缴纳电费 86.50 元, completed
    org_case: str  # 户外广告 for a 个体工商户 (credit code), activity day
    home_case: str  # 医保卡激活 on a home visit
    voided_case: str  # 缴纳话费, voided
    phone_case: str  # 缴纳话费 50 元 re-recorded for a 中国电信 number, completed
    mailing: str  # the approval materials to 县市监局, dispatched
    returned: str  # 县城管局's return mailing (部门回寄) of an earlier licence, handed to a family member


def _at(draft: EventDraft, hour: int, minute: int, day: date = SAMPLE_DATE) -> EventDraft:
    return replace(draft, occurred_at=format_time(datetime.combine(day, time(hour, minute), CHINA_TZ)))


def _case(store: LedgerStore, catalogue: Catalogue, form: CaseForm, hour: int, minute: int, day: date) -> str:
    occurred = format_time(datetime.combine(day, time(hour, minute), CHINA_TZ))
    (event,) = store.append(draft_case(form, catalogue, business_date=day, occurred_at=occurred))
    return event.body["case_id"]


def record_sample_day(store: LedgerStore, catalogue: Catalogue, day: date = SAMPLE_DATE) -> SampleDay:
    """Record one ordinary day: five cases in three modes, a void, a completion and a dispatched mailing."""
    approval = _case(
        store,
        catalogue,
        CaseForm(
            item_code="FL015",
            mode="point",
            name="𠮷秀英",
            id_number="360222195603141237",
            mobile="13979812345",
            village="瑶里村三组",
            consent=True,
            materials={"application": "received", "id_card": "received", "premises": "missing"},
        ),
        9,
        12,
        day,
    )
    payment = _case(
        store,
        catalogue,
        CaseForm(
            item_code="FL003",
            mode="point",
            name="王德明",
            id_number="360222194807220311",
            mobile="15807981234",
            village="瑶里村",
            amount="86.50",
            consent=True,
            materials={"account": "received"},
            details={"account_no": "3602220417"},
        ),
        9,
        40,
        day,
    )
    store.append(_at(draft_complete(payment), 9, 42, day))
    org = _case(
        store,
        catalogue,
        CaseForm(
            item_code="FL019",
            mode="activity_day",
            applicant_kind="org",
            name="浮梁县瑶里镇秀英茶叶店",
            credit_code="92360222MA35L7Q8XX",
            mobile="13907981122",
            village="瑶里村",
            consent=True,
            materials={
                "application": "received",
                "identity": "received",
                "design": "received",
                "photo": "received",
                "property": "received",
                "safety": "missing",
            },
        ),
        10,
        25,
        day,
    )
    home = _case(
        store,
        catalogue,
        CaseForm(
            item_code="FL011",
            mode="home",
            name="程桂花",
            id_number="360222193911050020",
            village="汪湖村五组",
            consent=True,
            materials={"id_card": "received"},
        ),
        14,
        5,
        day,
    )
    store.append(_at(draft_complete(home), 14, 20, day))
    voided = _case(
        store,
        catalogue,
        CaseForm(
            item_code="FL001",
            mode="point",
            name="胡建国",
            id_number="360222196512300014",
            mobile="18979856789",
            amount="50",
            consent=True,
        ),
        15,
        2,
        day,
    )
    store.append(_at(draft_void(voided, "话费金额录成 500 元，已作废并重新登记 50 元"), 15, 4, day))
    phone = _case(
        store,
        catalogue,
        CaseForm(
            item_code="FL001",
            mode="point",
            name="胡建国",
            id_number="360222196512300014",
            mobile="18979856789",
            amount="50",
            consent=True,
        ),
        15,
        6,
        day,
    )
    store.append(_at(draft_complete(phone), 15, 7, day))
    (mailing,) = store.append(
        _at(
            draft_mailing(
                MailingForm(
                    direction="to_department",
                    unit_code="scjg",
                    contents="个体工商户设立登记申请材料（申请书、身份证复印件）",
                    pieces=2,
                    case_ids=[approval],
                ),
                business_date=day,
            ),
            16,
            10,
            day,
        )
    )
    mailing_id = mailing.body["mailing_id"]
    store.append(_at(draft_materials_sent(approval, mailing_id), 16, 11, day))
    store.append(_at(draft_dispatch(mailing_id, SAMPLE_TRACKING), 16, 30, day))
    returned = _returned(store, org, day)
    return SampleDay(day, approval, payment, org, home, voided, phone, mailing_id, returned)


def _returned(store: LedgerStore, case_id: str, day: date) -> str:
    """县城管局 mails the 户外广告 approval back through the point; a family member takes it that afternoon."""
    with read(store.engine) as conn:
        receipt_no = conn.execute(select(case.c.receipt_no).where(case.c.case_id == case_id)).scalar_one()
    payload = {
        "mailing_id": SAMPLE_RETURNED,
        "case_id": case_id,
        "receipt_no": receipt_no,
        "unit_code": "cgj",
        "tracking_no": SAMPLE_RETURN_TRACKING,
        "contents": "户外广告设置审批决定书 1 份",
        "mailed_at": format_time(datetime.combine(day, time(9, 0), CHINA_TZ)),
    }
    item = PullItem(cursor=1, kind="return_mailing", created_at=f"{day.isoformat()}T01:00:00Z", payload=payload)
    StoreSyncPort(store).store_pulled([item], 1)
    store.append(_at(draft_arrived(SAMPLE_RETURNED), 14, 0, day))
    handed = HandoverForm(receiver="family", receiver_name="程建军", signed=True)
    store.append(_at(draft_handed_over(SAMPLE_RETURNED, handed, handed_date=day), 16, 45, day))
    return SAMPLE_RETURNED


def sample_documents(
    store: LedgerStore,
    catalogue: Catalogue,
    day: SampleDay,
    *,
    settings: PrintSettings | None = None,
    printed_at: datetime | None = None,
) -> dict[str, ReceiptData | MailingSlipData | DaySheetData | GuideData | NoticeData | HandoverData | PickupSlipData]:
    """Each document, keyed like documents.DOCUMENTS, built by the real queries from the sample day."""
    settings = settings or PrintSettings(check_key=SAMPLE_KEY)
    printed_at = printed_at or datetime.combine(day.business_date, time(17, 30), CHINA_TZ)
    common = {"agent_name": SAMPLE_AGENT, "settings": settings, "printed_at": printed_at}
    return {
        "receipt": receipt_data(store, catalogue, day.approval_case, **common),
        "payment-receipt": receipt_data(store, catalogue, day.phone_case, **common),
        "mailing-slip": mailing_slip_data(store, catalogue, day.mailing, **common),
        "day-sheet": day_sheet_data(store, catalogue, day.business_date, **common),
        "guide": guide_data(catalogue, "FL015", printed_at=printed_at),
        "notice": notice_data(store, catalogue, day.approval_case, **common),
        "handover": handover_data(store, catalogue, reason=SAMPLE_HANDOVER_REASON, **common),
        "pickup-slip": pickup_slip_data(store, catalogue, day.returned, **common),
    }
