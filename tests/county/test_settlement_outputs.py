"""The settlement's files: the workbook read back with openpyxl cell by cell against the lines, and the
发放清单 and 签收单 PDFs rendered with pdftoppm (kept under docs/screenshots/settlement/) and read back."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from county.errors import CountyError
from county.models import TamperFlag
from county.services import settlement, settlement_publish, settlement_views
from county.services.common import utcnow
from county.services.scope import Scope
from county.services.staff import StaffRole
from tests.county.settlement_data import add_cases, org

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "settlement"
SQLITE_ONLY = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
BUREAU = Scope(StaffRole.BUREAU_CLERK)


@pytest.fixture
def published(county_engine):
    with Session(county_engine) as db:
        p = org(db)
        add_cases(db, p["a1"], 210, date(2026, 7, 3), 5)  # 1050 → 1000
        add_cases(db, p["a1"], 12, date(2026, 8, 3), 3)
        add_cases(db, p["a2"], 7, date(2026, 9, 3), 2)
        add_cases(db, p["b1"], 5, date(2026, 9, 3), 4)
        db.add(TamperFlag(device_id="d", point_id=p["a2"].id, seq=1, kind="edited", detail="x", created_at=utcnow()))
        row = settlement.run(db, "2026-Q3", "0.35", actor="test")
        draft_refused = pytest.raises(CountyError)
        with draft_refused:
            settlement_views.receipt_slips_for(db, row, BUREAU, p["a1"].township_id)
        settlement_publish.publish(db, row.id, actor="test")
        db.commit()
        yield db, row, p


@SQLITE_ONLY
def test_the_workbook_matches_the_statement_cell_by_cell(published):
    db, row, p = published
    lines = settlement_views.lines_for(db, row, BUREAU)
    book = load_workbook(io.BytesIO(settlement_views.workbook_for(db, row, BUREAU, "全县")))
    assert book.sheetnames == ["汇总", "结算明细", "收回奖补", "发放登记"]
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True)}
    assert (
        summary["季度"] == "2026-Q3"
        and summary["状态"] == "已发布"
        and summary["校验值（SHA-256）"] == row.content_hash
    )
    assert Decimal(str(summary["每积分折合（元）"])) == Decimal("0.35")
    sheet = list(book["结算明细"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("代办点编号", "代办点", "乡镇") and len(sheet) == 1 + len(lines) == 4
    for cells, line in zip(sheet[1:], lines):
        assert cells[:3] == (line["point_code"], line["point_name"], line["township_name"])
        assert list(cells[3:6]) == [
            line["months"].get(m, {}).get("capped", 0) for m in ("2026-07", "2026-08", "2026-09")
        ]
        assert cells[6] == line["points"]
        for value, key in zip(
            cells[7:14], ("gross", "released", "clawback", "owed_in", "payout", "owed_out", "held_out")
        ):
            assert Decimal(str(value)).quantize(Decimal("0.01")) == Decimal(line[key]), key
        assert (cells[14] or None) == line["hold_reason"]
    (first,) = [cells for cells in sheet if cells[0] == "0001"]
    assert first[:7] == ("0001", "甲一小卖部", "甲乡", 1000, 36, 0, 1036)
    assert Decimal(str(first[11])) == Decimal("362.60")  # 1036 × 0.35
    town = Scope(StaffRole.TOWNSHIP, township_id=p["b1"].township_id)
    theirs = load_workbook(io.BytesIO(settlement_views.workbook_for(db, row, town, "乙乡")))
    assert [r[0] for r in theirs["结算明细"].iter_rows(min_row=2, values_only=True)] == ["0003"]


def _pdf_text(pdf: bytes, name: str) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(SHOTS / name)], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    path.unlink()
    return "".join(text.split())


@SQLITE_ONLY
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_the_distribution_list_and_receipt_slips_render_and_read_back(published):
    db, row, p = published
    town_a = p["a1"].township_id
    listing = _pdf_text(settlement_views.distribution_list_for(db, row, BUREAU, town_a), "distribution-list")
    assert "2026年第3季度" in listing and "发放清单" in listing and "甲乡" in listing
    assert "0001" in listing and "362.60" in listing and "0002" in listing and "防篡改" in listing
    assert "0003" not in listing
    slips = _pdf_text(settlement_views.receipt_slips_for(db, row, BUREAU, town_a, "0001"), "receipt-slip")
    assert "签收单" in slips and "甲一小卖部" in slips and "1036" in slips and "362.60" in slips
    assert row.content_hash in slips
    assert (SHOTS / "receipt-slip-1.png").stat().st_size > 10_000
    both = settlement_views.receipt_slips_for(db, row, BUREAU, town_a)
    assert both.count(b"/Type /Page\n") + both.count(b"/Type /Page\r") + both.count(b"/Type /Page ") >= 2
    town_b = Scope(StaffRole.TOWNSHIP, township_id=p["b1"].township_id)
    with pytest.raises(CountyError):  # another township's points: not found, whatever the id asked
        settlement_views.distribution_list_for(db, row, town_b, town_a)


@SQLITE_ONLY
def test_the_cli_runs_shows_publishes_and_exports(county_engine, tmp_path, capsys):
    from county import cli as county_cli

    with Session(county_engine) as db:
        p = org(db)
        add_cases(db, p["a1"], 3, date(2026, 8, 3), 5)
        db.commit()

    def cli(*args: str) -> int:
        return county_cli.main(["--db", county_engine.url.render_as_string(hide_password=False), *args])

    assert cli("settle-run", "2026-Q4", "--value", "0.5") == 1
    assert "还没有结束入账" in capsys.readouterr().out
    assert cli("settle-run", "2026-Q3", "--value", "0.5") == 0
    digest = capsys.readouterr().out.split("校验值 ")[1][:64]
    assert cli("settle-show", "2026-Q3") == 0
    shown = capsys.readouterr().out
    assert f"第 1 版 草稿 每积分 0.5 元 校验值 {digest}" in shown and "0001 甲一小卖部 积分 15 实发 7.50 元" in shown
    assert cli("settle-publish", "2026-Q3", "--hash", "0" * 64) == 1
    assert "重新计算过" in capsys.readouterr().out
    assert cli("settle-publish", "2026-Q3", "--hash", digest) == 0
    assert cli("settle-publish", "2026-Q3", "--hash", digest) == 1
    assert "没有待发布的草稿" in capsys.readouterr().out
    assert cli("settle-export", "2026-Q3", "--out", str(tmp_path / "q3.xlsx")) == 0
    book = load_workbook(tmp_path / "q3.xlsx")
    assert [r[0] for r in book["结算明细"].iter_rows(min_row=2, values_only=True)] == ["0001"]
