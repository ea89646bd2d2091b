"""Strict JSON for everything a counter sends (online pushes and sync files alike): no NaN, no duplicate keys."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from county.errors import CountyError, Refusal


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _no_constant(_text: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_pairs, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CountyError(Refusal.INVALID, "bad_json", "数据格式不对，已拒收。如果反复出现，请升级柜台软件。") from exc


def parse_model(model: type[BaseModel], raw: bytes) -> Any:
    """Hostile-input checks first (duplicate keys, NaN, nesting), then the strict model on the same bytes."""
    parse_json(raw)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"][:2]) for err in exc.errors()})[:5]
        raise CountyError(
            Refusal.UNPROCESSABLE, "bad_request", f"数据内容不符合要求（{'、'.join(fields)}），已拒收。"
        ) from exc
