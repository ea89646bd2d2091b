"""The feed's applicant (docs/data-api.md): ``?applicant=omit`` gives the same cases and events with no personal
field read and the key never used; otherwise sealed, legacy clear and purged rows each give what they should, and
one page opens values sealed under different data keys."""

from __future__ import annotations

import os
import random
from datetime import timedelta

import orjson
import pytest
import requests
from sqlalchemy import func, null, select, update

from bench.sync_county import provision
from bench.sync_load import case_drafts, seal_chain
from county.models import ApiCall, ApiClient, Case, LedgerEvent
from county.services import exchange
from county.services.common import aware
from county.services.pii import LOOKUP, SEAL, PiiBox, PiiError, WrappedKey, new_key, sealed_key_no
from sync.ledger.catalogue import load_catalogue
from tests.county.test_exchange import push_all, register


def _walk(county, token, **params) -> list[dict]:
    items, cursor = [], 0
    while True:
        response = requests.get(
            f"{county.base_url}/api/v1/exchange/cases",
            params={"cursor": cursor, "limit": 40, **params},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["more"]:
            return items


def test_omitting_the_applicant_gives_the_same_cases_and_never_opens_a_sealed_field(county, monkeypatch):
    (device,) = provision(county.engine, 1)
    push_all(county, device, seal_chain(case_drafts(load_catalogue(), random.Random(5), 120), device))
    _id, token = register(county, "省一体化平台", "all", [], read_pii=True)
    in_scope = _walk(county, token)
    assert all(c["applicant"] and not c["applicant_masked"] for c in in_scope)

    def refuse(*_args, **_kwargs):
        raise AssertionError("the personal-field key was used")

    monkeypatch.setattr(PiiBox, "_key", refuse)
    omitted = _walk(county, token, applicant="omit")
    assert [c["case_id"] for c in omitted] == [c["case_id"] for c in in_scope]
    assert all(c["applicant"] is None and c["applicant_masked"] for c in omitted)
    assert [c["events"] for c in omitted] == [c["events"] for c in in_scope]
    assert [{k: v for k, v in c.items() if k not in ("applicant", "applicant_masked")} for c in omitted] == [
        {k: v for k, v in c.items() if k not in ("applicant", "applicant_masked")} for c in in_scope
    ]


def test_an_unknown_applicant_mode_is_refused(county):
    _id, token = register(county, "县医保局", "all", [])
    response = requests.get(
        f"{county.base_url}/api/v1/exchange/cases",
        params={"applicant": "clear"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 422


def test_a_row_not_yet_sealed_is_read_and_a_purged_one_gives_no_applicant(county):
    (device,) = provision(county.engine, 1)
    push_all(county, device, seal_chain(case_drafts(load_catalogue(), random.Random(8), 3), device))
    _id, token = register(county, "县民政局", "all", [])
    first, second, third = (c["case_id"] for c in _walk(county, token))
    with county.session() as session:  # as before `encrypt-pii` (clear column), and after retention's purge
        session.execute(
            update(LedgerEvent)
            .where(LedgerEvent.case_id == first)
            .values(pii_sealed=None, pii={"name": "李春花", "mobile": "13812345678"})
        )
        session.execute(update(LedgerEvent).where(LedgerEvent.case_id == second).values(pii_sealed=None, pii=null()))
        session.commit()
    by_id = {c["case_id"]: c for c in _walk(county, token)}
    assert by_id[first]["applicant"] == {"name": "李**", "mobile": "138****5678"}
    assert by_id[second]["applicant"] is None
    assert by_id[third]["applicant"] and "*" in by_id[third]["applicant"]["name"]


def test_one_page_opens_values_sealed_by_different_data_keys_and_refuses_a_moved_one():
    box = PiiBox(new_key())
    old = box.seal({"name": "王秀英"}, "e1")  # data key 1, before a new key was made
    keys = [WrappedKey(p, 1, box.master.wrap(p, 1, box.master.legacy(p)), box.master.id) for p in (SEAL, LOOKUP)]
    keys.append(WrappedKey(SEAL, 2, box.master.wrap(SEAL, 2, os.urandom(32)), box.master.id))
    box.attach(lambda: keys)
    new = box.seal({"name": "李春花"}, "e2")
    assert sealed_key_no(old) == 1 and sealed_key_no(new) == 2
    open_one = box.opener()
    opened = [open_one(old, "e1"), open_one(new, "e2"), open_one(old, "e1")]
    assert opened == [{"name": "王秀英"}, {"name": "李春花"}, {"name": "王秀英"}]
    with pytest.raises(PiiError):
        open_one(new, "e1")  # a sealed value moved to another event's row does not open


def _pages(county, client_id, *, applicant, in_database, limit) -> list[dict]:
    pages, cursor = [], 0
    with county.session() as session:
        client = session.get(ApiClient, client_id)
        while True:
            page = exchange.cases_after(
                session, county.box, client, cursor, limit, applicant=applicant, in_database=in_database
            )
            parsed = orjson.loads(page.body)
            assert (parsed["next_cursor"], parsed["more"], len(parsed["items"])) == (
                page.next_cursor,
                page.more,
                page.count,
            )
            pages.append({k: v for k, v in parsed.items() if k != "server_time"})
            cursor = page.next_cursor
            if not page.more:
                return pages


def test_the_page_written_by_postgresql_is_the_page_written_from_rows(county):
    """On PostgreSQL the page's JSON comes from one query (county/services/exchange_sql.py); it must say what the
    two-query page says, item for item, in every mode and for every kind of applicant row and scope."""
    if county.engine.dialect.name != "postgresql":
        pytest.skip("json_agg and row_to_json are PostgreSQL's; SQLite always writes the page from rows")
    (device,) = provision(county.engine, 1)
    push_all(county, device, seal_chain(case_drafts(load_catalogue(), random.Random(11), 60), device))
    with county.session() as session:
        first, second, third = session.scalars(select(Case.case_id).order_by(Case.change_seq).limit(3)).all()
        session.execute(  # legacy clear, JSON null, and {} (which names no applicant)
            update(LedgerEvent)
            .where(LedgerEvent.case_id == first)
            .values(pii_sealed=None, pii={"name": "李春花", "mobile": "13812345678"})
        )
        session.execute(update(LedgerEvent).where(LedgerEvent.case_id == second).values(pii_sealed=None, pii=null()))
        session.execute(update(LedgerEvent).where(LedgerEvent.case_id == third).values(pii_sealed=None, pii={}))
        items = sorted(set(session.scalars(select(Case.item_code))))
        session.commit()
    clients = [
        register(county, "省一体化平台", "all", [], read_pii=True)[0],
        register(county, "县医保局", "all", [])[0],
        register(county, "县民政局", "items", items[: max(1, len(items) // 2)])[0],
        register(county, "县人社局", "items", [items[0]], read_pii=True)[0],
    ]
    seen = 0
    for client_id in clients:
        for applicant in (True, False):
            from_rows = _pages(county, client_id, applicant=applicant, in_database=False, limit=7)
            from_sql = _pages(county, client_id, applicant=applicant, in_database=True, limit=7)
            assert from_sql == from_rows
            seen += sum(len(p["items"]) for p in from_sql)
    assert seen > 2 * 60  # the pages were not empty
    with county.session() as session:
        client = session.get(ApiClient, clients[0])
        opened = orjson.loads(exchange.cases_after(session, county.box, client, 0, 3).body)["items"]
    assert [c["applicant"] for c in opened[:2]] == [{"name": "李春花", "mobile": "13812345678"}, None]
    assert opened[2]["applicant"] is None and all(c["events"] for c in opened)


def test_each_feed_call_is_logged_once_and_last_used_moves_at_most_once_a_minute(county):
    (device,) = provision(county.engine, 1)
    push_all(county, device, seal_chain(case_drafts(load_catalogue(), random.Random(12), 30), device))
    client_id, token = register(county, "县民政局", "all", [])
    items = _walk(county, token)  # pages of 40: one call
    with county.session() as session:
        first_used = session.get(ApiClient, client_id).last_used_at
    _walk(county, token)
    with county.session() as session:
        calls = session.execute(select(ApiCall.route, ApiCall.status, ApiCall.count).order_by(ApiCall.id)).all()
        assert session.get(ApiClient, client_id).last_used_at == first_used  # within the minute: not moved
    assert calls == [("GET /exchange/cases", 200, len(items))] * 2 and len(items) == 30
    assert first_used is not None
    with county.session() as session:  # as if the last call had been two minutes ago
        session.execute(
            update(ApiClient).where(ApiClient.id == client_id).values(last_used_at=first_used - timedelta(minutes=2))
        )
        session.commit()
    _walk(county, token)
    with county.session() as session:
        assert aware(session.get(ApiClient, client_id).last_used_at) >= aware(first_used)  # moved again
        assert session.scalar(select(func.count()).select_from(ApiCall)) == 3
