"""What the bureau issues a point: the 标识牌 whose QR code opens the point's 专区 page, and the A3 上墙公示 with
every offered item's flowchart, samples marked 示例 and approved ones not. Flowcharts entered and approved in
the console reach the poster and the 专区."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from county.services import catalogues, guides, point_papers
from sync.ledger.flowcharts import sample_for
from tests.county.web.conftest import csrf_of, sign_in

BASE = "https://ssb.fuliang.gov.cn/ssb/q"


def signed(console, name: str):
    client = console.client()
    assert sign_in(client, console.users[name].username).status_code == 303
    return client, csrf_of(client.get("/console/").text)


def with_query_url(console) -> None:
    core = console.app.state.core
    core.settings = replace(core.settings, query_url_base=BASE)


def pdf_text(data: bytes, folder: Path, name: str) -> str:
    path = folder / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def page_size_mm(data: bytes, folder: Path) -> tuple[int, int]:
    path = folder / "size.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)


def headings(text: str) -> dict[str, str]:
    """Each flowchart's heading on the poster, by item name: ``12. 助农取现 办理时限：… 【示例】…`` (a long
    heading wraps: its mark is then the next line)."""
    found = {}
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"^(\d+)\. (\S+?)\s+办理时限", line)
        if match:
            after = lines[number + 1] if number + 1 < len(lines) else ""
            found[match.group(2)] = line + (after if after.startswith("【") else "")
    return found


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_sign_plates_qr_code_opens_the_points_zhuanqu_page(console, tmp_path):
    with_query_url(console)
    client, _token = signed(console, "bureau_clerk")
    code = console.a.point_code
    page = client.get(f"/console/points/{code}")
    assert f'href="/console/points/{code}/sign.pdf"' in page.text and "下载上墙公示" in page.text
    response = client.get(f"/console/points/{code}/sign.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert page_size_mm(response.content, tmp_path) == (600, 400)  # printed 1:1, the plate's real size
    text = pdf_text(response.content, tmp_path, "sign")
    assert "浮梁县乡村随身办服务点" in text and "瑶里村小卖部" in text and f"编号：{code}" in text and "瑶里镇" in text
    (tmp_path / "sign.pdf").write_bytes(response.content)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(tmp_path / "sign.pdf"), str(tmp_path / "s")])
    decoded = [found.text for found in zxingcpp.read_barcodes(Image.open(tmp_path / "s.png"))]
    assert decoded == [f"https://ssb.fuliang.gov.cn/ssb/p/{code}"]
    public = console.client().get(urlsplit(decoded[0]).path)  # what a villager's phone opens
    assert public.status_code == 200 and "瑶里村小卖部" in public.text


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_no_sign_without_the_zhuanqu_address_nor_for_a_revoked_point(console):
    client, token = signed(console, "bureau_clerk")
    code = console.a.point_code
    response = client.get(f"/console/points/{code}/sign.pdf")
    assert response.status_code == 409 and "SUISHENBAN_COUNTY_QUERY_URL" in response.text
    with_query_url(console)
    revoked = client.post(f"/console/points/{code}/revoke", data={"csrf": token, "reason": "督查发现长期停业"})
    assert revoked.status_code == 200
    for paper in ("sign.pdf", "poster.pdf"):
        response = client.get(f"/console/points/{code}/{paper}")
        assert response.status_code == 409 and "已撤销" in response.text


@pytest.mark.parametrize("county_engine", ["sqlite", "postgresql"], indirect=True)
def test_the_poster_has_every_flowchart_samples_marked_until_the_department_approves(console, tmp_path):
    client, _token = signed(console, "bureau_clerk")
    code = console.a.point_code
    with console.county.session() as db:
        offered = catalogues.catalogue(db).for_township("瑶里镇").items
    assert len(offered) == 20  # 瑶里镇 offers all of 附件1
    response = client.get(f"/console/points/{code}/poster.pdf")
    assert response.status_code == 200 and page_size_mm(response.content, tmp_path) == (297, 420)  # A3
    text = pdf_text(response.content, tmp_path, "before")
    lines = headings(text)
    assert set(lines) == {item.name for item in offered}  # every flowchart, one heading each
    assert all("【示例】" in line for line in lines.values())
    for step in sample_for("FL012").steps:  # the steps themselves are printed, not just the names
        assert step.what in text.replace("\n", "")

    # the department of 个体工商户设立登记 (县市场监管局) enters its own flowchart and approves it
    dept, dept_token = signed(console, "department")
    steps = "申请人 | 带身份证到代办点说明经营项目 | 当场\n代办员 | 收件、打印回执 | 当场\n县市场监管局 | 审核发照 | 3 个工作日"
    with console.county.session() as db:
        form = {"csrf": dept_token, "text": guides.guide_for(db, "FL015").text, "steps": steps}
    form["materials"] = "个体工商户登记申请书\n经营者身份证"
    saved = dept.post("/console/guides/FL015", data=form)
    assert saved.status_code == 200 and "带身份证到代办点说明经营项目" in saved.text
    text = pdf_text(client.get(f"/console/points/{code}/poster.pdf").content, tmp_path, "entered")
    assert "【示例】" in headings(text)["个体工商户设立登记"]  # entered, not approved: still the sample
    assert "带身份证到代办点说明经营项目" not in text.replace("\n", "")
    assert "已填写，待审核" in dept.get("/console/guides").text
    assert dept.post("/console/guides/FL015/approve", data={"csrf": dept_token}).status_code == 303
    assert "已审核（3 步）" in dept.get("/console/guides").text

    text = pdf_text(client.get(f"/console/points/{code}/poster.pdf").content, tmp_path, "approved")
    lines = headings(text)
    assert set(lines) == {item.name for item in offered}
    assert "示例" not in lines["个体工商户设立登记"]
    assert all("【示例】" in line for name, line in lines.items() if name != "个体工商户设立登记")
    assert "带身份证到代办点说明经营项目" in text.replace("\n", "") and "已审定" in text
    public = console.client().get("/ssb/items/FL015").text
    assert "带身份证到代办点说明经营项目" in public
    assert '办理流程图 <span class="tag">示例</span>' not in public and "办理流程图" in public


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_flowchart_typed_wrong_is_refused_and_nothing_is_kept(console):
    dept, token = signed(console, "department")
    with console.county.session() as db:
        before = guides.guide_for(db, "FL016")
    form = {"csrf": token, "text": "说明", "materials": "申请书", "steps": "申请人 | 说明来意\n代办员 | 收件 | 当场"}
    response = dept.post("/console/guides/FL016", data=form)
    assert response.status_code == 400 and "第 1 行要写成“谁 | 做什么 | 用时”" in response.text
    assert "说明来意" in response.text  # what was typed stays in the form
    with console.county.session() as db:
        assert guides.guide_for(db, "FL016") == before
        assert guides.flowchart_for(db, "FL016") == sample_for("FL016")


def test_a_sixty_character_name_is_printed_whole_on_the_sign(tmp_path):
    name = "经公桥镇储田村村民委员会帮代办服务队伍第二小组暨浮梁县乡村随身办合作网点中国邮政储蓄银行经公桥支行营业部"
    facts = point_papers.PointFacts("0123", name, "合作网点", "经公桥镇", "储田村", "", "")
    text = pdf_text(point_papers.sign_pdf(facts, "https://ssb.fuliang.gov.cn/ssb/p/0123"), tmp_path, "long")
    assert name in text.replace("\n", "") and "编号：0123" in text
