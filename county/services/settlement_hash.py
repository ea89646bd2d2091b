"""The content hash of a settlement version: SHA-256 over one canonical serialisation of what it pays.

Canonical: UTF-8 JSON with sorted keys, no spaces, lines in point-code order and clawbacks in case order,
money as decimal text with two places, database ids left out (they differ between reruns). The quarter and the
value of a point are in it, and a digest of every case's award (what a later clawback takes back); the version
number and the reason are not, so an unchanged rerun hashes the same. A released hold (解除暂缓) is in it when
there is one.
"""

from __future__ import annotations

import hashlib
import json

LINE_FIELDS = (
    "point_code",
    "point_name",
    "township_name",
    "months",
    "points",
    "gross",
    "released",
    "clawback",
    "owed_in",
    "payout",
    "owed_out",
    "held_out",
    "hold_reason",
    "hold_released",
)
# in the serialisation only when set: versions from before 解除暂缓 existed keep their hash
OPTIONAL_FIELDS = frozenset({"hold_released"})
CLAWBACK_FIELDS = ("case_id", "receipt_no", "paid_quarter", "points", "point_value", "amount", "reason")


def awards_digest(awards: list[dict]) -> str:
    """SHA-256 over one line per credited case, ``case_id month points``, in case-id order."""
    text = "\n".join(sorted(f"{a['case_id']} {a['month']} {a['points']}" for a in awards))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fields(line: dict) -> dict:
    return {k: line.get(k) for k in LINE_FIELDS if k not in OPTIONAL_FIELDS or line.get(k) is not None}


def canonical(quarter: str, point_value: str, lines: list[dict], clawbacks: list[dict], awards_hex: str) -> str:
    """``awards_hex``: ``awards_digest`` of the version's awards (or the same figure computed where they are stored,
    county/services/settlement_sums.py)."""
    codes = {line["point_id"]: line["point_code"] for line in lines}
    body = {
        "awards": awards_hex,
        "quarter": quarter,
        "point_value": point_value,
        "lines": sorted((_fields(line) for line in lines), key=lambda x: x["point_code"]),
        "clawbacks": sorted(
            ({"point_code": codes.get(c["point_id"], ""), **{k: c[k] for k in CLAWBACK_FIELDS}} for c in clawbacks),
            key=lambda x: (x["point_code"], x["case_id"]),
        ),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(quarter: str, point_value: str, lines: list[dict], clawbacks: list[dict], awards_hex: str) -> str:
    return hashlib.sha256(canonical(quarter, point_value, lines, clawbacks, awards_hex).encode("utf-8")).hexdigest()
