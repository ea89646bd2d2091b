"""Consultations in the console: the queue (overdue, due soon), answering, reassigning, calls typed in by staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from county.api.errors import status_of
from county.errors import CountyError
from county.models import Consultation, Device, Point
from county.services import consultations
from county.services.consultations import SOURCES, STAFF_SOURCES
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page
from sync.ledger.catalogue import load_catalogue, load_units
from sync.ledger.validation import mask_mobile

router = APIRouter(prefix="/console")
Readers = Annotated[Viewer, allow(*BUREAU, StaffRole.DEPARTMENT, StaffRole.FINANCE)]
Answerers = Annotated[Viewer, allow(*BUREAU, StaffRole.DEPARTMENT)]
Bureau = Annotated[Viewer, allow(*BUREAU)]
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=40)]


def _items() -> dict[str, str]:
    return {item.code: item.name for item in load_catalogue().items}


def _units() -> dict[str, str]:
    return {code: unit.name for code, unit in load_units().items()}


def _facts(request: Request, row: Consultation) -> dict:
    box = request.app.state.core.pii
    phone = box.open(row.phone_sealed, f"consult-{row.ref}")["mobile"] if row.phone_sealed else ""
    return {
        "source": SOURCES.get(row.source, row.source),
        "unit": consultations.unit_name(row.unit_code),
        "answered_unit": consultations.unit_name(row.answered_unit) if row.answered_at else "",
        "due": consultations.due_label(row.due_date),
        "late": consultations.is_late(row),
        "phone": mask_mobile(phone) if phone else "",
    }


def _relayed_from(db, row: Consultation) -> str:
    """代办点转来的咨询: the point (name, code) and the device number it was written down at; "" otherwise."""
    if row.point_id is None:
        return ""
    point, device = db.get(Point, row.point_id), db.get(Device, row.device_id) if row.device_id else None
    where = f"{point.name}（{point.code}" if point else "代办点（"
    return where + (f"，{device.device_no} 号机）" if device else "）")


@router.get("/consultations")
def consult_queue(request: Request, who: Readers):
    with reading(request) as db:
        queue = consultations.queue(db, who.scope)
        times = consultations.response_times(db, who.scope) if who.scope.county_wide else []
    return page(
        request,
        "consults.html",
        who,
        queue=queue,
        times=times,
        items=_items(),
        unit_name=consultations.unit_name,
        due_label=consultations.due_label,
        is_late=consultations.is_late,
        may_record=who.role in BUREAU,
    )


@router.get("/consultations/new")
def consult_new_form(request: Request, who: Bureau):
    return page(request, "consult_new.html", who, items=_items(), sources=STAFF_SOURCES, labels=SOURCES, form={})


@router.post("/consultations/new")
def consult_new(
    request: Request,
    who: Bureau,
    question: Text = "",
    item: Short = "",
    phone: Short = "",
    source: Short = "",
):
    core = request.app.state.core
    form = {"question": question, "item": item, "phone": phone, "source": source}
    try:
        with writing(request, who) as db:
            row, code = consultations.create(
                db,
                lambda: core.pii,
                question=question,
                item_code=item,
                phone=phone,
                source=source,
                recorded_by=who.actor,
            )
            created = (row.id, code, consultations.unit_name(row.unit_code), consultations.due_label(row.due_date))
    except CountyError as exc:
        return page(
            request,
            "consult_new.html",
            who,
            items=_items(),
            sources=STAFF_SOURCES,
            labels=SOURCES,
            form=form,
            error=exc.message,
            status=status_of(exc),
        )
    return page(
        request,
        "consult_new.html",
        who,
        items=_items(),
        sources=STAFF_SOURCES,
        labels=SOURCES,
        form={},
        created=created,
    )


def _one(request: Request, who: Viewer, consult_id: int, *, status: int = 200, **extra):
    with reading(request) as db:
        try:
            row = consultations.get(db, who.scope, consult_id)
        except CountyError as exc:
            raise ConsoleRefused(404, exc.message) from exc
        facts = _facts(request, row)
        relayed_from = _relayed_from(db, row)
    return page(
        request,
        "consult.html",
        who,
        row=row,
        facts=facts,
        items=_items(),
        units=_units(),
        may_answer=who.role is not StaffRole.FINANCE and row.answered_at is None,
        may_route=who.role in BUREAU and row.answered_at is None,
        relayed_from=relayed_from,
        status=status,
        **extra,
    )


@router.get("/consultations/{consult_id}")
def consult_page(request: Request, consult_id: int, who: Readers):
    return _one(request, who, consult_id)


@router.post("/consultations/{consult_id}/answer")
def consult_answer(request: Request, consult_id: int, who: Answerers, text: Text = ""):
    try:
        with writing(request, who) as db:
            consultations.answer(db, who.scope, consult_id, text, actor=who.actor)
    except CountyError as exc:
        if exc.code == "no_consultation":
            raise ConsoleRefused(404, exc.message) from exc
        return _one(request, who, consult_id, status=status_of(exc), error=exc.message, draft=text)
    return _one(request, who, consult_id, done="答复已发布，提问人凭查询码就能看到。")


@router.post("/consultations/{consult_id}/route")
def consult_route(request: Request, consult_id: int, who: Bureau, to: Short = ""):
    try:
        with writing(request, who) as db:
            row = consultations.reassign(db, who.scope, consult_id, to, actor=who.actor)
            name = consultations.unit_name(row.unit_code)
    except CountyError as exc:
        if exc.code == "no_consultation":
            raise ConsoleRefused(404, exc.message) from exc
        return _one(request, who, consult_id, status=status_of(exc), error=exc.message)
    return _one(request, who, consult_id, done=f"已转给{name}，答复期限不变。")


@router.post("/consultations/{consult_id}/phone")
def consult_phone(request: Request, consult_id: int, who: Answerers):
    """The asker's full phone number for a call back, shown once; the look is audited."""
    try:
        with writing(request, who) as db:
            phone = consultations.phone_of(db, request.app.state.core.pii, who.scope, consult_id, actor=who.actor)
    except CountyError as exc:
        raise ConsoleRefused(404, exc.message) from exc
    return _one(request, who, consult_id, full_phone=phone or "没有留电话")
