"""Every console route × every role and no session: only the roles a route declares get through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from county.models import FraudReview, Point, Township
from county.services import consultations, fraud_review, fraud_rules, inspections
from county.services.fraud_rules import Hit
from county.services.staff import StaffRole
from county.web import routers
from tests.county.web.applications_seed import application_in_a
from tests.county.web.conftest import attach_scan, csrf_of, sign_in
from tests.county.web.settlement_seed import published_q3
from tests.evidence_images import make_scan

PUBLIC = {("GET", "/console/login"), ("POST", "/console/login")}
LAST = {"/console/logout"}  # ends the session: tried after everything else
ACCOUNTS = {
    StaffRole.BUREAU_ADMIN: "bureau_admin",
    StaffRole.BUREAU_CLERK: "bureau_clerk",
    StaffRole.TOWNSHIP: "township_a",
    StaffRole.DEPARTMENT: "department",
    StaffRole.FINANCE: "finance",
}


def declared() -> list[tuple[str, str, frozenset]]:
    """(method, path, roles) of every console route, from the ``allow(...)`` it declares."""
    out = []
    for router in routers():
        for route in router.routes:
            roles = [d.call.roles for d in route.dependant.dependencies if hasattr(d.call, "roles")]
            for method in route.methods:
                if (method, route.path) in PUBLIC:
                    assert not roles
                    continue
                assert len(roles) == 1, f"{method} {route.path} declares no roles"
                out.append((method, route.path, roles[0]))
    return sorted(out, key=lambda r: r[1] in LAST)


def url(path: str, console, ids: dict[str, int] | None = None) -> str:
    ids = ids or {}
    return (
        path.replace("{code}", console.a.point_code)
        .replace("{consult_id}", str(ids.get("consult_id", 0)))
        .replace("{settlement_id}", str(ids.get("settlement_id", 0)))
        .replace("{review_id}", str(ids.get("review_id", 0)))
        .replace("{account_id}", str(console.a.account_id))
        .replace("{case_id}", console.a.approval["case_id"])
        .replace("{township_id}", str(_township_id(console, console.a.township)))
        .replace("{item_code}", "FL015")  # the department account's unit (县市场监管局) handles it
        .replace("{client_id}", str(console.api_client_id))
        .replace("{finding_id}", str(ids.get("finding_id", 0)))
        .replace("{application_id}", str(ids.get("application_id", 0)))
        .replace("{photo_id}", str(ids.get("application_photo_id" if "/applications/" in path else "photo_id", 0)))
        .replace("{session_id}", str(ids.get("session_id", 0)))
        .replace("{event_id}", str(ids.get("event_id", "")))
        .replace("{day_id}", str(ids.get("day_id", 0)))
    )


BUREAU_ROLES = {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK}


def inspected(console) -> dict[str, int]:
    """An inspection of township a's point with a finding and a photo: the inspection routes have something to show."""
    with console.county.session() as db:
        point = db.scalar(select(Point).where(Point.code == console.a.point_code))
        inspection = inspections.record(
            db,
            point,
            kind="township",
            inspected_on="2026-11-26",
            inspector="李干事",
            checklist={**dict.fromkeys(inspections.CHECKS, "pass"), "poster": "fail"},
            note="",
            findings=[inspections.FindingDraft("minor", "公示栏破损", "更换", "5")],
            photos=[PNG],
            actor="test",
        )
        db.commit()
        ((_i, (finding,), (photo,)),) = inspections.of_point(db, point.id)
        assert inspection.id == _i.id
        return {"finding_id": finding.id, "photo_id": photo}


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f1bd6e0000000049454e44ae426082"
)


def flag_point(console, point_code: str) -> int:
    """A pending 刷单复核 item for the point (a hit naming none of its cases: the decisions are tried empty)."""
    with console.county.session() as db:
        point_id = db.scalar(select(Point.id).where(Point.code == point_code))
        fraud_review.record_hits(
            db,
            [Hit(fraud_rules.BURST, point_id, "k", {"day": "2026-11-10", "count": 9, "limit": 6, "window": 300}, [])],
            source="scan",
        )
        db.commit()
        return db.scalar(select(FraudReview.id).where(FraudReview.point_id == point_id))


def _township_id(console, name: str) -> int:
    with console.county.session() as db:
        return db.scalar(select(Township.id).where(Township.name == name))


