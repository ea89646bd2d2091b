"""The public case lookup in process: the receipt's QR address opens its case; nothing else shows anything."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.county.web.zhuanqu import LIMITS, NOTE, RETURN_NOTE, make_zhuanqu


@pytest.fixture
def zq(county_engine):
    return make_zhuanqu(county_engine)


def _client(zq) -> TestClient:
    return TestClient(zq.app, base_url="http://testserver", follow_redirects=False)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _flip(code: str) -> str:
    return ("1" if code[0] != "1" else "2") + code[1:]


def test_the_receipts_qr_address_shows_the_case_and_nobodys_data(zq):
    with _client(zq) as client:
        response = client.get(_path(zq.qr_url))
    assert response.status_code == 200, response.text
    html = response.text
    assert re.search(r"/ssb/q\?r=\d{15}&c=[0-9A-Z]{6}$", zq.qr_url)
    assert zq.site.approval["receipt_no"] in html
    assert "瑶里村小卖部" in html and "瑶里镇" in html
    assert 'id="state">审批中<' in html
    assert NOTE in html and "已受理" in html and "代办点已登记" in html
    assert zq.personal and len(zq.personal) >= 4
    for value in zq.personal:
        assert value not in html, "personal data on the public page"
    assert "<script" not in html.lower()
    assert len(response.content) < 100_000
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in response.headers["content-security-policy"]


def test_an_unchanged_case_answers_304_and_a_changed_one_a_new_page(zq):
    from county.models import Case
    from county.services import departments

    with _client(zq) as client:
        first = client.get(_path(zq.qr_url))
        tag = first.headers["etag"]
        assert client.get(_path(zq.qr_url), headers={"If-None-Match": tag}).status_code == 304
        with zq.county.session() as db:
            case = db.get(Case, zq.site.approval["case_id"])
            departments.set_case_status(db, case, "returned", RETURN_NOTE, actor="t")
            db.commit()
        again = client.get(_path(zq.qr_url), headers={"If-None-Match": tag})
    assert again.status_code == 200 and again.headers["etag"] != tag
    assert 'id="state">已退回<' in again.text and RETURN_NOTE in again.text


def test_typed_in_with_dashes_and_lower_case_works_too(zq):
    with _client(zq) as client:
        response = client.get("/ssb/q", params={"r": zq.site.approval["receipt_no"], "c": zq.code.lower()})
    assert response.status_code == 200 and 'id="state">审批中<' in response.text


def test_a_receipt_number_alone_or_a_wrong_code_shows_nothing(zq):
    receipt = zq.site.approval["receipt_no"]
    with _client(zq) as client:
        alone = client.get("/ssb/q", params={"r": receipt})
        wrong = client.get("/ssb/q", params={"r": receipt, "c": _flip(zq.code)})
        unknown = client.get("/ssb/q", params={"r": zq.site.payment["receipt_no"], "c": zq.code})
    assert alone.status_code == 400 and "只凭回执编号不能查询" in alone.text
    assert wrong.status_code == 404 and "对不上" in wrong.text
    assert unknown.status_code == 404 and unknown.text.count("对不上") == wrong.text.count("对不上")
    for response in (alone, wrong, unknown):
        assert "瑶里村小卖部" not in response.text and "审批中" not in response.text and NOTE not in response.text
        assert response.headers["cache-control"] == "no-store"


def test_wrong_codes_are_throttled_per_receipt_and_per_address(zq):
    receipt = zq.site.approval["receipt_no"]
    with _client(zq) as client:
        for _ in range(LIMITS.lookup_failures_per_receipt):
            assert client.get("/ssb/q", params={"r": receipt, "c": _flip(zq.code)}).status_code == 404
        refused = client.get("/ssb/q", params={"r": receipt, "c": zq.code})  # even the right code waits now
        assert refused.status_code == 429 and "输错多次" in refused.text
        assert int(refused.headers["retry-after"]) == LIMITS.lookup_window_seconds
        other = zq.site.payment["receipt_no"]  # another receipt from the same address: until the address limit
        answers = [client.get("/ssb/q", params={"r": other, "c": "ZZZZZZ"}) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [404, 404, 429]  # 3 + 2 wrong from this address
        assert "这个网络上" in answers[-1].text


def test_the_large_text_switch_stays_set_without_javascript(zq):
    with _client(zq) as client:
        plain = client.get("/ssb/q")
        assert plain.status_code == 200 and 'class="large"' not in plain.text and "<script" not in plain.text
        switched = client.get("/ssb/text", params={"size": "large", "next": _path(zq.qr_url)})
        assert switched.status_code == 303 and switched.headers["location"] == _path(zq.qr_url)
        page = client.get(switched.headers["location"])
        assert '<html lang="zh-CN" class="large">' in page.text
        assert 'class="large"' in client.get("/ssb/q").text  # and on the next page too
        assert client.get("/ssb/text", params={"next": "//evil.example/x"}).headers["location"] == "/ssb/q"
        client.get("/ssb/text", params={"size": "normal", "next": "/ssb/q"})
        assert 'class="large"' not in client.get("/ssb/q").text


def _other_worker(zq, county_engine, address: str) -> TestClient:
    """Another endpoint process on the same database (`serve` runs several), asked from ``address``."""
    from county.api.app import create_app

    app = create_app(zq.app.state.core.settings, county_engine)
    return TestClient(app, base_url="http://testserver", follow_redirects=False, client=(address, 40000))


def test_every_worker_gives_the_same_etag_and_answers_304_without_the_page(zq, county_engine):
    from county.web import routes_public

    with _client(zq) as first, _other_worker(zq, county_engine, "10.0.0.7") as second:
        page = first.get(_path(zq.qr_url))
        tag = page.headers["etag"]
        routes_public._PAGES.clear()  # nothing rendered kept: the 304 is decided from the case alone
        again = second.get(_path(zq.qr_url), headers={"If-None-Match": f'"other", {tag}'})
        fresh = second.get(_path(zq.qr_url))
        second.cookies.set("ssb_text", "large")
        large = second.get(_path(zq.qr_url))
    assert page.status_code == 200 and tag.startswith('"') and not tag.startswith("W/")
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert again.headers["cache-control"] == "private, no-cache" and again.headers["vary"] == "Cookie"
    assert fresh.status_code == 200 and fresh.headers["etag"] == tag and fresh.content == page.content
    assert large.headers["etag"] != tag and '<html lang="zh-CN" class="large">' in large.text


def test_the_etag_changes_when_the_point_hands_over_a_return_mailing(zq):
    from county.models import Case, ReturnMailing
    from county.services import departments
    from county.services.common import utcnow

    with _client(zq) as client:
        tag = client.get(_path(zq.qr_url)).headers["etag"]
        with zq.county.session() as db:
            case = db.get(Case, zq.site.approval["case_id"])
            departments.set_case_status(db, case, "completed", "", actor="t")
            db.commit()
        done = client.get(_path(zq.qr_url), headers={"If-None-Match": tag})
        with zq.county.session() as db:
            db.add(
                ReturnMailing(
                    mailing_id="m" * 32,
                    case_id=zq.site.approval["case_id"],
                    point_id=case.point_id,
                    unit_code="U1",
                    tracking_no="SF1",
                    contents="营业执照正本",
                    mailed_at="2026-12-01T10:00:00.000+08:00",
                    actor="t",
                    created_at=utcnow(),
                )
            )
            db.commit()
        mailed = client.get(_path(zq.qr_url), headers={"If-None-Match": done.headers["etag"]})
    assert done.status_code == 200 and done.headers["etag"] != tag and 'id="state">已办结<' in done.text
    assert mailed.status_code == 200 and mailed.headers["etag"] != done.headers["etag"]
    assert "部门已寄回" in mailed.text and "营业执照正本" in mailed.text


def test_wrong_codes_from_several_addresses_throttle_the_receipt_on_every_worker(zq, county_engine):
    from county.models import LookupFailure

    receipt = zq.site.approval["receipt_no"]
    wrong = {"r": receipt, "c": _flip(zq.code)}
    with _client(zq) as first, _other_worker(zq, county_engine, "10.0.0.8") as second:
        answers = [client.get("/ssb/q", params=wrong).status_code for client in (first, second, first)]
        refused = [client.get("/ssb/q", params={"r": receipt, "c": zq.code}) for client in (first, second)]
        with zq.county.session() as db:
            counted = db.query(LookupFailure).count()
    assert answers == [404] * LIMITS.lookup_failures_per_receipt
    for response in refused:  # the right code too, from either address, in either process
        assert response.status_code == 429 and "输错多次" in response.text
        assert "瑶里村小卖部" not in response.text and NOTE not in response.text
        assert response.headers["cache-control"] == "no-store" and "etag" not in response.headers
    assert counted == LIMITS.lookup_failures_per_receipt  # a refused try is not counted again
