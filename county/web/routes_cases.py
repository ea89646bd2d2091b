"""Cases in the console: search (by everyone, in scope), the case page, unmasking, a department's work queue."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from county.errors import CountyError
from county.models import Case, Point
from county.services import case_chain, departments, evidence, return_mailings
from county.services.common import audit
from county.services.evidence_s3 import image_store
from county.services.staff import ALL_ROLES, BUREAU, StaffRole
from county.web import queries
from county.web.case_work import (
    QUEUE_STATES,
    RETURN_FILTERS,
    DueDates,
    can_return,
    offered_actions,
    queue_query,
    return_counts,
    return_rows,
)
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import is_htmx, page
from sync.ledger.catalogue import load_catalogue
from sync.ledger.kinds import CASE_STATE_LABELS, SERVICE_MODE_LABELS, CaseState, ServiceMode

router = APIRouter(prefix="/console")
Anyone = Annotated[Viewer, allow(*ALL_ROLES)]
MayUnmask = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP, StaffRole.DEPARTMENT)]
Department = Annotated[Viewer, allow(StaffRole.DEPARTMENT)]
# material images (材料影像): the department of the item, the point's township, the bureau's reviewers (the scope
# narrows it to the case's own department and township); finance and audit work without them
MAY_SEE_IMAGES = frozenset({*BUREAU, StaffRole.TOWNSHIP, StaffRole.DEPARTMENT})
MaySeeImages = Annotated[Viewer, allow(*MAY_SEE_IMAGES)]


def _item_names() -> dict[str, str]:
    return {item.code: item.name for item in load_catalogue().items}


def _case_or_404(db, who: Viewer, case_id: str) -> Case:
    case = who.scope.case(db, case_id[:40])
    if case is None:
        raise ConsoleRefused(404, "没有找到这个办件，或它不在你的工作范围内。")
    return case


def _day(text: str, label: str) -> str:
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ConsoleRefused(400, f"{label}要写成 2026-11-27 这样的日期。") from None


def case_query(receipt: str, state: str, point: str, item: str, mode: str, since: str, until: str) -> queries.CaseQuery:
    """The search form's fields, checked: a status or mode the county does not know is refused, not ignored."""
    if state and state not in {s.value for s in CaseState}:
        raise ConsoleRefused(400, "没有这个办件状态。")
    if mode and mode not in {m.value for m in ServiceMode}:
        raise ConsoleRefused(400, "没有这种服务方式。")
    return queries.CaseQuery(receipt, state, point, item, mode, _day(since, "开始日期"), _day(until, "结束日期"))


Receipt = Annotated[str, Query(max_length=40)]
Short = Annotated[str, Query(max_length=20)]


@router.get("/cases")
def case_search(
    request: Request,
    who: Anyone,
    receipt: Receipt = "",
    state: Short = "",
    point: Annotated[str, Query(max_length=8)] = "",
    item: Annotated[str, Query(max_length=10)] = "",
    mode: Short = "",
    since: Short = "",
    until: Short = "",
    after: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[str, Query(max_length=40)] = "",
):
    query = case_query(receipt, state, point, item, mode, since, until)
    with reading(request) as db:
        found = queries.search_cases(db, who.scope, query, after=after, before=before)
    context = dict(
        rows=found.rows,
        total=found.total,
        newer=found.newer,
        older=found.older,
        items=_item_names(),
        labels=CASE_STATE_LABELS,
        modes=SERVICE_MODE_LABELS,
        query=query,
        params=query.as_params(),
        page_size=queries.PAGE_SIZE,
        cap=queries.COUNT_CAP,
    )
    return page(request, "case_rows.html" if is_htmx(request) else "cases.html", who, **context)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, who: Anyone):
    with reading(request) as db:
        case = _case_or_404(db, who, case_id)
        point = db.get(Point, case.point_id)
        rows = queries.case_rows(db, case)  # read once for both
        history = queries.case_events(db, case, rows)
        chain = case_chain.check(db, case, rows, queries.EVENT_LABELS)
        person = queries.applicant(db, request.app.state.core.pii, case, masked=True, rows=rows)
        due = DueDates(db).of(case)
        box = request.app.state.core.pii
        mailed = [(m, return_mailings.counter_step(db, box, m)) for m in return_mailings.of_case(db, case)]
        images = evidence.of_case(db, case) if who.role in MAY_SEE_IMAGES else None
    return page(
        request,
        "case.html",
        who,
        case=case,
        point=point,
        history=history,
        person=person,
        items=_item_names(),
        labels=CASE_STATE_LABELS,
        modes=SERVICE_MODE_LABELS,
        may_unmask=who.role is not StaffRole.FINANCE,
        may_act=who.role is StaffRole.DEPARTMENT and case.state in QUEUE_STATES,
        may_mail=who.role is StaffRole.DEPARTMENT
        and case.flow == "approval"
        and case.state in ("completed", "returned"),
        actions=offered_actions,
        can_return=can_return,
        due=due,
        mailed=mailed,
        images=images,
        chain=chain,
    )


