"""The 专区's reading pages in process, on SQLite and PostgreSQL: what each page shows and what it must not."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.county.web.zhuanqu import (
    NEWS,
    PRIVATE_PHONE,
    PUBLIC_PHONE,
    QUIET,
    REVOKED_NAME,
    furnish,
    make_zhuanqu,
)

PAGES = ("/ssb/", "/ssb/news", "/ssb/items", "/ssb/items/FL015", "/ssb/points", "/ssb/points?t=1", "/ssb/counts")


@pytest.fixture
def zq(county_engine):
    return make_zhuanqu(county_engine)


def _client(zq) -> TestClient:
    return TestClient(zq.app, base_url="http://testserver", follow_redirects=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _directory(client) -> str:
    """The directory's township list and every township's page, as one text."""
    first = client.get("/ssb/points").text
    pages = [client.get(f"/ssb/points?t={t}") for t in re.findall(r'href="/ssb/points\?t=(\d+)"', first)]
    assert pages and all(page.status_code == 200 and len(page.content) < 100_000 for page in pages)
    return first + "".join(page.text for page in pages)


def _cells(html: str) -> dict[str, str]:
    """The label → figure of every row in the page's tables (the last table with that label wins)."""
    return dict(re.findall(r"<tr><t[dh][^>]*>(?:<a [^>]*>)?([^<]+)(?:</a>)?</t[dh]><td class=\"n\">([^<]+)</td>", html))


def test_every_page_is_small_scriptless_and_cached_with_an_etag(zq):
    furnished = furnish(zq)
    paths = (*PAGES, f"/ssb/news/{furnished.news_ids['past']}", f"/ssb/p/{zq.site.point_code}")
    with _client(zq) as client:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert len(response.content) < 100_000, path
            assert "<script" not in response.text.lower(), path
            assert response.headers["cache-control"] == "public, max-age=300", path
            assert response.headers["vary"] == "Cookie", path
            assert "script-src" not in response.headers["content-security-policy"], path
            again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 304 and not again.content, path


def test_news_shows_public_notices_whose_day_has_come_newest_first_as_plain_text(zq):
    ids = furnish(zq).news_ids
    with _client(zq) as client:
        listing = client.get("/ssb/news").text
        today = client.get(f"/ssb/news/{ids['today']}").text
        future = client.get(f"/ssb/news/{ids['future']}")
        past = client.get(f"/ssb/news/{ids['past']}").text
    assert listing.index(NEWS["today"]) < listing.index(NEWS["past"])  # newest first
    assert NEWS["future"] not in listing and future.status_code == 404 and NEWS["future"] not in future.text
    assert future.headers["cache-control"] == "no-store"
    for quiet in QUIET.values():  # not made public, or sent to one point only
        assert quiet not in listing
    assert "&lt;b&gt;不用跑县城&lt;/b&gt;" in today and "<b>" not in today  # stored text, never HTML
    assert "2026-11-20" in past and "2026年11月1日至12月31日" in past


def test_a_future_notice_appears_on_its_day(zq):
    from datetime import UTC, datetime

    import time_machine

    ids = furnish(zq).news_ids
    with _client(zq) as client:
        with time_machine.travel(datetime(2026, 12, 4, 15, 50, tzinfo=UTC), tick=False):  # 12-04 23:50 China
            assert client.get(f"/ssb/news/{ids['future']}").status_code == 404
        with time_machine.travel(datetime(2026, 12, 4, 16, 10, tzinfo=UTC), tick=False):  # 12-05 00:10 China
            assert client.get(f"/ssb/news/{ids['future']}").status_code == 200
            listing = client.get("/ssb/news").text
    assert listing.index(NEWS["future"]) < listing.index(NEWS["today"])


def test_a_public_notice_cannot_go_to_one_point_only(zq):
    from county.errors import CountyError
    from county.services import notices

    with zq.county.session() as db, pytest.raises(CountyError, match="不能在专区公开"):
        notices.publish_notice(db, "标题", "内容", point_code=zq.site.point_code, actor="t", public=True)


