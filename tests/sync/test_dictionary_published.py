"""The ssb-dict-1 preset dictionary is published byte for byte, so a client in any language can be built from the docs."""

from __future__ import annotations

import hashlib
import re
import zlib
from pathlib import Path

from sync.body_codec import DICTIONARY

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_published_file_and_hash_are_the_dictionary_the_code_uses():
    published = (DOCS / "protocol" / "ssb-dict-1.txt").read_bytes()
    assert published == DICTIONARY
    text = (DOCS / "sync-protocol.md").read_text(encoding="utf-8")
    (stated,) = re.findall(r"SHA-256\s+`([0-9a-f]{64})`", text)
    assert stated == hashlib.sha256(published).hexdigest()
    assert f"{len(published):,} bytes" in text


def test_a_body_deflated_with_the_published_bytes_reads_back():
    body = b'{"device_id":"d","from_seq":1,"events":[]}'
    squeeze = zlib.compressobj(wbits=-15, zdict=(DOCS / "protocol" / "ssb-dict-1.txt").read_bytes())
    packed = squeeze.compress(body) + squeeze.flush()
    unpack = zlib.decompressobj(wbits=-15, zdict=DICTIONARY)
    assert unpack.decompress(packed) + unpack.flush() == body
