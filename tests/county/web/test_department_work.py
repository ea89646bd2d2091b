"""A department's work in the console: signing for materials starts the time limit, the queue sorts overdue
first, return mailings are recorded, and both reach only counters that understand them. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from county.models import AuditLog, Case, CountyEvent, Device
from county.services import feed
from tests.county.web.conftest import csrf_of, sign_in

HX = {"HX-Request": "true"}


def _department(console):
    client = console.client()
    assert sign_in(client, "department").status_code == 303
    return client, csrf_of(client.get("/console/").text)


def _step(client, token, case_id, status, note=""):
    return client.post(
        f"/console/cases/{case_id}/status", data={"status": status, "note": note}, headers={**HX, "X-CSRF-Token": token}
    )


def test_signing_for_materials_starts_the_time_limit_and_records_who(console):
    client, token = _department(console)
    case_id = console.a.approval["case_id"]
    queue = client.get("/console/queue").text
    assert "签收材料" in queue and "签收材料后 3 个工作日" in queue  # not started yet
    row = _step(client, token, case_id, "materials_received")
    assert row.status_code == 200 and "已改为“材料已签收”" in row.text
    assert "2026年12月02日前（还剩 3 个工作日）" in row.text  # signed Fri 11-27: Mon, Tue, Wed
    assert "签收材料</button>" not in row.text and "受理</button>" in row.text
    again = _step(client, token, case_id, "materials_received")
    assert "已于 2026-11-27 09:30 签收" in again.text
    page = client.get(f"/console/cases/{case_id}").text
    assert "2026-11-27 09:30，department 签收" in page and "2026年12月02日前" in page
    with console.county.session() as session:
        case = session.get(Case, case_id)
        assert case.state == "materials_received" and case.materials_signed_by == "staff:department"
        actions = session.scalars(select(AuditLog.detail).where(AuditLog.action == "case.status")).all()
        assert {"status": "materials_received", "note": ""} in actions


def test_queue_puts_overdue_first_then_soon(console):
    client, token = _department(console)
    a, b = console.a.approval["case_id"], console.b.approval["case_id"]
    for case_id in (a, b):
        _step(client, token, case_id, "materials_received")
    with console.county.session() as session:  # b was signed for a week earlier: due Wed 11-25, two days ago
        session.get(Case, b).materials_signed_at = "2026-11-20T10:00:00.000+08:00"
        session.commit()
    queue = client.get("/console/queue").text
    assert queue.index(console.b.approval["receipt_no"]) < queue.index(console.a.approval["receipt_no"])
    assert 'class="due due-overdue">2026年11月25日到期，已超期 2 个工作日' in queue
    assert "due-running" in queue
    desk = client.get("/console/").text
    assert 'id="count-overdue">1<' in desk and 'id="count-soon">0<' in desk


def test_the_desk_counts_the_whole_queue_beyond_the_first_page(console):
    """A department behind on its work sees every overdue case counted, not only those on the queue's page."""
    from sqlalchemy.orm import make_transient

    from county.web.case_work import QUEUE_PAGE

    client, token = _department(console)
    b = console.b.approval["case_id"]
    _step(client, token, b, "materials_received")
    with console.county.session() as session:  # copies of b, each signed for a week ago and so overdue
        session.get(Case, b).materials_signed_at = "2026-11-20T10:00:00.000+08:00"
        session.commit()
        original = session.get(Case, b)
        for n in range(QUEUE_PAGE + 5):
            session.expunge(original)
            make_transient(original)
            original.case_id, original.receipt_no = f"clone{n:027d}", f"X{n:09d}"
            session.add(original)
            session.flush()
        session.commit()
    desk = client.get("/console/").text
    assert f'id="count-overdue">{QUEUE_PAGE + 6}<' in desk


def test_return_mailing_is_recorded_once_the_case_is_decided(console):
    client, token = _department(console)
    case_id = console.a.approval["case_id"]
    form = {"tracking_no": "EA123456785CN", "contents": "营业执照正本 1 份", "csrf": token}
    early = client.post(f"/console/cases/{case_id}/return-mailing", data=form)
    assert early.status_code == 400 and "已办结或已退回" in early.text
    for status in ("materials_received", "accepted", "completed"):
        _step(client, token, case_id, status)
    done = client.post(f"/console/cases/{case_id}/return-mailing", data=form)
    assert done.status_code == 303
    page = client.get(f"/console/cases/{case_id}").text
    assert "寄出营业执照正本 1 份，运单号 EA123456785CN" in page and "部门回寄" in page
    twice = client.post(f"/console/cases/{case_id}/return-mailing", data=form)
    assert twice.status_code == 400 and "已经登记过回寄" in twice.text
    bad = client.post(f"/console/cases/{case_id}/return-mailing", data={**form, "tracking_no": "12"})
    assert bad.status_code == 400


def test_old_counters_are_not_sent_what_they_cannot_read(console):
    client, token = _department(console)
    case_id = console.a.approval["case_id"]
    for status in ("materials_received", "accepted", "completed"):
        _step(client, token, case_id, status)
    client.post(
        f"/console/cases/{case_id}/return-mailing",
        data={"tracking_no": "EA123456785CN", "contents": "营业执照", "csrf": token},
    )
    with console.county.session() as session:
        point_id = session.get(Case, case_id).point_id
        device = session.scalar(select(Device).where(Device.point_id == point_id))
        newest = session.scalar(select(CountyEvent.id).order_by(CountyEvent.id.desc()).limit(1))
        old = feed.pull(session, device, 0, 100)  # no ``feed`` sent: a counter from before 材料已签收
        new = feed.pull(session, device, 0, 100, 2)
    old_kinds = [(i.kind, i.payload.get("status")) for i in old.items]
    assert ("case_status", "materials_received") not in old_kinds and ("return_mailing", None) not in old_kinds
    assert ("case_status", "accepted") in old_kinds and ("case_status", "completed") in old_kinds
    new_kinds = [(i.kind, i.payload.get("status")) for i in new.items]
    assert ("case_status", "materials_received") in new_kinds and ("return_mailing", None) in new_kinds
    assert old.next_cursor == new.next_cursor == newest  # the old counter's cursor still passes them by
