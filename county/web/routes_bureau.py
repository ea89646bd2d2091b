"""The bureau's tables: the working-day table (工作日表), the items each township offers, the guides (办事指南).

The bureau edits; finance/audit reads; a department edits and approves the guides of its own items.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from county.api.errors import status_of
from county.errors import CountyError
from county.models import Township
from county.services import catalogues, guides, township_items, workdays
from county.services.crediting import county_workdays
from county.services.staff import BUREAU, StaffRole
from county.web.deps import ConsoleRefused, Viewer, allow, reading, writing
from county.web.render import page
from sync.clock import china_today
from sync.ledger.flowcharts import sample_for, steps_text

router = APIRouter(prefix="/console")
Bureau = Annotated[Viewer, allow(*BUREAU)]
Overseers = Annotated[Viewer, allow(*BUREAU, StaffRole.FINANCE)]
GuideReaders = Annotated[Viewer, allow(*BUREAU, StaffRole.FINANCE, StaffRole.DEPARTMENT)]
GuideWriters = Annotated[Viewer, allow(*BUREAU, StaffRole.DEPARTMENT)]
Department = Annotated[Viewer, allow(StaffRole.DEPARTMENT)]
Text = Annotated[str, Form(max_length=4000)]
MaybeText = Annotated[str | None, Form(max_length=4000)]  # a field the form may not carry: None keeps what is kept


def _unit(who: Viewer) -> str | None:
    return who.scope.unit_code if who.role is StaffRole.DEPARTMENT else None


# ---- the working-day table ----


@router.get("/workdays")
def workdays_page(request: Request, who: Overseers, year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    return _workdays(request, who, year or china_today().year + 1)


def _workdays(request: Request, who: Viewer, year: int, *, form=None, error="", done="", status=200):
    with reading(request) as db:
        table = county_workdays(db)
    holidays, extra = workdays.year_days(table, year)
    years = sorted(table.years | {year, china_today().year + 1})
    form = form or {
        "holidays": "\n".join(d.isoformat() for d in holidays),
        "workdays": "\n".join(d.isoformat() for d in extra),
    }
    return page(
        request,
        "workdays.html",
        who,
        year=year,
        years=years,
        covered=table.covers(year),
        holidays=holidays,
        extra=extra,
        form=form,
        may_edit=who.role in BUREAU,
        error=error,
        done=done,
        status=status,
    )


@router.post("/workdays")
def edit_workdays(
    request: Request, who: Bureau, year: Annotated[int, Form(ge=2000, le=2100)], holidays: Text = "", extra: Text = ""
):
    try:
        with writing(request, who) as db:
            workdays.edit_year(db, year, holidays, extra, actor=who.actor)
    except CountyError as exc:
        form = {"holidays": holidays, "workdays": extra}
        return _workdays(request, who, year, form=form, error=exc.message, status=status_of(exc))
    return _workdays(
        request, who, year, done=f"{year} 年工作日表已保存并发布：县里立即按新表计算，代办点下次同步时收到。"
    )


# ---- items per township ----


@router.get("/townships/{township_id}/items")
def township_items_page(request: Request, township_id: int, who: Overseers):
    return _items(request, township_id, who)


def _items(request: Request, township_id: int, who: Viewer, *, error="", done="", status=200):
    with reading(request) as db:
        town = db.get(Township, township_id)
        if town is None:
            raise ConsoleRefused(404, "没有这个乡镇。")
        catalogue = catalogues.catalogue(db)
    offered = township_items.offered(catalogue, town.name)
    return page(
        request,
        "township_items.html",
        who,
        town=town,
        catalogue=catalogue,
        offered=offered,
        may_edit=who.role in BUREAU,
        error=error,
        done=done,
        status=status,
    )


@router.post("/townships/{township_id}/items")
def set_township_items(
    request: Request, township_id: int, who: Bureau, item: Annotated[list[str] | None, Form()] = None
):
    try:
        with writing(request, who) as db:
            event = township_items.set_items(
                db, township_id, {code[:10] for code in (item or ())[:100]}, actor=who.actor
            )
            version = event.payload["version"]
    except CountyError as exc:
        return _items(request, township_id, who, error=exc.message, status=status_of(exc))
    return _items(
        request, township_id, who, done=f"已发布事项清单 {version} 版：这个乡镇的代办点下次同步后只显示勾选的事项。"
    )


# ---- guides ----


@router.get("/guides")
def guides_page(request: Request, who: GuideReaders):
    with reading(request) as db:
        catalogue = catalogues.catalogue(db)
        rows = [(item, guides.guide_for(db, item.code)) for item in catalogue.items]
    mine = who.scope.item_codes if who.role is StaffRole.DEPARTMENT else None
    return page(request, "guides.html", who, rows=rows, mine=mine)


@router.get("/guides/{item_code}")
def guide_page(request: Request, item_code: str, who: GuideReaders):
    return _guide(request, item_code, who)


def _guide(request: Request, item_code: str, who: Viewer, *, form=None, error="", done="", status=200):
    with reading(request) as db:
        try:
            guide = guides.guide_for(db, item_code)
            flowchart = guides.flowchart_for(db, item_code)
        except CountyError as exc:
            raise ConsoleRefused(404, exc.message) from None
        item = catalogues.catalogue(db).by_code(guide.item_code)
    bureau = who.role in BUREAU
    unit = _unit(who)
    sample = sample_for(item.code)
    form = form or {
        "text": guide.text,
        "materials": "\n".join(guide.materials),
        "steps": steps_text(guide.steps or (sample.steps if sample else ())),
    }
    return page(
        request,
        "guide.html",
        who,
        guide=guide,
        item=item,
        flowchart=flowchart,
        form=form,
        may_edit=guides.may_edit(item, bureau=bureau, unit_code=unit),
        may_approve=unit is not None and unit in item.guide.unit_codes and guide.written and not guide.approved,
        error=error,
        done=done,
        status=status,
    )


@router.post("/guides/{item_code}")
def save_guide(
    request: Request, item_code: str, who: GuideWriters, text: Text = "", materials: Text = "", steps: MaybeText = None
):
    try:
        with writing(request, who) as db:
            guides.save(
                db,
                item_code,
                text,
                materials,
                actor=who.actor,
                bureau=who.role in BUREAU,
                unit_code=_unit(who),
                steps_text=steps,
            )
    except CountyError as exc:
        form = {"text": text, "materials": materials, "steps": steps or ""}
        return _guide(request, item_code, who, form=form, error=exc.message, status=status_of(exc))
    return _guide(request, item_code, who, done="办事指南已保存。部门审核以前，它在专区标为“示例”。")


@router.post("/guides/{item_code}/approve")
def approve_guide(request: Request, item_code: str, who: Department):
    try:
        with writing(request, who) as db:
            guides.approve(db, item_code, actor=who.actor, unit_code=_unit(who))
    except CountyError as exc:
        return _guide(request, item_code, who, error=exc.message, status=status_of(exc))
    return RedirectResponse(f"/console/guides/{item_code[:10]}", status_code=303)
