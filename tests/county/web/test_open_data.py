"""The open-data SQLite file (开放数据): opened with the standard library's sqlite3 — its tables and catalogue,
no personal data and no point-identifying small count anywhere in it, and its figures agreeing with the
statistics page's; the bureau's download is audited and refused to other roles; the CLI writes the same file."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from county.models import AuditLog, Case, Device, Point
from county.services.common import utcnow
from county.services.open_data import SPARSE_COLUMNS
from sync.ledger.catalogue import load_catalogue
from tests.county.web.conftest import ID_NUMBER
from tests.county.web.stats_data import add_history
from tests.county.web.test_stats import signed_in
from tests.county.web.test_stats_dimensions import _copy, approval_history, board_of
from tests.factories import make_case_form

TABLES = {
    "meta",
    "townships",
    "catalogue_items",
    "cases_by_township_item_month",
    "cases_by_township_month",
    "cases_by_item_month",
    "cases_by_township",
    "cases_by_month",
    "mailings_by_township_month",
    "service_time_by_township",
}


def five_more_withdrawals(console) -> None:
    """瑶里镇's fixture point: 5 more FL012 cases today, so its FL012 cases this month (6) are shown exactly."""
    with console.county.session() as db:
        payment = db.get(Case, console.a.payment["case_id"])
        for n in range(5):
            _copy(db, payment, f"p{n}")
        db.commit()


def read(path) -> dict[str, list[dict]]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        names = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'")]
        return {name: [dict(r) for r in db.execute(f'select * from "{name}"')] for name in names}


def secrets(console) -> set[str]:
    """What must never be in the file: who the applicants are and which point or device served them."""
    form = make_case_form()
    out = {ID_NUMBER, form.id_number, form.name, form.mobile, form.village}
    with console.county.session() as db:
        for point in db.scalars(select(Point)):
            out |= {point.code, point.name}
        out |= set(db.scalars(select(Device.id))) | set(db.scalars(select(Case.case_id)))
        out |= set(db.scalars(select(Case.receipt_no)))
    return {s for s in out if s}


def bounds(rows: list[dict], prefix: str, **where) -> tuple[int, int]:
    chosen = [r for r in rows if all(r[k] == v for k, v in where.items())]
    return sum(r[f"{prefix}_min"] for r in chosen), sum(r[f"{prefix}_max"] for r in chosen)


