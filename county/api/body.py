"""Reading a request body safely: size limits, bounded inflating; strict JSON from county/services/strict_json.py."""

from __future__ import annotations

import zlib

from fastapi import Request

from county.errors import CountyError, Refusal
from county.services.strict_json import parse_json, parse_model  # noqa: F401  (the routes' and benches' entry)
from sync.body_codec import DICT_ENCODING, GZIP, decompressor

TOO_LARGE = "这批数据太大了，柜台会自动分成小批重新上传。"


async def read_body(request: Request, *, max_bytes: int, max_uncompressed: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise CountyError(Refusal.TOO_LARGE, "body_too_large", TOO_LARGE)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise CountyError(Refusal.TOO_LARGE, "body_too_large", TOO_LARGE)
        chunks.append(chunk)
    raw = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding in (DICT_ENCODING, GZIP):
        return _inflate(raw, encoding, max_uncompressed)
    if encoding != "identity":
        raise CountyError(Refusal.UNSUPPORTED, "bad_encoding", "不支持的压缩方式，请升级柜台软件。")
    if len(raw) > max_uncompressed:
        raise CountyError(Refusal.TOO_LARGE, "body_too_large", TOO_LARGE)
    return raw


def _inflate(raw: bytes, encoding: str, limit: int) -> bytes:
    """Decompress at most ``limit`` bytes: a deflate bomb stops at the limit instead of filling memory."""
    inflater = decompressor(encoding)
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise CountyError(Refusal.INVALID, "bad_gzip", "数据在传输中损坏了，会自动重新上传。") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise CountyError(Refusal.TOO_LARGE, "body_too_large", TOO_LARGE)
    if not inflater.eof:
        raise CountyError(Refusal.INVALID, "bad_gzip", "数据在传输中不完整，会自动重新上传。")
    return out
