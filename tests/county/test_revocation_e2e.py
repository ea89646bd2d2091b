"""Revocation reaches the counter (real county on loopback, real SQLite ledger): an inspection finds a fee charged
(第九条), the bureau revokes the point on that finding, the counter locks at its next sync with the county's plain
words, still prints its hand-over list (交接清单) for the township, and works again after reinstatement."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from county.services import inspections, reinstate, revocation
from county.services.admin import point_by_code
from desktop.services.activation import activate
from desktop.services.printouts import handover_pdf
from desktop.services.session import Counter
from desktop.services.standing import check_standing
from desktop.services.syncing import lock, lock_message
from desktop.settings import Settings
from tests.county.conftest import new_point
from tests.county.test_sync_e2e import engine_for
from tests.desktop.printing.pdftools import pdf_text
from tests.factories import PASSWORD, make_case_draft, make_mailing_draft

BUREAU = "staff:bureau"
FOUND = "向群众收取代办费 10 元"


@pytest.fixture
def counter(county, tmp_path, catalogue):
    setup = new_point(county)
    done = activate(county.base_url, setup["code"], tmp_path / "data", PASSWORD)
    counter = Counter(done.store, catalogue, Settings(tmp_path / "data"))
    yield counter, setup
    counter.close()


def test_a_revoked_counter_locks_with_the_reason_and_still_prints_its_handover_list(
    county, counter, catalogue, tmp_path
):
    counter, setup = counter
    first = counter.append(make_case_draft(catalogue))  # materials received at the counter, not yet sent
    counter.append(make_mailing_draft())
    assert engine_for(counter.store).run().accepted == 2
    with county.session() as session:
        point = point_by_code(session, setup["point_code"])
        inspections.record(
            session,
            point,
            kind="bureau",
            inspected_on="2026-11-26",
            inspector="县局 张科长",
            checklist={**dict.fromkeys(inspections.CHECKS, "pass"), "no_fee": "fail"},
            note="",
            findings=[inspections.FindingDraft("serious", FOUND, "退还费用", "3")],
            photos=[],
            actor=BUREAU,
        )
        session.flush()
        finding_id = inspections.of_point(session, point.id)[0][1][0].id
        revocation.revoke_point(session, setup["point_code"], "", actor=BUREAU, finding_id=finding_id)
        session.commit()
    late = counter.append(make_case_draft(catalogue))  # recorded before the counter heard: kept, listed
    report = engine_for(counter.store).run()
    assert report.locked and not report.pushed
    words = report.error.message
    assert words.startswith("本代办点已被县里撤销") and FOUND in words and "交接清单" in words
    lock(counter, words)  # what the app does on a locked run
    assert lock_message(counter) == words
    pdf = handover_pdf(counter)  # from the ledger alone: no county needed
    text = "".join(pdf_text(pdf).split())
    for receipt in (first[0].body["receipt_no"], late[0].body["receipt_no"]):
        assert receipt in text
    assert "交接清单" in text and FOUND.replace(" ", "") in text and "乡镇接收人签名" in text
    assert "未妥投的寄递（1件）" in text and "还有1条记录没有上传到县里" in text
    if shutil.which("pdftoppm"):
        (tmp_path / "handover.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(tmp_path / "handover.pdf"), str(tmp_path / "handover")])
        assert list(tmp_path.glob("handover*.png"))
    assert check_standing(counter).refused  # still stopped
    with county.session() as session:
        reinstate.reinstate_point(session, setup["point_code"], "复核：费用已退还，恢复", actor=BUREAU)
        session.commit()
    assert check_standing(counter).restored and not counter.locked
    again = engine_for(counter.store).run()
    assert again.ok and again.accepted == 1  # the case recorded before the lock goes up once


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_bureau_revokes_a_point_from_the_command_line_and_is_told_what_it_cancelled(county, counter, capsys):
    from county import cli

    _counter, setup = counter
    db = ["--db", county.engine.url.render_as_string(hide_password=False)]
    code = setup["point_code"]
    assert cli.main([*db, "revoke-point", code, "--reason", "虚构办件", "--clawback-from", "2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert f"已撤销代办点 {code}，同时注销了 1 个账号、停用了 1 台设备" in out and f"reinstate-point {code}" in out
    assert cli.main([*db, "revoke-point", code, "--reason", "再次"]) == cli.EXIT_FAILED
    assert "已经撤销了" in capsys.readouterr().out
    assert cli.main([*db, "reinstate-point", code, "--reason", "复核后恢复"]) == 0
    with county.session() as session:
        assert point_by_code(session, code).state == "active"
