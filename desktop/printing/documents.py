"""One entry point for every printed document: pick the layout by the data's type, get a Layout or PDF bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.printing.data import (
    DaySheetData,
    GuideData,
    HandoverData,
    MailingSlipData,
    NoticeData,
    PickupSlipData,
    ReceiptData,
)
from desktop.printing.day_sheet import day_sheet_layout
from desktop.printing.guide import guide_layout, notice_layout
from desktop.printing.handover import handover_layout
from desktop.printing.mailing_slip import mailing_slip_layout
from desktop.printing.ops import Layout
from desktop.printing.papers import Paper
from desktop.printing.pickup_slip import pickup_slip_layout
from desktop.printing.receipt import receipt_layout
from desktop.printing.render import render_pdf

DocumentData = ReceiptData | MailingSlipData | DaySheetData | GuideData | NoticeData | HandoverData | PickupSlipData

# key → (data type, layout function, Chinese name); the keys name sample files and print jobs.
DOCUMENTS: dict[str, tuple[type, Callable[[Any, Paper], Layout], str]] = {
    "receipt": (ReceiptData, receipt_layout, "代办收件回执"),
    "mailing-slip": (MailingSlipData, mailing_slip_layout, "免费寄递交接单"),
    "day-sheet": (DaySheetData, day_sheet_layout, "日结单"),
    "guide": (GuideData, guide_layout, "办事指南"),
    "notice": (NoticeData, notice_layout, "一次性告知单"),
    "handover": (HandoverData, handover_layout, "交接清单"),
    "pickup-slip": (PickupSlipData, pickup_slip_layout, "部门回寄领取单"),
}


def document_key(data: DocumentData) -> str:
    for key, (kind, _layout, _name) in DOCUMENTS.items():
        if isinstance(data, kind):
            return key
    raise TypeError(f"no printed document for {type(data).__name__}")


def layout_of(data: DocumentData, paper: Paper) -> Layout:
    return DOCUMENTS[document_key(data)][1](data, paper)


def pdf_of(data: DocumentData, paper: Paper, *, compress: bool = True) -> bytes:
    """Any document on any paper as PDF bytes."""
    return render_pdf(layout_of(data, paper), compress=compress)
