"""The public 专区's reading pages (no sign-in, no script): home, policy news, items with their guides and
flowcharts, the points directory, each point's page (its 标识牌 QR code) and the counts of assisted cases.

Every page is a GET that shows the same to everyone but for the 大字 cookie, so it is sent with an ETag, a
short public max-age and ``Vary: Cookie``; an unchanged page is answered with a 304.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from county.models import Point, Township
from county.services import directory, notices, public_counts, public_items
from county.web.deps import reading
from county.web.routes_public import _render
from sync.ledger.flowcharts import SAMPLE_LABEL

router = APIRouter(prefix="/ssb")
MAX_AGE = 300  # five minutes: news, a point's hours or a count may change, but not by the second
Month = Annotated[str, Query(max_length=7, pattern=r"^(\d{4}-\d{2})?$")]
TownshipId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]  # within the column's range on PostgreSQL too


def _page(request: Request, name: str, **context) -> Response:
    response = _render(request, name, **context)
    tag = '"' + hashlib.sha256(response.body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE}", "Vary": "Cookie"}
    if tag in [part.strip() for part in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def _missing(request: Request, message: str) -> Response:
    return _render(request, "public/missing.html", 404, message=message)  # no-store, by the app's middleware


def _month(month: str) -> str:
    offered = public_counts.months()
    return month if month in offered else offered[0]


@router.get("/")
def home(request: Request):
    with reading(request) as db:
        news = notices.public_news(db)[:3]
        item_count = len(public_items.current(db).items)
    return _page(request, "public/home.html", news=news, item_count=item_count, r="")


@router.get("/news")
def news_list(request: Request):
    with reading(request) as db:
        news = notices.public_news(db)
    return _page(request, "public/news.html", news=news)


@router.get("/news/{notice_id}")
def news_page(request: Request, notice_id: Annotated[int, Path(ge=1, le=2**63 - 1)]):
    with reading(request) as db:
        found = notices.public_notice(db, notice_id)
    if found is None:
        return _missing(request, "没有这条资讯，或它还没有公开。")
    return _page(request, "public/news_item.html", notice=found)


@router.get("/items")
def items(request: Request):
    with reading(request) as db:
        groups = public_items.by_category(db)
    return _page(request, "public/items.html", groups=groups)


@router.get("/items/{code}")
def item(request: Request, code: str):
    with reading(request) as db:
        found = public_items.item_page(db, code[:10])
    if found is None:
        return _missing(request, "没有这个办事事项。")
    return _page(request, "public/item.html", page=found, sample_label=SAMPLE_LABEL)


@router.get("/points")
def points(request: Request, t: TownshipId = None):
    """The townships with their number of points; with ``t``, that township's points by village (a county's
    whole directory on one page would grow past what a cheap phone should load)."""
    with reading(request) as db:
        towns = directory.townships(db)
        found = directory.listings(db, township_id=t) if t else []
    town = next((name for tid, name, _n in towns if tid == t), None)
    if t and town is None:
        return _missing(request, "没有这个乡镇。")
    villages: dict[str, list] = {}
    for point in found:
        villages.setdefault(point.village or "其他", []).append(point)
    total = sum(n for _t, _name, n in towns)
    return _page(request, "public/points.html", towns=towns, town=town, villages=villages, total=total)


@router.get("/p/{code}")
def point(request: Request, code: str, m: Month = ""):
    """What a point's 标识牌 QR code opens: its hours, address, items and counts."""
    month = _month(m)
    with reading(request) as db:
        found = directory.listing(db, code[:4])
        if found is None:
            return _missing(request, "没有这个代办点，或它已停止服务。")
        point_id = db.scalar(select(Point.id).where(Point.code == found.code))
        cat = public_items.current(db)
        offered = [i for i in cat.items if i.offered_in(found.township)]
        counts = public_counts.point_counts(db, point_id, month)
    return _page(
        request,
        "public/point.html",
        point=found,
        items=offered,
        counts=counts,
        months=public_counts.months(),
        base=f"/ssb/p/{found.code}?",
    )


@router.get("/counts")
def counts(request: Request, m: Month = "", t: TownshipId = None):
    month = _month(m)
    with reading(request) as db:
        town = db.get(Township, t) if t else None
        if t and town is None:
            return _missing(request, "没有这个乡镇。")
        view = public_counts.county_counts(db, month, township_id=t)
        town_name = town.name if town else ""
    return _page(
        request,
        "public/counts.html",
        counts=view,
        town=town_name,
        town_id=t,
        months=public_counts.months(),
        base="/ssb/counts" + (f"?t={t}&" if t else "?"),
    )
