"""What the bureau does around the month rule: extending one point's month, importing a sync file late, and
one agent name per point."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from county import cli as county_cli
from county.errors import CountyError
from county.models import Account, AuditLog, Case, MonthExtension, SyncBatch
from county.services import admin
from county.services.sync_file import import_file
from desktop.services.activation import activate
from desktop.services.sync_file import export_pending
from sync.ledger.forms import draft_complete
from tests.county.conftest import new_point
from tests.county.test_honest_months import NOV_30, Counter, china
from tests.factories import PASSWORD, make_case_draft

SQLITE_ONLY = pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)  # the CLI opens the file itself


def cli(county, *args: str) -> int:
    return county_cli.main(["--db", county.engine.url.render_as_string(hide_password=False), *args])


@SQLITE_ONLY
def test_the_bureau_extends_one_points_month_with_a_reason(county, capsys):
    flooded, other = Counter(county, china(date(2026, 11, 2))), Counter(county, china(date(2026, 11, 2)))
    assert cli(county, "extend-month", flooded.point_code, "2026-11", "--until", "2026-12-15") == 1
    assert "写明原因" in capsys.readouterr().out
    assert cli(county, "extend-month", flooded.point_code, "2026-11", "--until", "2026-12-04", "--reason", "x") == 1
    assert "本来就到 2026年12月07日" in capsys.readouterr().out
    assert cli(county, "extend-month", flooded.point_code, "2026-13", "--until", "2026-12-20", "--reason", "x") == 1
    assert "2026-11" in capsys.readouterr().out
    with county.session() as session:
        assert session.scalar(select(MonthExtension)) is None  # nothing changed by the refusals

    with time_machine.travel(china(date(2026, 12, 3))):
        assert (
            cli(
                county,
                "extend-month",
                flooded.point_code,
                "2026-11",
                "--until",
                "2026-12-15",
                "--reason",
                "瑶里村断网十天（洪水）",
            )
            == 0
        )
    assert "延长到 2026年12月15日" in capsys.readouterr().out
    received = china(date(2026, 12, 15), 22)
    for counter in (flooded, other):
        case = counter.case(china(NOV_30, 16))
        counter.send([case, counter.completion(case, china(NOV_30, 17))], received)
    assert [c.credit_month for c in flooded.cases().values()] == ["2026-11"]
    assert [(c.credit_month, c.credit_flag) for c in other.cases().values()] == [("2026-12", "late")]
    with county.session() as session:
        (entry,) = session.scalars(select(AuditLog).where(AuditLog.action == "month.extend")).all()
        assert entry.target == f"point:{flooded.point_code}" and entry.detail["reason"] == "瑶里村断网十天（洪水）"
        assert entry.detail["until"] == "2026-12-15" and entry.actor.startswith("cli:")
    late = flooded.case(china(NOV_30, 18))
    flooded.send([late, flooded.completion(late, china(NOV_30, 19))], china(date(2026, 12, 16), 0, 1))
    assert flooded.cases()[late.body["case_id"]].credit_month == "2026-12"  # the extension ended with the 15th


def test_a_sync_file_counts_by_when_the_county_imported_it(county, tmp_path):
    """Exported on 1 December from a point without network; one stick reaches the county on the 4th, one on the 9th."""
    files = []
    for name in ("early", "late"):
        with time_machine.travel(china(date(2026, 11, 2))):
            store = activate(
                county.base_url, new_point(county, name=f"{name}小卖部")["code"], tmp_path / name, PASSWORD
            ).store
        with time_machine.travel(china(NOV_30, 17)):
            (case,) = store.append(make_case_draft(item_code="FL012", amount="200"))
            store.append(draft_complete(case.body["case_id"]))
        with time_machine.travel(china(date(2026, 12, 1), 8)):
            export_pending(store, tmp_path / f"{name}.ssb")
        store.close()
        files.append((tmp_path / f"{name}.ssb", case.body["case_id"]))
    for (path, case_id), imported in zip(files, (date(2026, 12, 4), date(2026, 12, 9)), strict=True):
        with time_machine.travel(china(imported, 10)), county.session() as session:
            result = import_file(session, path.read_bytes(), max_events=500, settings=county.settings, actor="乡镇")
        with county.session() as session:
            found = session.get(Case, case_id)
            batch = session.scalar(select(SyncBatch).where(SyncBatch.device_id == found.device_id))
        if imported.day == 4:
            assert (found.credit_month, found.credit_flag, result.credits) == ("2026-11", None, [])
        else:
            assert (found.credit_month, found.credit_flag) == ("2026-12", "late")
            assert found.credited_at.startswith("2026-12-09T10:00")
            assert [(n.flag, n.month) for n in result.credits] == [("late", "2026-12")]
        assert (batch.source, batch.skew_seconds) == ("file", None)  # a file's send time is its export's


def test_two_accounts_with_the_same_name_in_one_point_are_refused(county):
    setup = new_point(county, agent="王秀英")
    other = new_point(county, name="另一个小卖部", agent="李四")
    with county.session() as session:
        with pytest.raises(CountyError) as refused:
            admin.create_account(session, setup["point_code"], " 王秀英 ", actor="test")
        assert f"代办点 {setup['point_code']} 已有名为「王秀英」的代办员账号" in refused.value.message
        assert "什么都没有改" in refused.value.message
        admin.create_account(  # another point: fine (trained elsewhere: opened with the bureau's reason)
            session, other["point_code"], "王秀英", actor="test", override_reason="已在原代办点培训过"
        )
        admin.revoke_account(session, setup["account_id"], "离职", actor="test")
        session.commit()
        with pytest.raises(CountyError) as again:
            admin.create_account(session, setup["point_code"], "王秀英", actor="test")
        assert f"reinstate-account {setup['account_id']}" in again.value.message
        first = session.get(Account, setup["account_id"])
        session.add(Account(point_id=first.point_id, name="王秀英", created_at=first.created_at))
        with pytest.raises(IntegrityError):  # the database itself refuses it too
            session.flush()


@SQLITE_ONLY
def test_the_command_refuses_a_same_name_account_in_chinese(county, capsys):
    setup = new_point(county, agent="王秀英")
    assert cli(county, "create-account", setup["point_code"], "王秀英") == 1
    out = capsys.readouterr().out
    assert "同一代办点不能有两个同名账号" in out and "激活码" in out
    with county.session() as session:
        assert session.scalar(select(text("count(*)")).select_from(Account)) == 1


def test_the_migration_tells_apart_accounts_that_already_share_a_name(tmp_path):
    from alembic import command

    from county.db import alembic_config, make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'county.db'}")
    command.upgrade(alembic_config(engine), "0002")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO township (id, name, created_at) VALUES (1, '瑶里镇', '2026-11-01')"))
        connection.execute(
            text(
                "INSERT INTO point (id, code, name, kind, township_id, state, created_at) "
                "VALUES (1, '0427', '瑶里村小卖部', 'shop', 1, 'active', '2026-11-01')"
            )
        )
        for account_id in (1, 2, 3):
            connection.execute(
                text(
                    "INSERT INTO account (id, point_id, name, state, created_at) "
                    "VALUES (:id, 1, :name, 'active', '2026-11-01')"
                ),
                {"id": account_id, "name": "王秀英" if account_id < 3 else "李四"},
            )
    upgrade(engine)
    with engine.connect() as connection:
        names = dict(connection.execute(text("SELECT id, name FROM account")).all())
        audited = (
            connection.execute(text("SELECT target FROM audit_log WHERE action = 'account.rename'")).scalars().all()
        )
    assert names == {1: "王秀英", 2: "王秀英（账号 2）", 3: "李四"} and audited == ["account:2"]
    engine.dispose()
