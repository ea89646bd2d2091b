"""The feed's applicant (docs/data-api.md): ``?applicant=omit`` gives the same cases and events with no personal
field read and the key never used; otherwise sealed, legacy clear and purged rows each give what they should, and
one page opens values sealed under different data keys."""

from __future__ import annotations

import os
import random

import pytest
import requests
from sqlalchemy import null, update

from bench.sync_county import provision
from bench.sync_load import case_drafts, seal_chain
from county.models import LedgerEvent
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
