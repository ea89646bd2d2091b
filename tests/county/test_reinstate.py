"""Reinstating (恢复) a mistakenly revoked account or point, end to end with the real endpoint on loopback."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from county import cli
from county.models import Account, AuditLog, Case, CountyEvent, LedgerEvent, Point
from county.services import admin, reinstate, revocation
from desktop.services.activation import activate
from desktop.services.session import Counter
from desktop.services.standing import check_standing
from desktop.services.syncing import lock_message
from desktop.settings import Settings
from desktop.store.sync_port import StoreSyncPort
from tests.county.conftest import new_point
from tests.county.test_sync_e2e import engine_for
from tests.factories import PASSWORD, make_case_draft

BUREAU = "县政务服务管理局"


@pytest.fixture
def point(county, tmp_path, catalogue):
    """(counter, the county's setup): a counter enrolled with its point, one case already synced."""
    setup = new_point(county)
    done = activate(county.base_url, setup["code"], tmp_path / "data", PASSWORD)
    counter = Counter(done.store, catalogue, Settings(tmp_path / "data"))
    counter.append(make_case_draft(catalogue))
    assert engine_for(counter.store).run().accepted == 1
    yield counter, setup
    counter.close()


def held_at_county(county) -> tuple[int, int, int]:
    """(events, distinct event ids, cases) the county holds."""
    with county.session() as session:
        return (
            session.scalar(select(func.count()).select_from(LedgerEvent)),
            session.scalar(select(func.count(func.distinct(LedgerEvent.event_id)))),
            session.scalar(select(func.count()).select_from(Case)),
        )


def audit_trail(county, target: str) -> list[tuple[str, str]]:
    with county.session() as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.target == target).order_by(AuditLog.id)).all()
        return [(row.action, row.actor) for row in rows]


def revoke_and_lock(county, counter, catalogue, revoke) -> None:
    """The bureau revokes; a case recorded just before goes unsent; the next sync is refused and locks."""
    counter.append(make_case_draft(catalogue))
    with county.session() as session:
        revoke(session)
        session.commit()
    report = engine_for(counter.store).run()
    assert report.locked and counter.store.outbox_counts() == {"acked": 1, "sent": 1}
    counter.locked = report.error.message  # what the app does (desktop.services.syncing.lock)
    refused = check_standing(counter)
    assert not refused.restored and refused.refused and counter.locked and lock_message(counter)


def carries_on(county, counter, catalogue) -> None:
    """After reinstatement: the unsent case goes up once, the chain continues, nothing is doubled."""
    assert check_standing(counter).restored and not counter.locked and not lock_message(counter)
    report = engine_for(counter.store).run()
    assert report.ok and (report.pushed, report.accepted, report.duplicates) == (1, 1, 0)
    items = StoreSyncPort(counter.store).county_items("account_state")
    states = [json.loads(item["payload_json"])["state"] for item in items]
    assert states == ["revoked", "active"]  # the feed tells the device both changes, in order
    counter.append(make_case_draft(catalogue))  # recording works again, on the same chain
    again = engine_for(counter.store).run()
    assert again.ok and again.accepted == 1 and counter.store.head().seq == 3
    assert counter.store.outbox_counts() == {"acked": 3}
    assert held_at_county(county) == (3, 3, 3)


def test_a_mistakenly_revoked_account_is_reinstated_and_the_counter_carries_on(county, point, catalogue):
    counter, setup = point
    account_id = setup["account_id"]
    revoke_and_lock(county, counter, catalogue, lambda s: admin.revoke_account(s, account_id, "违规刷单", actor=BUREAU))
    assert held_at_county(county) == (1, 1, 1)  # the refused batch stored nothing
    with county.session() as session:
        result = reinstate.reinstate_account(session, account_id, "经核实属误注销", actor=BUREAU)
        session.commit()
    assert [d.device.id for d in result.working] == [counter.identity.device_id] and not result.stopped
    carries_on(county, counter, catalogue)
    trail = audit_trail(county, f"account:{account_id}")
    assert trail[-2:] == [("account.revoke", BUREAU), ("account.reinstate", BUREAU)]
    with county.session() as session:
        entry = session.scalar(select(AuditLog).where(AuditLog.action == "account.reinstate"))
        assert entry.detail == {
            "reason": "经核实属误注销",
            "devices_working": [counter.identity.device_id],
            "devices_stopped": [],
        }
        assert session.get(Account, account_id).revoked_at is None


