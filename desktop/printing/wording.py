"""Shared wording on paper: money, dates and times, materials, and the sentences every document repeats."""

from __future__ import annotations

from datetime import date, datetime

from desktop.printing.data import MaterialLine
from desktop.printing.layout import Sheet
from sync.ledger.events import CHINA_TZ

COUNTY = "浮梁县“乡村随身办”"
NO_FEE = "本服务免费：代办服务不收取任何费用（补贴奖励发放管理办法第九条）。"
TRAINING = "培训练习用，不是真实单据，不能作为任何凭证。"
HOTLINE_ANSWER = "2 个工作日内答复。"


def yuan(fen: int) -> str:
    """An amount in fen as yuan with two decimals: 8650 → "86.50 元"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d} 元"


def when(moment: datetime) -> str:
    """China time to the minute: 2026年11月27日 09:31."""
    local = moment.astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def material_text(material: MaterialLine) -> str:
    """经营者居民身份证（原件及复印件 1 份）."""
    return f"{material.name}（{material.form_label} {material.copies} 份）"


def joined(names: tuple[str, ...] | list[str], empty: str = "相关部门") -> str:
    return "、".join(names) if names else empty


def heading(sheet: Sheet, title: str, training: bool) -> None:
    """The county line and the document's title, and the practice warning in training mode."""
    sheet.text(COUNTY, align="center", size=sheet.paper.body * 1.05)
    sheet.title(title)
    if training:
        sheet.notice(TRAINING)
    sheet.gap()


def materials(sheet: Sheet, lines: tuple[MaterialLine, ...], *, notes: bool = True) -> None:
    """Numbered materials with form and copies, each guide note under its material."""
    for number, material in enumerate(lines, 1):
        sheet.item(f"{number}.", material_text(material), material.note if notes else "")
