"""The sync file's key: derived in sync/ with the standard library, as the cryptography package would."""

from __future__ import annotations

from sync.syncfile import token_hash_of


def test_the_key_is_rfc_5869_hkdf_as_the_cryptography_package_derives_it():
    """sync/ derives the key with the standard library (it imports no cryptography): the same bytes as HKDF."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from sync.syncfile import file_key

    device_id, token_hash = "0" * 31 + "1", token_hash_of("0" * 31 + "1.secret-part")
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=device_id.encode(), info=b"suishenban sync file 2")
    assert file_key(token_hash, device_id) == expected.derive(bytes.fromhex(token_hash))
    assert file_key(token_hash_of("0" * 31 + "1.other"), device_id) != file_key(token_hash, device_id)
