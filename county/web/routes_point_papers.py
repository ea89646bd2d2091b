"""What the bureau issues a point, as downloads from the point's console page: its 标识牌 (sign plate) and its
上墙公示 (wall poster), drawn by county/services/point_papers.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from county.services import point_papers
from county.web.deps import ConsoleRefused, Viewer, reading
from county.web.routes_org import Bureau

router = APIRouter(prefix="/console")


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _point(db, who: Viewer, code: str):
    point = who.scope.point(db, code[:8])
    if point is None:
        raise ConsoleRefused(404, "没有这个代办点，或它不在你的工作范围内。")
    if point.state != "active":
        raise ConsoleRefused(409, "这个代办点已撤销，不再印制它的标识牌和上墙公示。")
    return point


@router.get("/points/{code}/sign.pdf")
def sign(request: Request, code: str, who: Bureau):
    """The 标识牌 at its real size, its QR code opening the point's 专区 page."""
    with reading(request) as db:
        point = _point(db, who, code)
        url = request.app.state.core.settings.point_page_url(point.code)
        if url is None:
            raise ConsoleRefused(
                409, "还没有设置专区网址（SUISHENBAN_COUNTY_QUERY_URL），标识牌上的二维码无处可指，请先请管理员设置。"
            )
        found = point_papers.facts(db, point)
    return _pdf(point_papers.sign_pdf(found, url), f"sign-{found.code}.pdf")


@router.get("/points/{code}/poster.pdf")
def poster(request: Request, code: str, who: Bureau):
    """The 上墙公示 at A3: the items the point's township offers, their time limits, materials, flowcharts."""
    with reading(request) as db:
        point = _point(db, who, code)
        found = point_papers.facts(db, point)
        items = point_papers.poster_items(db, found.township)
    return _pdf(point_papers.poster_pdf(found, items), f"poster-{found.code}.pdf")
