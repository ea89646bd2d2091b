"""The data exchange's feed carries a case's return mailing (部门回寄) as it moves at the counter: recorded by the
department, 已到代办点, 已交群众 — each step delivers the case again. The family member who took it is named only to a
client allowed to read personal fields (opened from the sealed hand-over event), never to one that is not."""

from __future__ import annotations

import requests

from county.services.exchange_wire import CasesPage
from desktop.services.handover import HandoverForm, arrived, hand_over
from desktop.services.mailings import MailingQueries
from desktop.services.session import Counter
from desktop.settings import Settings
from tests.county.test_exchange import register
from tests.county.test_handed_over_e2e import FAMILY, TRACKING, _decided_and_mailed_back
from tests.county.test_sync_e2e import activated, engine_for


def _page(county, token: str, cursor: int, applicant: str = "scope") -> tuple[dict, str]:
    answer = requests.get(
        f"{county.base_url}/api/v1/exchange/cases",
        params={"cursor": cursor, "applicant": applicant},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    CasesPage.model_validate_json(answer.text)  # the documented schema, strictly
    return answer.json(), answer.text


def _only(county, token: str, cursor: int, case_id: str, applicant: str = "scope") -> tuple[dict, int, str]:
    """The case's one item in the page after ``cursor``, the page's next cursor and its raw text."""
    page, text = _page(county, token, cursor, applicant)
    (item,) = [item for item in page["items"] if item["case_id"] == case_id]
    return item, page["next_cursor"], text


def test_the_feed_follows_a_return_mailing_to_the_villager_and_names_the_family_member_only_by_scope(
    county, tmp_path, catalogue
):
    store, setup = activated(county, tmp_path)
    counter = Counter(store, catalogue, Settings(tmp_path / "data"))
    _full_id, full = register(county, "县市场监管局审批系统", "units", ["scjg"], read_pii=True)
    _plain_id, plain = register(county, "省一体化平台", "units", ["scjg"])
    try:
        case_id = _decided_and_mailed_back(county, setup, store, catalogue)
        item, cursor, _text = _only(county, full, 0, case_id)
        (mailed,) = item["return_mailings"]
        assert (mailed["state"], mailed["state_label"], mailed["tracking_no"]) == ("mailed", "部门已寄出", TRACKING)
        assert (mailed["unit_code"], mailed["contents"]) == ("scjg", "营业执照正本 1 份")
        assert mailed["arrived_at"] is mailed["handed_at"] is mailed["receiver"] is mailed["receiver_name"] is None

        assert engine_for(store).run().ok  # the counter pulls it into its mailing ledger
        (incoming,) = [row for row in MailingQueries(counter).page(0, 10) if row.incoming]
        arrived(counter, incoming.mailing_id)
        assert engine_for(store).run().ok
        item, cursor, _text = _only(county, full, cursor, case_id)  # delivered again, after the cursor
        (at_point,) = item["return_mailings"]
        assert (at_point["state"], at_point["state_label"]) == ("arrived", "已到代办点，待群众领取")
        assert at_point["arrived_at"].endswith("+08:00") and at_point["handed_at"] is None

        hand_over(counter, incoming.mailing_id, HandoverForm(receiver="family", receiver_name=FAMILY, signed=True))
        assert engine_for(store).run().ok
        item, _cursor, _text = _only(county, full, cursor, case_id)
        (handed,) = item["return_mailings"]
        assert (handed["state"], handed["state_label"], handed["handed_date"]) == (
            "handed_over",
            "已交群众",
            "2026-11-27",
        )
        assert (handed["receiver"], handed["signed"], handed["receiver_name"]) == ("family", True, FAMILY)
        assert handed["arrived_at"] == at_point["arrived_at"] and handed["handed_at"] >= handed["arrived_at"]

        item, _cursor, text = _only(county, plain, cursor, case_id)  # no personal fields in its scope
        (seen,) = item["return_mailings"]
        assert (seen["state"], seen["receiver"], seen["signed"], seen["handed_date"]) == (
            "handed_over",
            "family",
            True,
            "2026-11-27",
        )
        assert seen["receiver_name"] is None and FAMILY not in text and 'receiver_name":null' in text
        item, _cursor, text = _only(county, full, cursor, case_id, applicant="omit")  # asked without them
        assert item["return_mailings"][0]["receiver_name"] is None and FAMILY not in text
    finally:
        store.close()
