"""Wire messages of the data exchange (数据接口, docs/data-api.md): what department systems and the provincial
platform read and send. Version 1: fields are only ever added; a change that breaks a client gets /api/v2."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_STATUSES = 200  # per POST
ClientRef = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ExchangeEvent(Message):
    """One event the counter recorded on the case (accepted by the county), without personal fields."""

    event_id: str
    type: str = Field(
        description="case.recorded / case.amended / case.voided / case.completed / materials.sent / evidence.attached"
    )
    occurred_at: str = Field(description="the counter's time, ISO 8601 with +08:00")
    body: dict[str, Any]


class ExchangeReturnMailing(Message):
    """部门回寄: the licence or reply a department mailed back to the villager through the point, and where it
    stands at the counter (已到代办点, 已交群众), as the point's counter pushed it."""

    mailing_id: str
    unit_code: str = Field(description="the handling unit (附件1) that mailed it")
    tracking_no: str = Field(description="运单号")
    contents: str = Field(description="what was mailed back, e.g. 营业执照正本 1 份")
    mailed_at: str = Field(description="when the department recorded it, ISO 8601 with +08:00")
    state: Literal["mailed", "arrived", "handed_over"] = Field(
        description="mailed (部门已寄出) / arrived (已到代办点, 待群众领取) / handed_over (已交群众)"
    )
    state_label: str
    arrived_at: str | None = Field(description="when the agent marked it 已到代办点 (the counter's time)")
    handed_at: str | None = Field(description="when the agent marked it 已交群众 (the counter's time)")
    handed_date: str | None = Field(description="the day it was handed over, YYYY-MM-DD")
    receiver: Literal["self", "family"] | None = Field(
        description="who took it: self (群众本人) or family (家属代领); null until handed over"
    )
    signed: bool | None = Field(description="whether the pickup slip (领取单) was signed; null until handed over")
    receiver_name: str | None = Field(
        description="the family member who took it (personal data): only for a client allowed to read personal "
        "fields and asking with applicant=scope; null otherwise, when the villager took it, or once retention "
        "purged it"
    )


class ExchangeCase(Message):
    """A case (办件) as it stands, with every event the counter recorded on it."""

    change_seq: int = Field(description="this case's place in the feed; the cursor to resume after it")
    case_id: str
    receipt_no: str = Field(description="回执编号 on the villager's receipt")
    point_code: str
    township: str
    item_code: str
    flow: str
    mode: str
    applicant_kind: str
    state: str = Field(description="recorded / materials_sent / accepted / in_review / completed / returned / voided")
    state_label: str
    business_date: str
    recorded_at: str
    completed_at: str | None
    disqualified: bool
    applicant: dict[str, str] | None = Field(
        description="the applicant's personal fields as last recorded: in full if the client may read personal "
        "fields, masked otherwise; null once the county's retention period purged them"
    )
    applicant_masked: bool
    events: list[ExchangeEvent]
    return_mailings: list[ExchangeReturnMailing] = Field(
        description="the case's return mailings (部门回寄), oldest first; empty for most cases. A case is delivered "
        "again when one is recorded, arrives at the point or is handed over"
    )


class CasesPage(Message):
    items: list[ExchangeCase]
    next_cursor: int = Field(description="pass as ?cursor= for the next page (unchanged when nothing is new)")
    more: bool = Field(description="true: ask again at once; false: caught up, ask again later")
    server_time: str


class StatusUpdate(Message):
    client_ref: ClientRef = Field(description="the client's own key for this update: sent twice, applied once")
    case_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    status: Literal["accepted", "in_review", "completed", "returned"]
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class StatusRequest(Message):
    statuses: Annotated[list[StatusUpdate], Field(min_length=1, max_length=MAX_STATUSES)]


class StatusOutcome(Message):
    client_ref: str
    outcome: Literal["accepted", "duplicate", "rejected"]
    code: str | None = None
    message: str | None = Field(default=None, description="Chinese, for the department's clerk")
    state: str | None = Field(default=None, description="the case's state after this update (accepted)")


class StatusResponse(Message):
    results: list[StatusOutcome]
    server_time: str


class WebhookNotice(Message):
    """What a webhook notification says (docs/data-api.md, "Webhook notifications"): pull the feed. Never a case
    or a personal field. Signed: ``X-Suishenban-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``."""

    type: Literal["cases.changed"]
    client_id: int
    change_seq: int = Field(description="the newest change in the client's scope")
    changes: int = Field(description="changes in the client's scope since the last notification delivered")
    since_seq: int = Field(description="change_seq of the last notification delivered (0 at first)")
    feed: str = Field(description="the route to pull: /api/v1/exchange/cases")
    attempt: int = Field(description="1 for the first try, then 2, 3 …")
    sent_at: str