def test_a_mistakenly_revoked_point_is_reinstated_and_the_counter_carries_on(county, point, catalogue):
    counter, setup = point
    code = setup["point_code"]
    revoke_and_lock(county, counter, catalogue, lambda s: revocation.revoke_point(s, code, "撤销代办点", actor=BUREAU))
    assert "代办点" in counter.locked
    with county.session() as session:
        reinstate.reinstate_point(session, code, "乡镇复核后恢复", actor=BUREAU)
        session.commit()
    carries_on(county, counter, catalogue)
    assert audit_trail(county, f"point:{code}")[-2:] == [("point.revoke", BUREAU), ("point.reinstate", BUREAU)]


def test_reinstating_does_not_revive_a_device_the_county_stopped_on_its_own(county, point, catalogue):
    counter, setup = point
    with county.session() as session:
        admin.revoke_device(session, counter.identity.device_id, "电脑丢失", actor=BUREAU)
        admin.revoke_account(session, setup["account_id"], "违规刷单", actor=BUREAU)
        session.commit()
    counter.locked = "代办员账号已被县里注销"
    with county.session() as session:
        result = reinstate.reinstate_account(session, setup["account_id"], "误注销", actor=BUREAU)
        session.commit()
    (stopped,) = result.stopped
    assert not result.working and "单独停用" in stopped.why_stopped
    check = check_standing(counter)
    assert check.refused and not check.restored and "这台电脑的激活已被县里撤销" in counter.locked


def test_a_point_reinstated_while_its_account_stays_revoked_still_refuses_the_device(county, point, catalogue):
    counter, setup = point
    with county.session() as session:
        revocation.revoke_point(session, setup["point_code"], "撤销", actor=BUREAU)
        admin.revoke_account(session, setup["account_id"], "注销", actor=BUREAU)
        session.commit()
    with county.session() as session:
        result = reinstate.reinstate_point(session, setup["point_code"], "误撤销", actor=BUREAU)
        session.commit()
    assert "仍处于注销状态" in result.stopped[0].why_stopped
    counter.locked = "本代办点已被县里撤销"
    assert check_standing(counter).refused and "账号" in counter.locked


def changes_nothing(county, call) -> str:
    """Run a refused reinstatement as the CLI does (roll back on refusal); the county is left as it was."""

    def snapshot():
        with county.session() as session:
            return (
                session.scalar(select(func.count()).select_from(AuditLog)),
                session.scalar(select(func.count()).select_from(CountyEvent)),
                sorted(session.execute(select(Account.id, Account.state)).all()),
                sorted(session.execute(select(Point.code, Point.state)).all()),
            )

    before = snapshot()
    with county.session() as session, pytest.raises(admin.AdminError) as refused:
        call(session)
    assert snapshot() == before
    return refused.value.message