def test_the_directory_lists_active_points_and_a_phone_only_with_consent(zq):
    furnished = furnish(zq)
    with _client(zq) as client:
        listed = client.get("/ssb/points").text
        directory = _directory(client)
        own = client.get(f"/ssb/p/{zq.site.point_code}").text
        other = client.get(f"/ssb/p/{furnished.other_code}").text
        revoked = client.get(f"/ssb/p/{furnished.revoked_code}")
    assert "瑶里镇" in directory and "瑶里村" in directory and "经公桥村便民店" in directory
    assert "每天 8:00-20:00" in directory and "经公桥镇老街 12 号" in directory
    assert PUBLIC_PHONE in directory and PUBLIC_PHONE in own
    assert PRIVATE_PHONE not in directory and PRIVATE_PHONE not in other
    assert REVOKED_NAME not in directory and "储田村" not in directory
    assert revoked.status_code == 404 and REVOKED_NAME not in revoked.text
    assert "全县共 2 个代办点" in listed and "瑶里村小卖部" not in listed  # the townships first, then each one


def test_items_by_category_and_every_guide_labelled_as_a_sample(zq):
    from sync.ledger.catalogue import load_catalogue

    items = load_catalogue().items
    assert len(items) == 20
    with _client(zq) as client:
        listing = client.get("/ssb/items").text
        pages = {item.code: client.get(f"/ssb/items/{item.code}") for item in items}
        missing = client.get("/ssb/items/XX999")
    for category in ("金融服务", "就业创业", "公共服务", "行政审批"):
        assert f"<h2>{category}</h2>" in listing
    for item in items:
        page = pages[item.code]
        assert page.status_code == 200 and f'href="/ssb/items/{item.code}"' in listing
        assert "示例，以部门审定为准" in page.text and 'id="sample"' in page.text, item.code
        assert page.text.count('<span class="tag">示例</span>') == 2, item.code  # materials and flowchart
        steps = re.findall(r'<li><span class="who">([^<]+)</span><span class="what">[^<]+</span>', page.text)
        assert len(steps) >= 3, item.code
    fl015 = _text(pages["FL015"].text)
    assert "个体工商户登记（备案）申请书" in fl015 and "县市监局" in fl015 and "3 个工作日" in fl015
    assert "全县各乡镇" in fl015 and "代收材料送部门审批" in fl015
    assert missing.status_code == 404


def test_counts_suppress_small_cells_and_totals_never_give_them_away(zq):
    furnish(zq)
    with _client(zq) as client:
        county = _cells(client.get("/ssb/counts", params={"m": "2026-11"}).text)
        october = _cells(client.get("/ssb/counts", params={"m": "2026-10"}).text)
        point = _cells(client.get(f"/ssb/p/{zq.site.point_code}", params={"m": "2026-11"}).text)
    # leaves: 瑶里 FL012 7, FL015 2 (suppressed); 经公桥 FL012 3 (suppressed), FL001 8; voided/disqualified not counted
    assert county["缴纳话费"] == "8"
    assert county["个体工商户设立登记"] == "少于5"
    assert county["助农取现"] == "8–11"  # 7 and a suppressed 3: a range, never 10
    assert county["瑶里镇"] == "8–11" and county["经公桥镇"] == "9–12"
    assert county["合计"] == "17–23" and county["2026-11"] == "17–23" and county["2026-10"] == "5"
    assert point["助农取现"] == "7" and point["个体工商户设立登记"] == "少于5" and point["合计"] == "8–11"
    assert october["缴纳水费"] == "5"


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_no_published_figure_changes_when_a_suppressed_cell_is_1_or_4(county_engine, tmp_path):
    """The soundness of the method: two counties that differ only in a suppressed cell publish the same pages."""
    from county.db import make_engine, upgrade

    pages = []
    for n, name in ((1, "one.db"), (4, "four.db")):
        engine = county_engine if n == 1 else make_engine(f"sqlite:///{tmp_path / name}")
        if n == 4:
            upgrade(engine)
        zq = make_zhuanqu(engine)
        furnished = furnish(zq, other_fl012=n)
        with _client(zq) as client:
            pages.append(
                [
                    _cells(client.get(path, params={"m": "2026-11"}).text)
                    for path in ("/ssb/counts", f"/ssb/p/{furnished.other_code}", "/ssb/counts?t=2")
                ]
            )
        if n == 4:
            engine.dispose()
    assert pages[0] == pages[1]
    assert pages[0][1]["助农取现"] == "少于5"


