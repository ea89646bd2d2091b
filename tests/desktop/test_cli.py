"""The ``suishenban`` command: training demo, store check and the forgotten-password path."""

from __future__ import annotations

import pytest

from desktop import cli, demo
from desktop.store.keys import unlock
from desktop.store.layout import StoreLayout
from desktop.store.opening import open_store
from sync.ledger.receipts import parse_receipt_no


def test_training_demo_records_a_practice_day_and_can_run_again(tmp_path, capsys):
    folder = tmp_path / "training"
    assert cli.main(["--training", "--data-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "【培训模式】" in out and "一次性告知" in out and "哈希链完整" in out
    receipts = [line.split()[1] for line in out.splitlines() if line.strip().startswith("回执")]
    assert len(receipts) == 3 and all(parse_receipt_no(r).point_code == "9999" for r in receipts)
    assert "360222" not in out and "13979812345" not in out  # citizens are masked on screen

    second = demo.run(folder, echo=lambda _line: None)
    assert second.chain_seq == 18 and second.points_credited == 8
    store, report = open_store(folder, demo.TRAINING_PASSWORD)
    try:
        assert report.recovery is None and store.verify().seq == 18
    finally:
        store.close()


def test_the_demo_refuses_to_write_samples_into_a_real_ledger(tmp_path, capsys):
    assert cli.main(["--data-dir", str(tmp_path)]) == cli.EXIT_USAGE
    assert "--training" in capsys.readouterr().out
    assert not any(tmp_path.iterdir())


def test_check_reports_a_healthy_store(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "training"
    demo.run(folder, echo=lambda _line: None)
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: demo.TRAINING_PASSWORD)
    assert cli.main(["--data-dir", str(folder), "check"]) == 0
    assert "台账正常：共 9 条记录" in capsys.readouterr().out


def test_check_with_a_wrong_password_says_so(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "training"
    demo.run(folder, echo=lambda _line: None)
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: "wrong-password")
    assert cli.main(["--data-dir", str(folder), "check"]) == cli.EXIT_FAILED
    assert "密码不对" in capsys.readouterr().out


@pytest.mark.parametrize("confirm_matches", [True, False])
def test_reset_password_with_the_recovery_code(tmp_path, capsys, monkeypatch, confirm_matches):
    from desktop.store.opening import create_store
    from tests.factories import PASSWORD, make_identity

    store, code = create_store(tmp_path / "data", PASSWORD, make_identity())
    folder, unlocked = store.layout.folder, store._unlocked
    store.close()
    ring = StoreLayout(folder).keyring
    answers = iter(["new-password-1", "new-password-1" if confirm_matches else "typo-password"])
    monkeypatch.setattr("builtins.input", lambda _prompt: code.lower())
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: next(answers))
    rc = cli.main(["--data-dir", str(folder), "reset-password"])
    out = capsys.readouterr().out
    if confirm_matches:
        assert rc == 0 and "新密码已设置好" in out
        assert unlock(ring, "new-password-1") == unlocked
        reopened, _ = open_store(folder, "new-password-1")  # the ledger itself opens with the new password
        reopened.close()
    else:
        assert rc == cli.EXIT_FAILED and "不一样" in out
        assert unlock(ring, PASSWORD) == unlocked
