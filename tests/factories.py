"""Test factories: realistic forms, drafts and stores, each overridable field by field."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from desktop.store.keys import Unlocked
from desktop.store.ledger import Identity, LedgerStore
from desktop.store.opening import create_store, open_store
from sync.ledger.catalogue import Catalogue, load_catalogue
from sync.ledger.events import EventDraft, new_id
from sync.ledger.forms import CaseForm, MailingForm, draft_case, draft_mailing
from sync.ledger.item_fields import example_values

PASSWORD = "fuliang2026"
TEST_DAY = date(2026, 11, 27)

_GB11643_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def resident_id(region: str = "360222", birth: date = date(1956, 3, 14), order: int = 123) -> str:
    """A resident ID with a correct check digit (GB 11643), for seeding tests."""
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _GB11643_WEIGHTS)) % 11]
    return body + check


def random_resident_id(rng: random.Random) -> str:
    birth = date(rng.randint(1930, 2005), rng.randint(1, 12), rng.randint(1, 28))
    return resident_id(rng.choice(["360222", "360221", "360203", "360281"]), birth, rng.randint(0, 999))


MOBILE_PREFIXES = ("135", "138", "139", "150", "159", "187", "130", "156", "186", "133", "153", "177", "189", "192")


def random_mobile(rng: random.Random) -> str:
    """A mobile number of a real operator's range (号段), so the operator of a top-up follows from it."""
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"


def make_case_form(**overrides) -> CaseForm:
    fields = dict(
        item_code="FL001",
        mode="point",
        applicant_kind="person",
        name="王秀英",
        id_number=resident_id(),
        mobile="13979812345",
        village="瑶里村",
        amount="50",
        notes="",
        consent=True,
    )
    fields.update(overrides)
    return CaseForm(**fields)


def make_case_draft(
    catalogue: Catalogue | None = None, *, business_date: date | None = None, **overrides
) -> EventDraft:
    """A 缴纳话费 case as the form would draft it, dated today by the clock unless ``business_date`` says.

    An item's own required fields (户号, 卡号后四位) get plausible values unless ``details`` is given.
    """
    catalogue = catalogue or load_catalogue()
    form = make_case_form(**overrides)
    if "details" not in overrides and (item := _item_or_none(catalogue, form.item_code)) is not None:
        form.details = example_values(item.fields, random.Random(form.item_code), applicant_mobile=form.mobile)
    return draft_case(form, catalogue, business_date=business_date)


def _item_or_none(catalogue: Catalogue, code: str):
    return next((item for item in catalogue.items if item.code == code), None)


def make_mailing_draft(*, business_date: date | None = None, **overrides) -> EventDraft:
    fields = dict(
        direction="to_department", unit_code=_any_unit_of("FL015"), contents="个体工商户设立登记申请材料", pieces=1
    )
    fields.update(overrides)
    return draft_mailing(MailingForm(**fields), business_date=business_date)


def _any_unit_of(item_code: str) -> str:
    return load_catalogue().by_code(item_code).guide.unit_codes[0]


def make_identity(**overrides) -> Identity:
    fields = dict(device_id=new_id(), point_code="0427", device_no=1, point_name="瑶里村代办点（测试）")
    fields.update(overrides)
    return Identity(**fields)


def make_store(folder: Path, **identity) -> LedgerStore:
    store, _code = create_store(folder, PASSWORD, make_identity(**identity))
    return store


def reopen(store: LedgerStore):
    """Close a store and open it again the way the app does at login."""
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    return open_store(folder, unlocked=unlocked)


__all__ = ["PASSWORD", "TEST_DAY", "Unlocked", "make_case_draft", "make_mailing_draft", "make_store", "reopen"]