def test_every_console_route_declares_its_roles():
    routes = declared()
    assert len(routes) >= 25
    assert {path for _m, path, _r in routes} >= {
        "/console/",
        "/console/cases",
        "/console/queue",
        "/console/staff",
        "/console/consultations",
        "/console/consultations/{consult_id}/answer",
        "/console/api-clients",
        "/console/api-clients/{client_id}/revoke",
        "/console/stats",
        "/console/stats/export",
    }
    bureau_pages = {
        ("GET", "/console/audit/export"),
        ("GET", "/console/workdays"),
        ("POST", "/console/workdays"),
        ("GET", "/console/townships/{township_id}/items"),
        ("POST", "/console/townships/{township_id}/items"),
        ("GET", "/console/guides"),
        ("GET", "/console/guides/{item_code}"),
        ("POST", "/console/guides/{item_code}"),
        ("POST", "/console/guides/{item_code}/approve"),
        ("GET", "/console/points/{code}/sign.pdf"),
        ("GET", "/console/points/{code}/poster.pdf"),
    }
    assert bureau_pages <= {(m, p) for m, p, _r in routes}
    issued = {p: r for m, p, r in routes if p.endswith((".pdf",)) and p.startswith("/console/points/")}
    assert issued == dict.fromkeys(
        ["/console/points/{code}/sign.pdf", "/console/points/{code}/poster.pdf"],
        frozenset({StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK}),
    )
    every_role = {p: r for m, p, r in routes if p.startswith("/console/stats")}
    bureau = frozenset({StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK})
    assert every_role.pop("/console/stats/open-data") == bureau  # the county's open data: the bureau publishes it
    assert every_role and all(roles == frozenset(StaffRole) for roles in every_role.values())
    writes = {(m, p): r for m, p, r in routes if m == "POST"}
    own_account = {("POST", "/console/password"), ("POST", "/console/logout")}
    assert not [w for w, roles in writes.items() if StaffRole.FINANCE in roles and w not in own_account]  # reads only
    assert writes[("POST", "/console/workdays")] == {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK}
    assert writes[("POST", "/console/settlements/{settlement_id}/release")] == {StaffRole.BUREAU_ADMIN}  # 解除暂缓
    assert writes[("POST", "/console/townships/{township_id}/items")] == {
        StaffRole.BUREAU_ADMIN,
        StaffRole.BUREAU_CLERK,
    }
    assert {path for _m, path, _r in routes} >= {
        "/console/settlements",
        "/console/settlements/{settlement_id}",
        "/console/settlements/{settlement_id}/publish",
        "/console/settlements/{settlement_id}/handouts",
        "/console/settlements/{settlement_id}/workbook.xlsx",
        "/console/settlements/{settlement_id}/townships/{township_id}/list.pdf",
        "/console/settlements/{settlement_id}/townships/{township_id}/slips.pdf",
    }
    webhook = {(m, p): r for m, p, r in routes if p.startswith("/console/api-clients/{client_id}/webhook")}
    assert set(webhook) == {
        ("GET", "/console/api-clients/{client_id}/webhook"),
        ("POST", "/console/api-clients/{client_id}/webhook"),
        ("POST", "/console/api-clients/{client_id}/webhook/secret"),
        ("POST", "/console/api-clients/{client_id}/webhook/remove"),
        ("POST", "/console/api-clients/{client_id}/webhook/retry"),
    }
    assert all(roles == BUREAU_ROLES for roles in webhook.values())  # the secret and the URL: the bureau only
    lifecycle = {(m, p): r for m, p, r in routes if "/inspections" in p or "/revo" in p or "/findings/" in p}
    readers = {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK, StaffRole.TOWNSHIP, StaffRole.FINANCE}
    assert lifecycle[("GET", "/console/points/{code}/inspections")] == readers
    assert lifecycle[("GET", "/console/points/{code}/revocation")] == readers
    assert writes[("POST", "/console/points/{code}/inspections")] == readers - {StaffRole.FINANCE}
    assert writes[("POST", "/console/points/{code}/findings/{finding_id}/fixed")] == readers - {StaffRole.FINANCE}
    assert writes[("POST", "/console/points/{code}/revoke")] == BUREAU_ROLES
    assert writes[("POST", "/console/points/{code}/reinstate")] == BUREAU_ROLES
    applying = {(m, p): r for m, p, r in routes if p.startswith(("/console/applications", "/console/training"))}
    assert applying == {
        ("GET", "/console/applications"): readers,
        ("GET", "/console/applications/new"): {StaffRole.TOWNSHIP},
        ("POST", "/console/applications/new"): {StaffRole.TOWNSHIP},
        ("GET", "/console/applications/{application_id}"): readers,
        ("GET", "/console/applications/{application_id}/photos/{photo_id}"): readers,
        ("POST", "/console/applications/{application_id}/township"): {StaffRole.TOWNSHIP},
        ("POST", "/console/applications/{application_id}/bureau"): {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK},
        ("POST", "/console/applications/{application_id}/agent"): readers - {StaffRole.FINANCE},
        ("GET", "/console/training"): readers,
        ("POST", "/console/training"): {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK},
        ("GET", "/console/training/{session_id}"): readers,
        ("POST", "/console/training/{session_id}/attend"): {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK},
    }
    units = {
        (m, p): r
        for m, p, r in routes
        if p.startswith("/console/points/") and p.endswith(("/team", "/activity", "/remove"))
    }
    assert units == {
        ("GET", "/console/points/{code}/team"): readers,
        ("POST", "/console/points/{code}/team"): BUREAU_ROLES,
        ("GET", "/console/points/{code}/activity"): readers,
        ("POST", "/console/points/{code}/activity"): BUREAU_ROLES,
        ("POST", "/console/points/{code}/activity/{day_id}/remove"): BUREAU_ROLES,
    }
    reviewers = {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK, StaffRole.TOWNSHIP}
    fraud = {(m, p): r for m, p, r in routes if p.startswith("/console/fraud")}
    assert (
        fraud[("GET", "/console/fraud")]
        == fraud[("GET", "/console/fraud/{review_id}")]
        == {
            *reviewers,
            StaffRole.FINANCE,
        }
    )
    for decision in ("clear", "disqualify", "escalate"):
        assert fraud[("POST", f"/console/fraud/{{review_id}}/{decision}")] == reviewers
    department_work = {(m, p): r for m, p, r in routes if p.startswith("/console/cases/")}
    assert department_work[("POST", "/console/cases/{case_id}/return-mailing")] == {StaffRole.DEPARTMENT}
    assert department_work[("GET", "/console/cases/export")] == frozenset(StaffRole)


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_only_the_declared_roles_pass_each_route(console):
    with console.county.session() as db:  # a question about FL015: routed to the department's unit (scjg)
        consult, _code = consultations.create(
            db,
            lambda: console.county.box,
            question="个体户营业执照要带什么？",
            item_code="FL015",
            phone="13912342345",
            source="phone",
        )
        db.commit()
        consult_id = consult.id
    ids = published_q3(console)  # township a's points are in it: every settlement route has something to show
    ids["consult_id"] = consult_id
    ids |= inspected(console)
    applied = application_in_a(console)  # an application from township a's village, with a photo; a training
    ids |= {("application_photo_id" if key == "photo_id" else key): value for key, value in applied.items()}
    ids["review_id"] = flag_point(console, console.a.point_code)  # township a's: every reviewer may open it
    ids["event_id"] = attach_scan(console, console.a, make_scan(width=300, height=424, fmt="JPEG"))
    anonymous = console.client()
    for method, path, _roles in declared():
        response = anonymous.request(method, url(path, console, ids), data={"csrf": "x"})
        assert response.status_code == 303 and response.headers["location"] == "/console/login", (method, path)
    for role, name in ACCOUNTS.items():
        client = console.client()
        assert sign_in(client, console.users[name].username).status_code == 303
        token = csrf_of(client.get("/console/").text)
        for method, path, roles in declared():
            response = client.request(method, url(path, console, ids), data={"csrf": token})
            where = f"{role} {method} {path}: {response.status_code}"
            if path in LAST:  # signing out: allowed to all, and the session is gone
                assert response.status_code == 303 and client.get("/console/").headers["location"] == "/console/login"
            elif role in roles:
                assert response.status_code not in (401, 403, 404), where
                assert response.headers.get("location") != "/console/login", where
            else:
                assert response.status_code == 403, where
                assert "没有权限" in response.text, where
