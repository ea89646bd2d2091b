"""The hard cases: rare characters, very long names and texts, twenty materials, on the narrowest roll."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop.printing.documents import layout_of, pdf_of
from desktop.printing.fonts import RARE_BMP, RARE_SUPPLEMENTARY, font_for
from desktop.printing.papers import A4, PAPERS, ROLL58
from desktop.printing.render import render_pdf
from desktop.printing.settings import PrintSettings
from desktop.services.print_data import mailing_slip_data, notice_data, receipt_data
from desktop.services.print_day import day_sheet_data
from sync.ledger.catalogue import Material
from sync.ledger.forms import CaseForm, MailingForm, draft_case, draft_mailing, draft_void
from tests.desktop.printing.pdftools import inflated, pdf_fonts, pdf_text
from tests.factories import TEST_DAY, resident_id

KEY = bytes(range(32))
RARE_B, RARE_A = "𠮷", "䶮"  # U+20BB7 (Extension B), U+4DAE (Extension A)
LONG_PERSON = f"{RARE_B}{RARE_A}阿依古丽·买买提艾力·热合曼江·库尔班尼亚孜·艾尔肯江"
LONG_ORG = "浮梁县" + "瑶里镇瑶里村第三村民小组" * 7 + "秀英茶叶土特产品经营部"
LONG_POINT = "浮梁县瑶里镇瑶里村第三村民小组便民服务代办点（原瑶里供销社门市部旧址东侧二十米）"
AGENT = f"刘{RARE_A}{RARE_B}·司马欧阳"
ID_NUMBER = resident_id(birth=TEST_DAY.replace(year=1949), order=77)
ORG_MOBILE, PERSON_MOBILE, CITIZEN_MOBILE = "13907981122", "13979812345", "18607981234"
TWENTY = tuple(
    Material(
        f"m{n:02d}",
        f"第{n}项材料：{'户口簿、结婚证、房产证明或村委会出具的经营场所证明' if n % 3 else '申请书'}",
        ("original", "copy", "original_and_copy")[n % 3],
        1 + n % 3,
        n % 4 != 0,
        "核对原件后当场退还；复印件请用 A4 纸、字迹清楚，由本人在复印件上签字并写明“与原件一致”" if n % 2 else "",
    )
    for n in range(1, 21)
)


@pytest.fixture
def hard(store, catalogue):
    """A ledger whose point has a long name, with cases full of rare and long values, and a 20-material item."""
    item = replace(catalogue.by_code("FL015"), guide=replace(catalogue.by_code("FL015").guide, materials=TWENTY))
    big = replace(catalogue, items=tuple(item if each.code == "FL015" else each for each in catalogue.items))
    store.identity = replace(store.identity, point_name=LONG_POINT)
    materials = {m.code: ("missing" if n % 4 == 0 else "received") for n, m in enumerate(TWENTY, 1)}
    (person,) = store.append(
        draft_case(
            CaseForm(
                item_code="FL015",
                mode="home",
                name=LONG_PERSON,
                id_number=ID_NUMBER,
                mobile=PERSON_MOBILE,
                village=f"{RARE_A}{RARE_B}村" + "第三村民小组" * 4,
                materials=materials,
                consent=True,
                notes="备注" * 200,
            ),
            big,
            business_date=TEST_DAY,
        )
    )
    (org,) = store.append(
        draft_case(
            CaseForm(
                item_code="FL019",
                mode="activity_day",
                applicant_kind="org",
                name=LONG_ORG,
                credit_code="92360222MA35L7Q8XX",
                mobile=ORG_MOBILE,
                consent=True,
                materials={m.code: "received" for m in catalogue.by_code("FL019").guide.materials},
            ),
            big,
            business_date=TEST_DAY,
        )
    )
    store.append(draft_void(org.body["case_id"], "登记错了事项，" + "应为个体工商户名称变更登记，" * 8 + "已重新登记"))
    (mailing,) = store.append(
        draft_mailing(
            MailingForm(
                direction="to_citizen",
                contents="营业执照正本、副本及" + "相关批准文件" * 20,
                pieces=3,
                case_ids=[person.body["case_id"]],
                recipient_name=LONG_PERSON,
                recipient_mobile=CITIZEN_MOBILE,
                recipient_address="浮梁县瑶里镇瑶里村第三村民小组七十二号东头第二间",
            ),
            business_date=TEST_DAY,
        )
    )
    settings = PrintSettings(check_key=KEY)
    common = {"agent_name": AGENT, "settings": settings}
    return {
        "receipt": receipt_data(store, big, person.body["case_id"], **common),
        "org-receipt": receipt_data(store, big, org.body["case_id"], **common),
        "notice": notice_data(store, big, person.body["case_id"], **common),
        "mailing-slip": mailing_slip_data(store, big, mailing.body["mailing_id"], **common),
        "day-sheet": day_sheet_data(store, big, TEST_DAY, **common),
    }


def test_the_fallback_fonts_cover_the_rare_characters():
    assert font_for(RARE_B) == RARE_SUPPLEMENTARY
    assert font_for(RARE_A) == RARE_BMP


@pytest.mark.parametrize("paper", list(PAPERS.values()), ids=list(PAPERS))
def test_rare_long_and_many_still_print_right(hard, paper):
    for key, data in hard.items():
        layout = layout_of(data, paper)
        assert layout.overflows() == [], (key, layout.overflows()[:3])
        assert not layout.missing, key
        pdf = render_pdf(layout)
        text = pdf_text(pdf)
        secrets = (ID_NUMBER, PERSON_MOBILE, ORG_MOBILE, CITIZEN_MOBILE, "七十二号")
        for secret in secrets:
            assert secret not in text and secret.encode() not in inflated(pdf), (key, secret)
        if key != "day-sheet":
            assert RARE_B in text, key  # the masked name keeps its first character: 𠮷
            fonts = " ".join(font.name for font in pdf_fonts(pdf))
            assert "HanaMinB" in fonts, key


def test_the_58mm_receipt_lists_all_twenty_materials_and_the_rare_names(hard, tmp_path):
    data = hard["receipt"]
    assert len(data.received) + len(data.missing) == 20
    pdf = pdf_of(data, ROLL58)
    text = "".join(pdf_text(pdf).split())
    for material in TWENTY:
        assert f"第{material.name[1 : material.name.index('项')]}项材料" in text
    assert f"{RARE_B}*" in text  # the applicant, masked
    assert f"刘{RARE_A}{RARE_B}" in text  # the agent, in full
    assert f"{RARE_A}{RARE_B}村" in text
    names = {font.name.split("+")[1] for font in pdf_fonts(pdf)}
    assert {"WenQuanYiMicroHei-0", "HanaMinA", "HanaMinB"} <= names
    layout = layout_of(data, ROLL58)
    assert layout.pages[0].height > A4.height  # continuous paper: as long as it needs to be


def test_the_citizens_address_and_phone_are_cut_on_the_slip(hard):
    slip = hard["mailing-slip"]
    assert slip.recipient_name.startswith(RARE_B) and set(slip.recipient_name[1:]) == {"*"}
    assert slip.recipient_mobile == "186****1234"
    assert slip.recipient_address.startswith("浮梁县瑶里镇") and "七十二号" not in slip.recipient_address
    assert "（详见运单）" in slip.recipient_address


def test_an_organisation_is_shown_by_its_public_name_and_code_and_a_void_is_plain(hard):
    org = hard["org-receipt"]
    assert org.applicant.name == LONG_ORG and org.applicant.id_text == "92360222MA35L7Q8XX"
    assert org.voided
    text = "".join(pdf_text(pdf_of(org, ROLL58)).split())
    assert "本办件已作废" in text and "本回执不再有效" in text
    assert "".join(LONG_ORG.split()) in text


def test_the_day_sheet_lists_the_void_with_its_long_reason(hard):
    day = hard["day-sheet"]
    assert day.voided_count == 1 and day.case_count == 1
    text = "".join(pdf_text(pdf_of(day, ROLL58)).split())
    assert "应为个体工商户名称变更登记" in text and "已重新登记" in text