def test_a_small_count_and_its_bounds():
    from county.services.public_counts import ZERO, Count, leaf, total

    assert [leaf(n).shown for n in (0, 1, 4, 5, 12)] == ["0", "少于5", "少于5", "5", "12"]
    assert total([leaf(1), leaf(1)]).shown == "2–8" and total([leaf(2)]).shown == "少于5"
    assert total([leaf(5), leaf(6)]) == Count(11, 11) and total([]) == ZERO


def test_the_large_text_switch_returns_to_a_zhuanqu_page(zq):
    with _client(zq) as client:
        switched = client.get("/ssb/text", params={"size": "large", "next": "/ssb/items/FL015"})
        assert switched.headers["location"] == "/ssb/items/FL015"
        assert '<html lang="zh-CN" class="large">' in client.get("/ssb/items/FL015").text


def test_the_bureau_sets_the_listing_and_the_phone_consent_on_the_point_page(console):
    from tests.county.web.conftest import csrf_of, sign_in

    client = console.client()
    assert sign_in(client, console.users["bureau_clerk"].username).status_code == 303
    form = client.get(f"/console/points/{console.a.point_code}")
    assert 'name="phone_public"' in form.text and "同意在专区公开" in form.text
    fields = {"village": "瑶里村", "address": "村委会旁", "hours": "每天 8:00-20:00", "phone": PUBLIC_PHONE}
    token = csrf_of(form.text)
    kept = client.post(f"/console/points/{console.a.point_code}/listing", data={**fields, "csrf": token})
    assert kept.status_code == 200 and "专区名录已更新" in kept.text
    public = TestClient(console.app)
    directory = _directory(public)
    assert "村委会旁" in directory and PUBLIC_PHONE not in directory  # no consent ticked: the phone stays private
    client.post(
        f"/console/points/{console.a.point_code}/listing", data={**fields, "phone_public": "yes", "csrf": token}
    )
    assert PUBLIC_PHONE in _directory(public)
    refused = client.post(
        f"/console/points/{console.a.point_code}/listing",
        data={**fields, "phone": "", "phone_public": "yes", "csrf": token},
    )
    assert refused.status_code == 400 and "先填写电话" in refused.text
    assert PUBLIC_PHONE in _directory(public)  # nothing changed


def test_the_bureau_publishes_a_notice_to_the_zhuanqu_from_a_day(console):
    from tests.county.web.conftest import csrf_of, sign_in

    client = console.client()
    assert sign_in(client, console.users["bureau_clerk"].username).status_code == 303
    token = csrf_of(client.get("/console/notices").text)
    for title, extra in (
        ("内部通知", {}),
        ("公开通知", {"public": "yes"}),
        ("下月公开", {"public": "yes", "public_from": "2026-12-20"}),
    ):
        done = client.post("/console/notices", data={"title": title, "text": "正文", "csrf": token, **extra})
        assert done.status_code == 200 and "通知已发布" in done.text
    news = TestClient(console.app).get("/ssb/news").text
    assert "公开通知" in news and "内部通知" not in news and "下月公开" not in news
    assert "自 2026-12-20 公开" in client.get("/console/notices").text


def test_out_of_range_numbers_are_refused_not_a_server_error(zq):
    with _client(zq) as client:
        for path in ("/ssb/news/99999999999999999999", "/ssb/counts?t=99999999999", "/ssb/points?t=0"):
            assert client.get(path).status_code == 422, path
        assert client.get("/ssb/news/12345").status_code == 404
        assert client.get("/ssb/points?t=2147483647").status_code == 404
