"""What each printed document says, as plain frozen data: personal values arrive here already masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PointInfo:
    """The agent point (代办点) and the agent (代办员) at the counter."""

    name: str
    code: str
    agent_name: str  # "" when unknown: the agent signs by hand


@dataclass(frozen=True)
class MaterialLine:
    """One material of a guide or a case: name, 原件/复印件, copies, and the guide's note."""

    name: str
    form_label: str
    copies: int
    required: bool
    note: str = ""


@dataclass(frozen=True)
class Applicant:
    """The applicant as paper may show them: a person masked, an organisation by its public name and code."""

    kind_label: str  # 申请人 / 申请单位
    name: str
    id_label: str  # 身份证号 / 信用代码
    id_text: str
    mobile: str  # masked; "" when none was given


@dataclass(frozen=True)
class QueryInfo:
    """How the citizen asks about the case: the hotline, and the public page's address with the check code."""

    hotline: str
    url: str | None  # None without a county-issued key: no QR code is printed
    check_code: str | None


@dataclass(frozen=True)
class ReceiptData:
    """代办收件回执: what the agent received for one case and what happens next."""

    receipt_no: str
    recorded_at: datetime
    printed_at: datetime
    point: PointInfo
    item_name: str
    item_category: str
    flow: str  # payment / online / approval
    flow_label: str
    mode_label: str
    applicant: Applicant
    village: str
    received: tuple[MaterialLine, ...]
    missing: tuple[MaterialLine, ...]
    amount_fen: int | None
    units: tuple[str, ...]
    time_limit_text: str
    state_label: str
    voided: bool
    void_reason: str
    query: QueryInfo
    reprint: bool = False
    training: bool = False
    due_text: str = ""  # when an online item with a time limit should be done, by the county's working days
    state: str = "recorded"  # the CaseState value behind state_label: the next step is worded from it
    county_note: str = ""  # the department's note with its last status (a return's reason)
    details: tuple[tuple[str, str], ...] = ()  # the item's own fields (label, text), personal ones masked


@dataclass(frozen=True)
class LinkedCase:
    receipt_no: str
    item_name: str
    applicant_name: str  # masked


@dataclass(frozen=True)
class MailingSlipData:
    """寄递交接单: what the post office clerk takes over and signs for."""

    recorded_date: date
    printed_at: datetime
    point: PointInfo
    direction_label: str
    recipient_name: str  # a unit's name, or a citizen's masked name
    recipient_mobile: str  # masked, or ""
    recipient_address: str  # shortened for a citizen: the full address is on the waybill
    contents: str
    pieces: int
    cases: tuple[LinkedCase, ...]
    tracking_no: str | None
    dispatched_at: datetime | None
    state_label: str
    training: bool = False


@dataclass(frozen=True)
class ItemRow:
    name: str
    count: int
    completed: int
    amount_fen: int


@dataclass(frozen=True)
class MailingRow:
    direction_label: str
    recipient: str
    pieces: int
    tracking_no: str
    state_label: str


@dataclass(frozen=True)
class VoidedRow:
    receipt_no: str
    item_name: str
    reason: str


@dataclass(frozen=True)
class DaySheetData:
    """日结单: one business day of one point, for the agent to sign and the township to read."""

    business_date: date
    printed_at: datetime
    closed_at: datetime | None
    point: PointInfo
    by_item: tuple[ItemRow, ...]
    by_mode: tuple[tuple[str, int], ...]
    mailings: tuple[MailingRow, ...]
    voided: tuple[VoidedRow, ...]
    case_count: int  # recorded that day, voided ones excluded
    voided_count: int
    amount_fen_total: int
    points_today: int  # credited on completions that day (an estimate)
    month_points: int
    month_cap: int
    month_label: str
    unsynced: tuple[tuple[str, int], ...]  # (what, how many) not yet acknowledged by the county
    rejected: int
    training: bool = False

    @property
    def unsynced_total(self) -> int:
        return sum(count for _label, count in self.unsynced)


@dataclass(frozen=True)
class GuideData:
    """办事指南: one item's guide, for the wall or for the citizen to take home."""

    item_name: str
    category: str
    flow_label: str
    units: tuple[str, ...]
    materials: tuple[MaterialLine, ...]
    steps: tuple[str, ...]
    time_limit_text: str
    fee_text: str
    query_text: str
    sample: bool
    note: str
    catalogue_version: str
    printed_at: datetime
    training: bool = False


@dataclass(frozen=True)
class NoticeData:
    """一次性告知单: everything still missing for one case, said once and in full."""

    receipt_no: str
    recorded_at: datetime
    printed_at: datetime
    point: PointInfo
    item_name: str
    applicant: Applicant
    missing: tuple[MaterialLine, ...]
    units: tuple[str, ...]
    query: QueryInfo
    sample: bool
    training: bool = False


@dataclass(frozen=True)
class HandoverCase:
    """One villager's case whose papers the point holds or sent: for the township to take over."""

    receipt_no: str
    item_name: str
    applicant: str  # masked name (or the organisation's name)
    business_date: date
    state_label: str
    materials: tuple[str, ...]  # the materials received at the counter, by name


@dataclass(frozen=True)
class HandoverData:
    """交接清单: what a stopped point hands over to its township — materials held, materials sent, mailings."""

    printed_at: datetime
    point: PointInfo
    reason: str  # the county's words when it stopped the counter ("" if the counter is not stopped)
    held: tuple[HandoverCase, ...]  # papers still at the point (登记 or 退回)
    sent: tuple[HandoverCase, ...]  # papers sent to a department that has not signed for them
    mailings: tuple[MailingRow, ...]  # not yet delivered: to be followed by the township
    unsynced: int  # records the county has not received
    training: bool = False


@dataclass(frozen=True)
class PickupSlipData:
    """领取单: the villager (or a family member) signs for a return mailing (部门回寄) handed over at the point."""

    printed_at: datetime
    point: PointInfo
    receipt_no: str
    item_name: str
    applicant_name: str  # masked
    sender: str  # the department that mailed it back
    contents: str
    tracking_no: str
    mailed_date: date
    handed_date: date | None  # None until handed over: the slip is filled in by hand
    receiver_label: str  # 本人领取 / 家属代领, or "" until handed over
    receiver_name: str  # masked family member's name, or ""
    training: bool = False
