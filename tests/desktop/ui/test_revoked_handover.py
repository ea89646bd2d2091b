"""A counter whose point the bureau revoked (撤销): the whole window locks at the next sync with the county's words,
and the lock window still prints the hand-over list (交接清单) through the usual preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from county.services import revocation
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures
from tests.desktop.printing.pdftools import pdf_text
from tests.desktop.ui.county_window import activated_counter, county_window
from tests.factories import make_case_draft

pytestmark = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
SHOT = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "standard" / "locked-revoked-point.png"


def test_a_revoked_point_locks_the_window_which_still_prints_the_handover_list(qtbot, county, tmp_path, catalogue):
    counter, setup = activated_counter(county, tmp_path / "data", catalogue)
    try:
        recorded = counter.append(make_case_draft(catalogue))
        window = county_window(qtbot, counter)
        with county.session() as session:
            revocation.revoke_point(session, setup["point_code"], "多次虚构办件（刷单）", actor="staff:bureau")
            session.commit()
        with qtbot.waitSignal(window.scheduler.locked, timeout=20_000):
            window.scheduler.sync_now()
        view = window.lock_view
        assert window.is_locked and "本代办点已被县里撤销（原因：多次虚构办件（刷单））" in view.county.text()
        assert view.handover_button.isVisible() and view.handover_button.text() == "打印交接清单"
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOT))
        qtbot.mouseClick(view.handover_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.printer.preview is not None, timeout=20_000)
        preview = view.printer.preview
        text = "".join(pdf_text(preview.pdf).split())
        assert "交接清单" in text and recorded[0].body["receipt_no"] in text
        preview.reject()
    finally:
        counter.close()
