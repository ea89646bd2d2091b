"""Every console route × every role and no session: only the roles a route declares get through."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from county.models import Township
from county.services import consultations
from county.services.staff import StaffRole
from county.web import routers
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
        .replace("{account_id}", str(console.a.account_id))
        .replace("{case_id}", console.a.approval["case_id"])
        .replace("{township_id}", str(_township_id(console, console.a.township)))
        .replace("{item_code}", "FL015")  # the department account's unit (县市场监管局) handles it
        .replace("{client_id}", str(console.api_client_id))
        .replace("{event_id}", str(ids.get("event_id", "")))
    )


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
    }
    assert bureau_pages <= {(m, p) for m, p, _r in routes}
    every_role = {p: r for m, p, r in routes if p.startswith("/console/stats")}
    assert every_role and all(roles == frozenset(StaffRole) for roles in every_role.values())
    writes = {(m, p): r for m, p, r in routes if m == "POST"}
    own_account = {("POST", "/console/password"), ("POST", "/console/logout")}
    assert not [w for w, roles in writes.items() if StaffRole.FINANCE in roles and w not in own_account]  # reads only
    assert writes[("POST", "/console/workdays")] == {StaffRole.BUREAU_ADMIN, StaffRole.BUREAU_CLERK}
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
