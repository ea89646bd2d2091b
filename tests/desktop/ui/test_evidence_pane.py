"""The case pane's material images (材料影像): pick the material and the file, see the page it became."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.desktop.ui.test_ledger import _ledger, _search, _seed
from tests.desktop.ui.typing import type_text
from tests.evidence_images import make_scan


def test_the_agent_attaches_a_scan_to_an_approval_case_and_sees_it_on_the_pane(qtbot, window, counter, tmp_path):
    _payment, _online, approval = _seed(counter)
    scan = tmp_path / "扫描件 001.jpg"
    scan.write_bytes(make_scan(width=1240, height=1754, fmt="JPEG"))
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    pane = page.pane
    assert pane.evidence.add_button.isVisible() and pane.evidence.empty.isVisible()

    dialog = pane.start_attach()
    assert not dialog.attempt()  # no file chosen yet
    assert "请先选择图片文件" in dialog.fields["file"].error.text()
    dialog.material.setCurrentIndex(1)
    type_text(qtbot, dialog.path, str(scan))
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    material = counter.catalogue.by_code("FL015").guide.materials[1].name
    (tile,) = pane.evidence.tiles
    caption = tile.findChildren(QLabel)[1].text()
    assert caption.startswith(material) and "待上传" in caption
    assert tile.findChildren(QLabel)[0].pixmap().width() == 150
    assert f"添加材料影像：{material}" in pane.timeline.text()
    qtbot.waitUntil(tile.isVisible)
    body = pane.widget()
    body.resize(body.width(), body.sizeHint().height())  # the whole pane, unscrolled, for the picture
    assert body.grab().save(str(tmp_path / "counter-evidence.png"))  # the whole pane, as looked at when written


def test_a_file_that_is_not_an_image_is_refused_in_plain_words(qtbot, window, counter, tmp_path):
    _payment, _online, approval = _seed(counter)
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    bad = tmp_path / "申请书.docx"
    bad.write_bytes(b"PK\x03\x04 not an image")
    dialog = page.pane.start_attach()
    type_text(qtbot, dialog.path, str(bad))
    assert not dialog.attempt()
    assert "不是能识别的图片" in dialog.fields["file"].error.text()
    assert page.pane.evidence.tiles == []


def test_the_next_scan_is_offered_from_the_folder_the_last_one_came_from(qtbot, window, counter, tmp_path):
    import os

    _payment, _online, approval = _seed(counter)
    folder = tmp_path / "扫描仪"
    folder.mkdir()
    first, second = folder / "scan-0001.jpg", folder / "scan-0002.jpg"
    first.write_bytes(make_scan(seed=1, width=620, height=877, fmt="JPEG"))
    (folder / "说明.txt").write_text("不是图片")
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    dialog = page.pane.start_attach()
    assert dialog.recent.count() == 0 and dialog.recent.isHidden()  # no scan attached yet: only the picker
    type_text(qtbot, dialog.path, str(first))
    assert dialog.attempt()

    second.write_bytes(make_scan(seed=2, width=620, height=877, fmt="JPEG"))
    os.utime(first, (1_700_000_000, 1_700_000_000))  # the older one
    dialog = page.pane.start_attach()
    assert [dialog.recent.item(k).text() for k in range(dialog.recent.count())] == [second.name, first.name]
    assert dialog.path.text() == str(second)  # the newest is chosen already: 添加 is one key away
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(tmp_path / "counter-evidence-dialog.png"))  # as looked at when written
    dialog.material.setCurrentIndex(2)
    assert dialog.attempt()
    assert len(page.pane.evidence.tiles) == 2


def test_a_new_scan_in_the_watched_folder_is_pointed_out_on_the_open_case(qtbot, window, counter, tmp_path):
    _payment, _online, approval = _seed(counter)
    folder = tmp_path / "扫描仪"
    folder.mkdir()
    first = folder / "scan-0001.jpg"
    first.write_bytes(make_scan(seed=1, width=620, height=877, fmt="JPEG"))
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    dialog = page.pane.start_attach()
    type_text(qtbot, dialog.path, str(first))
    assert dialog.attempt()  # from now on this folder is watched while a case is open
    box = page.pane.evidence
    assert box.new_scan.isHidden()

    (folder / "scan-0002.jpg").write_bytes(make_scan(seed=2, width=620, height=877, fmt="JPEG"))
    qtbot.waitUntil(lambda: not box.new_scan.isHidden(), timeout=5000)
    assert "scan-0002.jpg" in box.new_scan.text()
    assert page.pane.start_attach().path.text() == str(folder / "scan-0002.jpg")


def test_the_case_s_scans_print_one_a4_page_each(qtbot, window, counter, tmp_path, printed):
    from desktop.services import evidence
    from desktop.services.case_detail import load_detail
    from tests.desktop.printing.pdftools import pdf_pages, pdf_text

    counter.settings.set("print_preview", "off")
    _payment, _online, approval = _seed(counter)
    detail = load_detail(counter, approval["case_id"])
    for k in range(2):
        evidence.attach_bytes(
            counter, detail, detail.item.guide.materials[k].code, make_scan(seed=k, width=1240, height=1754, fmt="JPEG")
        )
    page = _ledger(window)
    _search(qtbot, page, approval["receipt_no"])
    assert page.pane.evidence.print_button.isVisible()
    job = page.pane.print_images()
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    assert page.pane.printer.last_result.ok
    pdf = evidence.images_pdf(counter, detail)
    assert pdf_pages(pdf) == 2
    assert f"回执 {approval['receipt_no']}" in pdf_text(pdf) and detail.item.guide.materials[1].name in pdf_text(pdf)