def test_reinstating_what_is_not_revoked_or_does_not_exist_is_refused_in_chinese(county, point):
    _counter, setup = point
    account_id, code = setup["account_id"], setup["point_code"]
    assert "没有被注销，不需要恢复" in changes_nothing(
        county, lambda s: reinstate.reinstate_account(s, account_id, "误操作", actor=BUREAU)
    )
    assert "没有被撤销，不需要恢复" in changes_nothing(
        county, lambda s: reinstate.reinstate_point(s, code, "误操作", actor=BUREAU)
    )
    assert "没有编号为 9999 的代办员账号" in changes_nothing(
        county, lambda s: reinstate.reinstate_account(s, 9999, "误操作", actor=BUREAU)
    )
    assert "没有编号为 0999 的代办点" in changes_nothing(
        county, lambda s: reinstate.reinstate_point(s, "0999", "误操作", actor=BUREAU)
    )
    assert "4 位数字" in changes_nothing(county, lambda s: reinstate.reinstate_point(s, "12", "误操作", actor=BUREAU))
    with county.session() as session:
        admin.revoke_account(session, account_id, "违规刷单", actor=BUREAU)
        session.commit()
    for reason in ("", "   ", "误\x00注销", "长" * 201):
        assert "原因" in changes_nothing(
            county, lambda s, r=reason: reinstate.reinstate_account(s, account_id, r, actor=BUREAU)
        )


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_bureau_revokes_and_reinstates_from_the_command_line(county, point, catalogue, capsys):
    counter, setup = point
    db = ["--db", county.engine.url.render_as_string(hide_password=False)]
    account = str(setup["account_id"])
    assert cli.main([*db, "revoke-account", account, "--reason", "违规刷单"]) == 0
    assert f"reinstate-account {account}" in capsys.readouterr().out  # the way back is named
    assert engine_for(counter.store).run().locked
    for wrong in (["abc", "--reason", "误注销"], ["9999", "--reason", "误注销"], [account]):
        assert cli.main([*db, "reinstate-account", *wrong]) == cli.EXIT_FAILED
        assert "什么都没有改" in capsys.readouterr().out
    assert cli.main([*db, "reinstate-account", account, "--reason", "经核实属误注销"]) == 0
    out = capsys.readouterr().out
    assert "已恢复代办员账号" in out and "可以重新同步" in out and f"{setup['point_code']}-1" in out
    assert cli.main([*db, "reinstate-account", account, "--reason", "再来一次"]) == cli.EXIT_FAILED
    assert "没有被注销" in capsys.readouterr().out
    counter.locked = "代办员账号已被县里注销"
    assert check_standing(counter).restored and engine_for(counter.store).run().ok
    actor = audit_trail(county, f"account:{account}")[-1]
    assert actor[0] == "account.reinstate" and actor[1].startswith("cli:")


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_the_bureau_stops_one_lost_computer_from_the_command_line(county, point, catalogue, capsys):
    counter, setup = point
    db = ["--db", county.engine.url.render_as_string(hide_password=False)]
    shown = f"{setup['point_code']}-1"  # as list-devices shows it
    assert cli.main([*db, "list-devices", "--point", setup["point_code"]]) == 0
    assert capsys.readouterr().out.startswith(shown)
    for wrong in (["0999-1", "--reason", "电脑丢失"], ["abc", "--reason", "电脑丢失"], [shown]):
        assert cli.main([*db, "revoke-device", *wrong]) == cli.EXIT_FAILED
        assert "什么都没有改" in capsys.readouterr().out
    assert engine_for(counter.store).run().ok  # nothing above changed anything
    assert cli.main([*db, "revoke-device", shown, "--reason", "电脑丢失"]) == 0
    out = capsys.readouterr().out
    assert counter.identity.device_id in out and f"issue-code {setup['account_id']}" in out
    counter.append(make_case_draft(catalogue))
    report = engine_for(counter.store).run()
    assert report.locked and "激活已被县里撤销" in report.error.message
    assert counter.store.outbox_counts() == {"acked": 1, "sent": 1}  # kept for the county, not lost
    assert cli.main([*db, "revoke-device", counter.identity.device_id, "--reason", "再停一次"]) == cli.EXIT_FAILED
    assert "已经停用" in capsys.readouterr().out
    assert audit_trail(county, f"device:{counter.identity.device_id}")[-1][0] == "device.revoke"
    assert held_at_county(county) == (1, 1, 1)
