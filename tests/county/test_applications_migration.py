"""Migration 0015: agents whose accounts were opened before training was recorded keep getting activation codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from county.db import alembic_config, make_engine, upgrade
from county.errors import CountyError
from county.models import TrainingWaiver
from county.services import admin


def test_accounts_from_before_0015_keep_their_codes_and_new_ones_need_training(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'county.db'}")
    command.upgrade(alembic_config(engine), "0012_bench_indexes")  # the revision before 0015
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO township (id, name, created_at) VALUES (1, '瑶里镇', '2026-01-05 09:00:00')"))
        conn.execute(
            text(
                "INSERT INTO point (id, code, name, kind, township_id, state, created_at, village, address, hours, "
                "phone, phone_public) VALUES (1, '0001', '瑶里村小卖部', 'shop', 1, 'active', '2026-01-05 09:00:00', "
                "'', '', '', '', false)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO account (id, point_id, name, state, created_at) "
                "VALUES (7, 1, '王秀英', 'active', '2026-01-05 09:00:00')"
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        waiver = session.scalar(select(TrainingWaiver))
        assert (waiver.point_id, waiver.name, waiver.reason) == (1, "王秀英", "培训记录启用前已开通的账号")
        assert admin.issue_activation_code(session, 7, ttl=timedelta(hours=1), actor="cli:test").code
        with pytest.raises(CountyError, match="还没有参加过培训"):
            admin.create_account(session, "0001", "李四", actor="cli:test")
    engine.dispose()


def test_the_cli_opens_an_untrained_agents_account_only_with_a_reason(tmp_path, capsys):
    from county import cli as county_cli

    url = f"sqlite:///{tmp_path / 'county.db'}"
    assert county_cli.main(["--db", url, "create-township", "瑶里镇"]) == 0
    assert county_cli.main(["--db", url, "create-point", "瑶里村小卖部", "--township", "瑶里镇"]) == 0
    capsys.readouterr()
    assert county_cli.main(["--db", url, "create-account", "0001", "王秀英"]) != 0
    refused = capsys.readouterr().out
    assert "还没有参加过培训" in refused and "--untrained-reason" in refused
    assert (
        county_cli.main(["--db", url, "create-account", "0001", "王秀英", "--untrained-reason", "春节前急需开通"]) == 0
    )
    assert "一次性激活码" in capsys.readouterr().out
    with Session(make_engine(url)) as session:
        assert session.scalar(select(TrainingWaiver.reason)) == "春节前急需开通"
