"""Material images (材料影像) in the console: only staff whose scope shows the case see them; each view is audited."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from county.models import AuditLog, Case, EvidenceImage
from county.services import evidence
from county.services.evidence_s3 import image_store
from sync.ledger.events import new_id
from tests.county.web.conftest import attach_scan, sign_in
from tests.evidence_images import make_scan

pytestmark = [
    pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True),
    pytest.mark.parametrize("evidence_backend", ["folder", "s3"], indirect=True),  # the same rules in both stores
]


def _signed_in(console, name):
    client = console.client()
    assert sign_in(client, console.users[name].username).status_code == 303
    return client


def test_the_department_sees_the_scan_and_the_view_is_audited(console):
    scan = make_scan(width=400, height=566, fmt="JPEG")
    event_id = attach_scan(console, console.a, scan)
    client = _signed_in(console, "department")
    case_id = console.a.approval["case_id"]

    page = client.get(f"/console/cases/{case_id}")
    assert f'src="/console/cases/{case_id}/evidence/{event_id}"' in page.text and "材料影像" in page.text
    image = client.get(f"/console/cases/{case_id}/evidence/{event_id}")
    assert image.status_code == 200 and image.content == scan
    assert image.headers["content-type"] == "image/jpeg" and image.headers["cache-control"] == "no-store"
    with console.county.session() as db:
        views = db.scalars(select(AuditLog).where(AuditLog.action == "evidence.view")).all()
    assert [(v.actor, v.target, v.detail["image"]) for v in views] == [
        (f"staff:{console.users['department'].username}", f"case:{case_id}", event_id)
    ]


def test_another_township_finance_and_no_session_are_refused_the_image(console):
    event_id = attach_scan(console, console.a, make_scan(width=300, height=424, fmt="JPEG"))
    path = f"/console/cases/{console.a.approval['case_id']}/evidence/{event_id}"
    assert _signed_in(console, "township_a").get(path).status_code == 200  # the point's own township
    other = _signed_in(console, "township_b").get(path)
    assert other.status_code == 404 and "不在你的工作范围内" in other.text
    assert _signed_in(console, "finance").get(path).status_code == 403
    anonymous = console.client().get(path)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/console/login"
    # an image id of one case asked for under another case the viewer may see: not found either
    wrong_case = f"/console/cases/{console.b.approval['case_id']}/evidence/{event_id}"
    assert _signed_in(console, "bureau_clerk").get(wrong_case).status_code == 404
    with console.county.session() as db:
        assert (
            db.scalar(
                select(AuditLog.id).where(AuditLog.action == "evidence.view", AuditLog.actor.like("%township.b%"))
            )
            is None
        )


def _unfinished_upload(console, folder):
    """An image of site a's approval case whose upload stopped half-way (a PC that never came back)."""
    data = make_scan(seed=9, width=300, height=424, fmt="JPEG")
    sha = hashlib.sha256(data).hexdigest()
    with console.county.session() as db:
        case = db.get(Case, console.a.approval["case_id"])
        db.add(
            EvidenceImage(
                event_id=new_id(),
                device_id=case.device_id,
                point_id=case.point_id,
                case_id=case.case_id,
                material="x",
                sha256=sha,
                size=len(data),
                media_type="image/jpeg",
                attached_at="2026-11-27T09:41:00.000+08:00",
                received=0,
            )
        )
        db.commit()
        folder.append(case.device_id, sha, 0, data[:1000], console.county.box)
        return folder.partial(case.device_id, sha)


def test_images_of_closed_cases_past_retention_are_deleted_with_the_personal_fields(console):
    from datetime import date

    from county.services import retention

    event_id = attach_scan(console, console.a, make_scan(width=300, height=424, fmt="JPEG"))
    open_id = attach_scan(console, console.b, make_scan(seed=2, width=300, height=424, fmt="JPEG"))
    folder = image_store(console.county.settings)
    unfinished = _unfinished_upload(console, folder)
    with console.county.session() as db:
        row = db.get(EvidenceImage, event_id)
        sha, open_sha = row.sha256, db.get(EvidenceImage, open_id).sha256
        db.get(Case, row.case_id).state = "completed"
        db.commit()
        assert evidence.expired_cases(db, date(2020, 1, 1)) == set()  # recorded after the cut-off: kept
    done = retention.purge_expired(
        console.county.engine, today=date(2999, 1, 1), retention_days=30, actor="test", images=folder
    )
    assert done.images == 2 and not unfinished.exists()
    assert not folder.has(sha) and folder.has(open_sha)  # the open case (b, materials sent) keeps its image
    page = _signed_in(console, "department").get(f"/console/cases/{console.a.approval['case_id']}")
    assert "已按保存期限删除" in page.text


def test_an_image_file_swapped_in_the_store_is_refused_not_shown(console):
    first = attach_scan(console, console.a, make_scan(seed=1, width=300, height=424, fmt="JPEG"))
    second = attach_scan(console, console.a, make_scan(seed=2, width=300, height=424, fmt="JPEG"))
    folder = image_store(console.county.settings)
    with console.county.session() as db:
        one, two = (db.get(EvidenceImage, event_id).sha256 for event_id in (first, second))
    folder.sealed.put(one, folder.sealed.get(two))  # the first image's file (object) now holds the second's
    client = _signed_in(console, "department")
    case_id = console.a.approval["case_id"]
    swapped = client.get(f"/console/cases/{case_id}/evidence/{first}")
    assert swapped.status_code == 404 and "已损坏" in swapped.text
    assert client.get(f"/console/cases/{case_id}/evidence/{second}").status_code == 200