@pytest.mark.parametrize("county_engine", ["sqlite", "postgres"], indirect=True)
def test_the_open_data_file(console, tmp_path):
    add_history(console)
    approval_history(console)
    five_more_withdrawals(console)
    response = signed_in(console, "bureau.clerk").get("/console/stats/open-data")
    assert response.status_code == 200 and response.headers["content-type"] == "application/vnd.sqlite3"
    path = tmp_path / "open.sqlite"
    path.write_bytes(response.content)
    found = read(path)
    assert set(found) == TABLES

    # The catalogue, whole; the townships by name; what the figures mean.
    items = load_catalogue().items
    assert [r["code"] for r in found["catalogue_items"]] == [i.code for i in items]
    fl015 = next(r for r in found["catalogue_items"] if r["code"] == "FL015")
    assert (fl015["points_class_label"], fl015["time_limit_days"], fl015["is_approval"]) == ("四类", 3, 1)
    assert fl015["units"] == "县市监局"
    towns = {r["name"]: r["id"] for r in found["townships"]}
    assert {"瑶里镇", "经公桥镇"} <= set(towns)
    meta = {r["key"]: r["value"] for r in found["meta"]}
    assert meta["period"] == "2025-12 至 2026-11" and meta["suppress_below"] == "5"

    # Nothing personal, nothing naming a point, and no count of 1 to 4 shown as it is.
    secret = secrets(console)
    for name, rows in found.items():
        assert not any(c.startswith(("point_", "device", "case_")) for c in (rows[0] if rows else {})), name
        for row in rows:
            for column, value in row.items():
                text = str(value)
                assert not any(s in text for s in secret), (name, column, text, [s for s in secret if s in text])
                if column.endswith("_min") and value == row[column[:-4] + "_max"]:
                    assert value == 0 or value >= 5, (name, row)
    with sqlite3.connect(path) as db:
        for name in TABLES - {"meta", "townships", "catalogue_items"}:
            columns = {r[1] for r in db.execute(f'pragma table_info("{name}")')}
            assert "point_id" not in columns and "case_id" not in columns, name

    # The figures: exact where no cell is suppressed, and always bracketing the statistics page's.
    cells = found["cases_by_township_item_month"]
    six = next(
        r for r in cells if (r["township_id"], r["item_code"], r["month"]) == (towns["瑶里镇"], "FL012", "2026-11")
    )
    assert (six["cases_min"], six["cases_max"], six["cases"]) == (6, 6, "6")
    small = next(
        r for r in cells if (r["township_id"], r["item_code"], r["month"]) == (towns["经公桥镇"], "FL015", "2026-11")
    )
    assert (small["cases_min"], small["cases_max"], small["cases"]) == (1, 4, "少于5")
    board = board_of(console, "bureau_clerk")
    checked = 0
    for row in board.tables["township"].rows:
        for prefix, table in (("cases", "cases_by_township"), ("mailings", "mailings_by_township_month")):
            lo, hi = bounds(found[table], prefix, township_id=int(row.key))
            assert lo <= row.figures[prefix] <= hi, (row.label, prefix)
            checked += lo == hi and row.figures[prefix] == lo
    for row in board.tables["month"].rows:
        lo, hi = bounds(found["cases_by_month"], "cases", month=row.key)
        assert lo <= row.figures["cases"] <= hi and (lo != hi or lo == row.figures["cases"]), row.key
    for row in board.tables["item"].rows:
        lo, hi = bounds(found["cases_by_item_month"], "cases", item_code=row.key)
        assert lo <= row.figures["cases"] <= hi, row.key
    fl012 = next(r for r in board.tables["item"].rows if r.key == "FL012").figures["cases"]
    assert bounds(cells, "cases", item_code="FL012", township_id=towns["瑶里镇"], month="2026-11") == (6, 6)
    assert fl012 == 12  # 7 of the history and the fixture, 5 more
    assert checked >= 1  # a township's mailings, 0 in 经公桥镇, agree exactly
    times = {r["township_id"]: r for r in found["service_time_by_township"]}
    assert times[towns["瑶里镇"]]["done"] == "少于5" and times[towns["瑶里镇"]]["median_workdays"] is None

    with console.county.session() as db:
        logged = db.scalars(select(AuditLog).where(AuditLog.action == "stats.open_data")).all()
    assert [(r.actor, r.detail["period"]) for r in logged] == [("staff:bureau.clerk", "2025-12 至 2026-11")]
    for user in ("township.a", "finance", "department"):
        assert signed_in(console, user).get("/console/stats/open-data").status_code == 403, user


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_cli_writes_the_same_file(console, county_engine, tmp_path, capsys):
    from county import cli as county_cli

    add_history(console)
    out = tmp_path / "open-data.sqlite"
    url = county_engine.url.render_as_string(hide_password=False)
    assert county_cli.main(["--db", url, "open-data", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"已导出到 {out}" in said and "cases_by_township_item_month" in said
    from_cli = read(out)
    served = tmp_path / "served.sqlite"
    served.write_bytes(signed_in(console, "bureau.clerk").get("/console/stats/open-data").content)
    from_console = read(served)
    for name in TABLES - {"meta"}:
        assert from_cli[name] == from_console[name], name
    with console.county.session() as db:
        (logged,) = db.scalars(select(AuditLog).where(AuditLog.action == "stats.open_data")).all()[:1]
    assert logged.actor.startswith("cli:") and logged.detail["period"] == "2025-12 至 2026-11"
    assert county_cli.main(["--db", url, "open-data", "--out", str(tmp_path / "none" / "x.sqlite")]) == 1
    assert "没有这个文件夹" in capsys.readouterr().out


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_a_county_without_cases_still_has_every_table(county_engine, tmp_path):
    from sqlalchemy.orm import Session

    from county.services.open_data import build

    with Session(county_engine) as db:
        counted = build(db, tmp_path / "empty.sqlite", utcnow())
    assert counted["cases_by_township_item_month"] == 0
    found = read(tmp_path / "empty.sqlite")
    assert set(found) == TABLES and found["cases_by_township_item_month"] == []
    with sqlite3.connect(tmp_path / "empty.sqlite") as db:
        columns = [r[1] for r in db.execute('pragma table_info("cases_by_township_item_month")')]
    assert columns == list(SPARSE_COLUMNS)