@router.post("/cases/{case_id}/unmask")
def unmask(request: Request, case_id: str, who: MayUnmask):
    """The applicant's full personal data, shown once; the look itself is written to the audit log."""
    with writing(request, who) as db:
        case = _case_or_404(db, who, case_id)
        person = queries.applicant(db, request.app.state.core.pii, case, masked=False)
        audit(db, who.actor, "pii.unmask", f"case:{case.case_id}", receipt_no=case.receipt_no)
    return page(request, "person.html", who, person=person, unmasked=True, case=case)


@router.get("/cases/{case_id}/evidence/{event_id}")
def evidence_image(request: Request, case_id: str, event_id: str, who: MaySeeImages):
    """One material image, for a viewer whose scope shows the case; every view is written to the audit log."""
    core = request.app.state.core
    try:
        with writing(request, who) as db:
            data, media_type = evidence.view(
                db, who.scope, who.actor, case_id[:40], event_id, image_store(core.settings), core.pii
            )
    except CountyError as exc:
        raise ConsoleRefused(404, exc.message) from None
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media_type, headers=headers)


@router.get("/queue")
def queue(request: Request, who: Department, show: Annotated[str, Query(max_length=20)] = ""):
    """The department's open cases, overdue first, then due soonest; those not yet signed for after them. With
    ``show`` (回寄在途 / 待群众领取 / 已交群众) its return mailings instead, each with where it stands at the counter."""
    show = show if show in RETURN_FILTERS else ""
    rows, returns = [], []
    with reading(request) as db:
        if show:
            returns = return_rows(db, who.scope, show)
        else:
            found = queue_query(who.scope).add_columns(Point.code).join(Point, Point.id == Case.point_id)
            dues = DueDates(db)
            rows = sorted(
                ((case, code, dues.of(case)) for case, code in db.execute(found)), key=lambda r: r[2].sort_key
            )
        counts = return_counts(db, who.scope)
    return page(
        request,
        "queue.html",
        who,
        show=show,
        filters=[(key, label, counts[key]) for key, (label, _condition) in RETURN_FILTERS.items()],
        returns=returns,
        rows=rows,
        items=_item_names(),
        labels=CASE_STATE_LABELS,
        actions=offered_actions,
        can_return=can_return,
    )


@router.post("/cases/{case_id}/status")
def set_status(
    request: Request,
    case_id: str,
    who: Department,
    status: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
):
    """签收材料 / 受理 / 审批中 / 办结 / 退回: the department's step, queued for the point's devices at their next sync."""
    error = ""
    try:
        with writing(request, who) as db:
            case = _case_or_404(db, who, case_id)
            departments.set_case_status(db, case, status, note, actor=who.actor)
    except CountyError as exc:
        error = exc.message
    with reading(request) as db:
        case = _case_or_404(db, who, case_id)
        code = db.scalar(select(Point.code).where(Point.id == case.point_id))
        due = DueDates(db).of(case)
    if not is_htmx(request):
        if error:
            raise ConsoleRefused(400, error)
        return RedirectResponse(f"/console/cases/{case.case_id}", status_code=303)
    return page(
        request,
        "queue_row.html",
        who,
        case=case,
        code=code,
        due=due,
        items=_item_names(),
        labels=CASE_STATE_LABELS,
        actions=offered_actions,
        can_return=can_return,
        error=error,
        done=not error and CASE_STATE_LABELS[CaseState(case.state)],
    )


@router.post("/cases/{case_id}/return-mailing")
def return_mailing(
    request: Request,
    case_id: str,
    who: Department,
    tracking_no: Annotated[str, Form(max_length=40)] = "",
    contents: Annotated[str, Form(max_length=200)] = "",
):
    """部门回寄: the licence or reply mailed back through the point; it reaches the counter's 寄递台账 at its next sync."""
    try:
        with writing(request, who) as db:
            case = _case_or_404(db, who, case_id)
            return_mailings.record(
                db, case, tracking_no, contents, unit_code=who.scope.unit_code or "", actor=who.actor
            )
    except CountyError as exc:
        raise ConsoleRefused(400, exc.message) from exc
    return RedirectResponse(f"/console/cases/{case_id[:40]}#return-mailings", status_code=303)
