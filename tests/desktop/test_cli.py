"""The ``suishenban`` command: the window or the no-screen line, self-test, demo, store check, password reset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import cli, demo
from desktop.store.keys import unlock
from desktop.store.layout import StoreLayout
from desktop.store.opening import open_store
from sync.ledger.receipts import parse_receipt_no
from tests.county.conftest import county, county_engine, county_limits, evidence_backend  # noqa: F401 - fixtures


def test_training_demo_records_a_practice_day_and_can_run_again(tmp_path, capsys):
    folder = tmp_path / "training"
    assert cli.main(["--training", "--data-dir", str(folder), "demo"]) == 0
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
    assert cli.main(["--data-dir", str(tmp_path), "demo"]) == cli.EXIT_USAGE
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


@pytest.mark.parametrize("argv", [[], ["window"]])
def test_without_a_screen_the_real_ledger_says_so_in_one_line_and_exits(tmp_path, capsys, monkeypatch, argv):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    assert cli.main(["--data-dir", str(tmp_path / "data"), *argv]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "没有检测到屏幕" in out and "--training" in out and "--self-test" in out
    assert not (tmp_path / "data").exists()


def test_with_a_screen_the_window_opens_on_the_chosen_ledger(tmp_path, monkeypatch):
    import desktop.app

    opened = {}
    monkeypatch.setattr(cli, "has_screen", lambda: True)
    monkeypatch.setattr(
        desktop.app, "run", lambda folder, training: opened.update(folder=folder, training=training) or 0
    )
    assert cli.main(["--training", "--data-dir", str(tmp_path)]) == 0
    assert opened == {"folder": tmp_path, "training": True}


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", False),
        ({}, "win32", True),
    ],
)
def test_what_counts_as_a_screen(env, platform, expected):
    assert cli.has_screen(env, platform) is expected


def test_self_test_records_a_case_through_the_real_form_headless():
    root = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--self-test"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "自检通过" in result.stdout and "回执编号 9999-" in result.stdout


@pytest.mark.parametrize("county_engine", ["sqlite"], indirect=True)
def test_export_sync_writes_the_signed_encrypted_file_for_the_stick(tmp_path, capsys, monkeypatch, county):
    from desktop.services.activation import activate
    from tests.county.conftest import new_point
    from tests.factories import PASSWORD, make_case_draft

    store = activate(county.base_url, new_point(county)["code"], tmp_path / "data", PASSWORD).store
    for _ in range(3):
        store.append(make_case_draft())
    store.close()
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: PASSWORD)
    stick = tmp_path / "瑶里村-同步文件.ssb"
    assert cli.main(["--data-dir", str(tmp_path / "data"), "export-sync", str(stick)]) == 0
    out = capsys.readouterr().out
    assert "已把 3 条待同步的记录导出" in out and "乡镇" in out
    assert stick.read_bytes().startswith(b"SUISHENBAN-SYNC 2\n")  # the encrypted format


def test_export_sync_from_a_ledger_never_activated_says_so(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "training"
    demo.run(folder, echo=lambda _line: None)
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: demo.TRAINING_PASSWORD)
    assert cli.main(["--data-dir", str(folder), "export-sync", str(tmp_path / "x.ssb")]) == cli.EXIT_FAILED
    assert "还没有激活" in capsys.readouterr().out and not (tmp_path / "x.ssb").exists()
