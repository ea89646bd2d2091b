"""An application (申请) from township a's village with a photo, and a training session: ids for console tests."""

from __future__ import annotations

from county.services import applications, trainings
from county.services.applications import photo_of
from sync.clock import china_today
from tests.county.applications_data import make_form, tiny_png


def application_in_a(console) -> dict[str, int]:
    with console.county.session() as db:
        row, _code = applications.submit(
            db,
            console.county.box,
            make_form(db, console.a.township),
            [photo_of(tiny_png())],
            source="zhuanqu",
            actor="public",
        )
        training = trainings.create_session(db, china_today(), "瑶里镇政府二楼会议室", "张老师", actor="test")
        db.commit()
        return {
            "application_id": row.id,
            "photo_id": applications.photo_ids(db, row)[0],
            "session_id": training.id,
        }
