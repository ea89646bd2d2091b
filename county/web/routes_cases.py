"""Cases in the console: search (by everyone, in scope), the case page, unmasking, a department's work queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from county.errors import CountyError
from county.models import Case, Point
from county.services import departments
from county.services.common import audit
from county.services.staff import ALL_ROLES, BUREAU, StaffRole
from county.web import queries
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import is_htmx, page
from sync.ledger.catalogue import load_catalogue
from sync.ledger.kinds import CASE_STATE_LABELS, CaseState

router = APIRouter(prefix="/console")
Anyone = Annotated[Viewer, allow(*ALL_ROLES)]
MayUnmask = Annotated[Viewer, allow(*BUREAU, StaffRole.TOWNSHIP, StaffRole.DEPARTMENT)]
Department = Annotated[Viewer, allow(StaffRole.DEPARTMENT)]
QUEUE_STATES = ("recorded", "materials_sent", "accepted", "in_review")
ACTIONS = (("accepted", "受理"), ("in_review", "审批中"), ("completed", "办结"))


def _item_names() -> dict[str, str]:
    return {item.code: item.name for item in load_catalogue().items}


def _case_or_404(db, who: Viewer, case_id: str) -> Case:
    case = who.scope.case(db, case_id[:40])
    if case is None:
        raise ConsoleRefused(404, "没有找到这个办件，或它不在你的工作范围内。")
    return case


@router.get("/cases")
def case_search(
    request: Request,
    who: Anyone,
    receipt: Annotated[str, Query(max_length=40)] = "",
    state: Annotated[str, Query(max_length=20)] = "",
    point: Annotated[str, Query(max_length=8)] = "",
    item: Annotated[str, Query(max_length=10)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
):
    page_no = min(page_no, queries.max_page())
    with reading(request) as db:
        rows, total = queries.search_cases(
            db, who.scope, receipt=receipt, state=state, point=point, item=item, page=page_no
        )
    context = dict(
        rows=rows,
        total=total,
        items=_item_names(),
        labels=CASE_STATE_LABELS,
        query={"receipt": receipt, "state": state, "point": point, "item": item},
        page_no=page_no,
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
        person = queries.applicant(db, request.app.state.core.pii, case, masked=True, rows=rows)
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
        may_unmask=who.role is not StaffRole.FINANCE,
        may_act=who.role is StaffRole.DEPARTMENT and case.state in QUEUE_STATES,
        actions=ACTIONS,
    )


@router.post("/cases/{case_id}/unmask")
def unmask(request: Request, case_id: str, who: MayUnmask):
    """The applicant's full personal data, shown once; the look itself is written to the audit log."""
    with writing(request, who) as db:
        case = _case_or_404(db, who, case_id)
        person = queries.applicant(db, request.app.state.core.pii, case, masked=False)
        audit(db, who.actor, "pii.unmask", f"case:{case.case_id}", receipt_no=case.receipt_no)
    return page(request, "person.html", who, person=person, unmasked=True, case=case)


@router.get("/queue")
def queue(request: Request, who: Department):
    with reading(request) as db:
        rows = db.execute(
            who.scope.cases()
            .add_columns(Point.code)
            .join(Point, Point.id == Case.point_id)
            .where(Case.state.in_(QUEUE_STATES), Case.flow != "payment")
            .order_by(Case.business_date, Case.receipt_no)
            .limit(500)
        ).all()
    return page(request, "queue.html", who, rows=rows, items=_item_names(), labels=CASE_STATE_LABELS, actions=ACTIONS)


@router.post("/cases/{case_id}/status")
def set_status(
    request: Request,
    case_id: str,
    who: Department,
    status: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
):
    """受理 / 审批中 / 办结 / 退回: the department's decision, queued for the point's devices at their next sync."""
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
        items=_item_names(),
        labels=CASE_STATE_LABELS,
        actions=ACTIONS,
        error=error,
        done=not error and CASE_STATE_LABELS[CaseState(case.state)],
    )
