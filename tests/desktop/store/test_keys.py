"""The key ring: password and recovery code both unlock; wrong secrets are told plainly."""

from __future__ import annotations

import json

import pytest

from desktop.store.keys import (
    KeyRingError,
    WrongSecret,
    create_keyring,
    normalize_recovery_code,
    set_password,
    unlock,
    unlock_with_recovery,
)


def test_password_and_recovery_code_unlock_the_same_data_key(tmp_path):
    ring = tmp_path / "keyring.json"
    unlocked, code = create_keyring(ring, "fuliang2026")
    assert unlock(ring, "fuliang2026") == unlocked
    assert unlock_with_recovery(ring, code) == unlocked


def test_a_wrong_password_is_refused_in_plain_chinese(tmp_path):
    ring = tmp_path / "keyring.json"
    create_keyring(ring, "fuliang2026")
    with pytest.raises(WrongSecret, match="密码不对"):
        unlock(ring, "fuliang2025")


def test_recovery_code_is_forgiving_about_case_spaces_and_dashes(tmp_path):
    ring = tmp_path / "keyring.json"
    unlocked, code = create_keyring(ring, "fuliang2026")
    assert not set("0O1I") & set(code)  # nothing that reads two ways
    typed = " " + code.lower().replace("-", " ") + "\n"
    assert normalize_recovery_code(typed) == code
    assert unlock_with_recovery(ring, typed) == unlocked


def test_forgotten_password_recovery_path_sets_a_new_password(tmp_path):
    ring = tmp_path / "keyring.json"
    unlocked, code = create_keyring(ring, "old-password")
    set_password(ring, unlock_with_recovery(ring, code), "new-password")
    assert unlock(ring, "new-password") == unlocked
    with pytest.raises(WrongSecret):
        unlock(ring, "old-password")


def test_the_data_key_never_appears_in_the_key_ring_file(tmp_path):
    ring = tmp_path / "keyring.json"
    unlocked, code = create_keyring(ring, "fuliang2026")
    raw = ring.read_bytes()
    assert unlocked.data_key.hex().encode() not in raw and unlocked.data_key not in raw
    assert code.encode() not in raw
    assert set(json.loads(raw)) == {"version", "password", "recovery"}


def test_short_passwords_and_second_stores_are_refused(tmp_path):
    with pytest.raises(KeyRingError, match="至少"):
        create_keyring(tmp_path / "a.json", "12345")
    create_keyring(tmp_path / "b.json", "fuliang2026")
    with pytest.raises(KeyRingError, match="已经有台账"):
        create_keyring(tmp_path / "b.json", "fuliang2026")


def test_a_damaged_key_ring_says_what_to_do(tmp_path):
    ring = tmp_path / "keyring.json"
    ring.write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyRingError, match="恢复码"):
        unlock(ring, "fuliang2026")
