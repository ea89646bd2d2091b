"""The ledger's vocabulary: event types, case flows and states, service modes — with their Chinese labels."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """What a ledger event records. Counter-authored unless marked county."""

    CASE_RECORDED = "case.recorded"  # 登记办件
    CASE_AMENDED = "case.amended"  # 更正办件
    CASE_VOIDED = "case.voided"  # 作废办件
    CASE_COMPLETED = "case.completed"  # 办结（代办员确认）
    MATERIALS_SENT = "materials.sent"  # 材料已送交部门
    CASE_STATUS_CHANGED = "case.status_changed"  # county: 材料已签收 / 受理 / 审批中 / 办结 / 退回
    MAILING_RETURNED = "mailing.returned"  # county: 部门回寄 (licence or reply mailed back through the point)
    MAILING_RECORDED = "mailing.recorded"  # 登记寄递
    MAILING_DISPATCHED = "mailing.dispatched"  # 已交寄
    MAILING_DELIVERED = "mailing.delivered"  # 已妥投
    MAILING_ARRIVED = "mailing.arrived"  # 部门回寄已到代办点 (the agent has the department's mailing in hand)
    MAILING_HANDED_OVER = "mailing.handed_over"  # 部门回寄已交群众 (handed to the villager or a family member)
    DAY_CLOSED = "day.closed"  # 日结
    EVIDENCE_ATTACHED = "evidence.attached"  # 材料影像: a scan or photo of one material, by its SHA-256
    CONSULT_ASKED = "consult.asked"  # 代办点转来的咨询: a villager's question relayed to the county


COUNTY_EVENT_TYPES = frozenset({EventType.CASE_STATUS_CHANGED, EventType.MAILING_RETURNED})


class Flow(StrEnum):
    """How an item's case runs (办理方式)."""

    PAYMENT = "payment"  # 现场缴费/取现: done on the spot
    ONLINE = "online"  # 网上申报: the agent submits online for the citizen
    APPROVAL = "approval"  # 审批类 (四类、五类): materials collected and delivered to the department


class CaseState(StrEnum):
    RECORDED = "recorded"
    MATERIALS_SENT = "materials_sent"
    MATERIALS_RECEIVED = "materials_received"  # 材料已签收: the department signed for the parcel; the time limit starts
    ACCEPTED = "accepted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    COMPLETED = "completed"
    VOIDED = "voided"


CASE_STATE_LABELS = {
    CaseState.RECORDED: "已登记",
    CaseState.MATERIALS_SENT: "材料已送交",
    CaseState.MATERIALS_RECEIVED: "材料已签收",
    CaseState.ACCEPTED: "已受理",
    CaseState.IN_REVIEW: "审批中",
    CaseState.RETURNED: "已退回",
    CaseState.COMPLETED: "已办结",
    CaseState.VOIDED: "已作废",
}


class ServiceMode(StrEnum):
    """The three ways of working in the plan (三、工作方式)."""

    POINT = "point"  # 代办点帮代办
    HOME = "home"  # 上户帮代办
    ACTIVITY_DAY = "activity_day"  # 活动日帮代办


SERVICE_MODE_LABELS = {
    ServiceMode.POINT: "代办点",
    ServiceMode.HOME: "上户",
    ServiceMode.ACTIVITY_DAY: "活动日",
}


class ApplicantKind(StrEnum):
    PERSON = "person"  # 个人, identified by a resident ID (居民身份证)
    ORG = "org"  # 企业/个体工商户/村集体, identified by a unified social credit code (统一社会信用代码)


class MailingDirection(StrEnum):
    TO_DEPARTMENT = "to_department"  # 申请材料寄往部门
    TO_CITIZEN = "to_citizen"  # 证照批文寄回群众


MAILING_DIRECTION_LABELS = {
    MailingDirection.TO_DEPARTMENT: "材料寄往部门",
    MailingDirection.TO_CITIZEN: "证照批文寄回群众",
}
# 部门回寄: a mailing the department sent back through the point (from the county feed, never recorded at the
# counter, so not a MailingDirection a form may choose); the agent hands it to the villager.
RETURNED_DIRECTION = "from_department"
RETURNED_DIRECTION_LABEL = "部门回寄（待交群众）"

# Personal fields (个人信息): kept outside the hash chain, salted digests inside it, purged after retention.
PERSON_PII_FIELDS = ("name", "id_number", "mobile")  # an applicant identified by a resident ID
ORG_PII_FIELDS = ("name", "credit_code", "mobile")  # an applicant identified by a unified social credit code
CASE_PII_FIELDS = ("name", "id_number", "credit_code", "mobile")  # any applicant
MAILING_PII_FIELDS = ("recipient_name", "recipient_mobile", "recipient_address")
CONSULT_PII_FIELDS = ("phone",)  # the villager's phone, when left for a call back


class MailingState(StrEnum):
    RECORDED = "recorded"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    ARRIVED = "arrived"  # 部门回寄 only: 已到代办点
    HANDED_OVER = "handed_over"  # 部门回寄 only: 已交群众


class Receiver(StrEnum):
    """Who took a return mailing (部门回寄) at the counter."""

    SELF = "self"  # 群众本人
    FAMILY = "family"  # 家属代领 (named; the name is personal data)


RECEIVER_LABELS = {Receiver.SELF: "本人领取", Receiver.FAMILY: "家属代领"}
HANDOVER_PII_FIELDS = ("receiver_name",)


class OutboxState(StrEnum):
    """Where a device's event stands on its way to the county (待同步 → 同步中 → 已同步, or 被县里退回)."""

    PENDING = "pending"  # not yet sent, or to be sent again
    SENT = "sent"  # in a push whose answer has not come back
    ACKED = "acked"  # the county holds it
    REJECTED = "rejected"  # the county refused it; kept for the agent to read


OUTBOX_STATE_LABELS = {
    OutboxState.PENDING: "待同步",
    OutboxState.SENT: "同步中",
    OutboxState.ACKED: "已同步",
    OutboxState.REJECTED: "被县里退回",
}
UNSENT_STATES = (OutboxState.PENDING, OutboxState.SENT)


MAILING_STATE_LABELS = {
    MailingState.RECORDED: "已登记",
    MailingState.DISPATCHED: "已交寄",
    MailingState.DELIVERED: "已妥投",
    MailingState.ARRIVED: "已到代办点",
    MailingState.HANDED_OVER: "已交群众",
}
