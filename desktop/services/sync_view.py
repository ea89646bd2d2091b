"""What the sync page and the status bar show: what waits, what the county sent back and why, the last run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from desktop.services.session import Counter
from desktop.services.syncing import county_url
from desktop.store import evidence as evidence_store
from desktop.store.engine import read
from desktop.store.schema import case, mailing
from desktop.store.sync_port import StoreSyncPort
from desktop.version import app_version
from sync.ledger.events import CHINA_TZ, parse_time
from sync.ledger.kinds import UNSENT_STATES, EventType

WHAT = {
    EventType.CASE_RECORDED: "登记办件",
    EventType.CASE_AMENDED: "更正办件",
    EventType.CASE_VOIDED: "作废办件",
    EventType.CASE_COMPLETED: "办结",
    EventType.MATERIALS_SENT: "寄送材料",
    EventType.MAILING_RECORDED: "登记寄递",
    EventType.MAILING_DISPATCHED: "交寄",
    EventType.MAILING_DELIVERED: "妥投",
    EventType.MAILING_ARRIVED: "部门回寄到点",
    EventType.MAILING_HANDED_OVER: "部门回寄交群众",
    EventType.DAY_CLOSED: "日结",
    EventType.EVIDENCE_ATTACHED: "材料影像",
    EventType.CONSULT_ASKED: "转给县里的咨询",
}
ADVICE_CONSULT = "县里没有收下这条咨询：请按原因改好，在“咨询”页重新记一条。拿不准的请问乡镇。"
ADVICE_CASE = "请在“台账”里找到这笔办件，按县里说的原因核对：需要时点“更正”改正，或作废后重新登记。拿不准的请问乡镇。"
ADVICE_BY_TYPE = {
    EventType.CASE_RECORDED: "这笔办件县里没有收下：请按原因核对，重新登记一笔（这笔可以作废）。拿不准的请问乡镇。",
    EventType.CASE_COMPLETED: "县里没有接受这次办结：请在“台账”里看这笔办件的办理经过，按县里的状态继续办理。拿不准的请问乡镇。",
    EventType.CASE_VOIDED: "县里没有接受这次作废：部门已经在办这笔办件。如群众确实不办了，请联系审批部门或乡镇。",
    EventType.MATERIALS_SENT: "县里没有接受这次寄送材料的记录：请在“台账”里核对这笔办件，需要时更正后重新寄送。拿不准的请问乡镇。",
}
ADVICE_MAILING = "请在“寄递”页核对这件寄递；需要时重新登记一件。拿不准的请问乡镇。"
ADVICE_RETURNED = (
    "县里记录这件部门回寄已由本点另一台电脑登记过，或还没到这一步：请核对邮件是否已经交给群众，"
    "不要再交一次。拿不准的请问乡镇。"
)
ADVICE_BY_MAILING_TYPE = {EventType.MAILING_ARRIVED: ADVICE_RETURNED, EventType.MAILING_HANDED_OVER: ADVICE_RETURNED}
ADVICE_OTHER = "这条记录不影响已登记的办件。拿不准的请问乡镇。"


@dataclass(frozen=True)
class SyncState:
    """The ledger's side of the picture; whether a run is going on is known only to the background job."""

    connected: bool  # activated with a county (or the practice county)
    pending: int
    rejected: int
    last_success_at: str
    last_error: str
    last_error_at: str
    locked: str
    training: bool
    training_note: str
    outdated: str = ""  # the lowest version the county accepts, once it refused this one (until a run succeeds)
    last_error_code: str = ""  # the kind of the last failure (sync/client.py), until a run succeeds

    @property
    def unsafe(self) -> bool:
        """The last run stopped at the county's certificate or an address that is not HTTPS: a person must act."""
        return self.last_error_code.startswith(("cert_", "insecure_"))


def sync_state(counter: Counter) -> SyncState:
    counts = counter.store.outbox_counts()
    notes = StoreSyncPort(counter.store).sync_notes()
    return SyncState(
        connected=county_url(counter) is not None,
        pending=sum(counts.get(state, 0) for state in UNSENT_STATES),
        rejected=counts.get("rejected", 0),
        last_success_at=notes.get("last_success", ""),
        last_error=notes.get("last_error", ""),
        last_error_at=notes.get("last_error_at", ""),
        locked=counter.locked,
        training=counter.training,
        training_note=counter.training_note,
        outdated=notes.get("outdated", ""),
        last_error_code=notes.get("last_error_code", ""),
    )


def images_line(counter: Counter, sent: int | None = None, total: int | None = None) -> str:
    """Material images still to go (材料影像), in KB: they follow the records, so records are never held up."""
    left, confirmed, size = evidence_store.progress(counter.store)
    if not left:
        return ""
    sent, total = (confirmed, size) if sent is None or total is None else (sent, total)
    return (
        f"还有 {left} 张待上传，已传 {sent // 1024} / {max(total // 1024, 1)} KB"
        "（先传记录，再传影像；断网后会从断开的地方接着传）"
    )


def outdated_headline(minimum: str) -> str:
    """What the sync page says while the county refuses this version: update, and nothing is lost meanwhile."""
    wanted = (
        f"县里现在只接收 {minimum} 或更新版本的同步" if minimum and minimum != "?" else "县里不再接收这个版本的同步"
    )
    return (
        f"请升级柜台软件：{wanted}，这台电脑是 {app_version()}。升级前照常登记、打印，记录都保存在本机，"
        "不会丢失；装好新版后会自动接着同步。新版安装程序向乡镇或县政务服务管理局要，具体见下面县里说的话。"
    )


