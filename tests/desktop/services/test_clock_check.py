"""The offline clock check: a PC clock behind the ledger or far past the last county contact is told plainly."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from desktop import cli
from desktop.services.clock_check import check_clock
from desktop.services.recording import save_case
from desktop.store.engine import write
from desktop.store.ledger import set_meta
from sync.ledger.events import CHINA_TZ, format_time
from sync.ledger.forms import FormErrors
from tests.desktop.services.conftest import NOW
from tests.factories import make_case_form


def test_a_clock_in_step_with_the_ledger_says_nothing(counter):
    save_case(counter, make_case_form())
    assert check_clock(counter) is None


def test_a_clock_set_back_is_shown_at_start_and_at_save_and_the_save_still_goes_through(counter):
    save_case(counter, make_case_form())  # recorded at NOW
    counter.clock = lambda: NOW - timedelta(days=400)  # the CMOS battery died: the PC thinks it is last year
    start = check_clock(counter)
    assert start and "比台账里最新一条记录" in start and "请核对电脑右下角的日期和时间" in start
    saved = save_case(counter, make_case_form())
    assert saved.receipt_no and "还早" in saved.clock_note


def test_a_clock_far_past_the_last_county_contact_is_shown(counter):
    with write(counter.store.engine) as conn:
        set_meta(conn, sync_last_success=format_time(NOW))
    counter.clock = lambda: NOW + timedelta(days=3650)  # a year typed wrong
    message = check_clock(counter)
    assert message and "最近一次和县里同步" in message and "晚了 3650 天" in message


def test_a_backup_made_under_a_clock_ahead_is_evidence_until_a_newer_backup(counter):
    with time_machine.travel(datetime(2036, 5, 1, 10, 0, tzinfo=CHINA_TZ), tick=False):
        counter.store.backup("manual")
    assert "最近一次自动备份" in check_clock(counter)
    save_case(counter, make_case_form())
    with time_machine.travel(NOW, tick=False):
        counter.store.backup("manual")  # furthest ahead now: the 2036 copy no longer speaks for the clock
    assert check_clock(counter) is None


def test_a_date_before_2020_refuses_the_save_with_what_to_do(counter):
    counter.clock = lambda: datetime(2019, 6, 1, 10, 0, tzinfo=CHINA_TZ)
    with pytest.raises(FormErrors) as caught:
        save_case(counter, make_case_form())
    assert "电脑的日期是 2019年06月01日 10:00" in caught.value.errors["business_date"]


def test_the_command_line_demo_on_a_clock_before_2020_prints_a_message_not_a_traceback(tmp_path, capsys):
    with time_machine.travel(datetime(2019, 6, 1, 10, 0, tzinfo=CHINA_TZ), tick=False):
        code = cli.main(["--training", "--data-dir", str(tmp_path / "training"), "demo"])
    out = capsys.readouterr()
    assert code == cli.EXIT_FAILED and "Traceback" not in out.out + out.err
    assert "电脑的日期是 2019年06月01日" in out.out and "请核对电脑右下角的日期和时间" in out.out