def unsafe_headline(code: str) -> str:
    """What the sync page says while sync stops at the connection's safety: nothing went out, what to do."""
    what = (
        "县里服务器的地址不是加密连接（https://）"
        if code.startswith("insecure_")
        else "县里服务器的安全证书没有通过检查"
    )
    return (
        f"同步已暂停：{what}，这台电脑没有把记录发出去。照常登记、打印，记录都保存在本机，不会丢失。"
        "请按下面“上次没有成功的原因”里说的处理；处理不了的，请打电话给县政务服务管理局。"
    )


def indicator_text(state: SyncState, *, running: bool = False, offline: bool = False) -> str:
    """The status bar's few words: calm, and true for this moment."""
    if state.locked:
        return "县里已停用（数据保存在本机）"
    if running:
        return "同步中…"
    if state.outdated:
        return "请升级软件（数据保存在本机）"
    if state.unsafe:
        return "连接不安全（数据保存在本机）"
    if offline:
        return "网络未连接（数据已保存在本机）"
    parts = []
    if state.rejected:
        parts.append(f"有 {state.rejected} 条被退回")
    if state.pending:
        parts.append(f"待同步 {state.pending} 条")
    if not state.connected:
        parts.append("练习数据只在本机" if state.training else "未连接县里，数据保存在本机")
    return "，".join(parts) if parts else "已同步"


def when(text: str) -> str:
    """A stored time as the agent reads it: 11月27日 10:30."""
    if not text:
        return ""
    try:
        at = parse_time(text)
    except ValueError:
        return text
    return f"{at.astimezone(CHINA_TZ):%m月%d日 %H:%M}"


def ago(text: str, now: datetime) -> str:
    """When, with how long ago in plain words: 11月27日 10:30（5 分钟前）."""
    if not text:
        return ""
    try:
        minutes = int((now - parse_time(text)).total_seconds() // 60)
    except ValueError:
        return text
    if minutes < 1:
        return f"{when(text)}（刚刚）"
    if minutes < 60:
        return f"{when(text)}（{minutes} 分钟前）"
    if minutes < 48 * 60:
        return f"{when(text)}（{minutes // 60} 小时前）"
    return f"{when(text)}（{minutes // 1440} 天前）"


@dataclass(frozen=True)
class RejectedRecord:
    """One record the county refused, with its reason and what the agent can do about it."""

    seq: int
    at: str
    what: str
    receipt_no: str
    subject: str  # the item, or what was mailed
    reason: str
    advice: str
    case_id: str = ""


def rejected_records(counter: Counter) -> list[RejectedRecord]:
    quarantined = StoreSyncPort(counter.store).rejected()
    case_ids = {ev.body.get("case_id") for ev, _reason in quarantined if ev.body.get("case_id")}
    mailing_ids = {ev.body.get("mailing_id") for ev, _reason in quarantined if ev.body.get("mailing_id")}
    with read(counter.store.engine) as conn:
        cases = {
            row.case_id: row
            for row in conn.execute(
                select(case.c.case_id, case.c.receipt_no, case.c.item_code).where(case.c.case_id.in_(case_ids))
            )
        }
        mailings = {
            row.mailing_id: row
            for row in conn.execute(
                select(mailing.c.mailing_id, mailing.c.contents, mailing.c.tracking_no).where(
                    mailing.c.mailing_id.in_(mailing_ids)
                )
            )
        }
    names = {item.code: item.name for item in counter.catalogue.items}
    out = []
    for ev, reason in quarantined:
        what = WHAT.get(ev.type, str(ev.type))
        found = cases.get(ev.body.get("case_id"))
        if found is not None or ev.type is EventType.CASE_RECORDED:
            receipt = found.receipt_no if found is not None else ev.body.get("receipt_no", "")
            code = found.item_code if found is not None else ev.body.get("item_code", "")
            out.append(
                RejectedRecord(
                    ev.seq,
                    when(ev.occurred_at),
                    what,
                    receipt,
                    names.get(code, code),
                    reason,
                    ADVICE_BY_TYPE.get(ev.type, ADVICE_CASE),
                    ev.body.get("case_id", ""),
                )
            )
        elif (sent := mailings.get(ev.body.get("mailing_id"))) is not None:
            subject = sent.contents + (f"（运单号 {sent.tracking_no}）" if sent.tracking_no else "")
            advice = ADVICE_BY_MAILING_TYPE.get(ev.type, ADVICE_MAILING)
            out.append(RejectedRecord(ev.seq, when(ev.occurred_at), what, "", subject, reason, advice))
        elif ev.type is EventType.CONSULT_ASKED:
            question = str(ev.body.get("question", ""))
            subject = question if len(question) <= 30 else question[:30] + "……"
            out.append(RejectedRecord(ev.seq, when(ev.occurred_at), what, "", subject, reason, ADVICE_CONSULT))
        else:
            subject = ev.body.get("business_date", "")
            out.append(RejectedRecord(ev.seq, when(ev.occurred_at), what, "", subject, reason, ADVICE_OTHER))
    return out
