"""Request bodies on the wire: deflate primed with the protocol's dictionary (``ssb-dict-1``), or gzip.

A batch of 50 events pays gzip's learning cost for every key and value it repeats; a preset dictionary of
what push bodies always contain (the message and event keys, the enumerations, the 2024.1 catalogue's item
codes with their flows, points and materials) saves that cost (docs/sync-protocol.md, "Transport"). The
dictionary is frozen: changing a single byte of it needs a new encoding name, served beside this one.
"""

from __future__ import annotations

import zlib

DICT_ENCODING = "ssb-dict-1"
GZIP = "gzip"

# The 2024.1 catalogue as push bodies spell it: item code, flow, points, material codes (frozen).
_ITEMS = (
    ("FL001", "payment", 1, ""),
    ("FL002", "payment", 1, "account"),
    ("FL003", "payment", 1, "account"),
    ("FL004", "payment", 2, "account"),
    ("FL005", "payment", 2, "id_card"),
    ("FL006", "payment", 2, "id_card ss_card"),
    ("FL007", "online", 2, "id_card"),
    ("FL008", "online", 2, "id_card ss_card photo"),
    ("FL009", "online", 2, "id_card certificate"),
    ("FL010", "online", 3, "id_card reason agent_id"),
    ("FL011", "online", 3, "id_card phone ss_card"),
    ("FL012", "payment", 3, "bank_card"),
    ("FL013", "online", 3, "id_card hukou plan licence status"),
    ("FL014", "online", 3, "id_card promise referral"),
    ("FL015", "approval", 4, "application id_card premises proxy"),
    ("FL016", "approval", 4, "application licence id_card premises proxy"),
    ("FL017", "approval", 4, "application licence id_card permit proxy"),
    ("FL018", "approval", 4, "application licence id_card proxy"),
    ("FL019", "approval", 5, "application identity design photo property safety"),
    ("FL020", "approval", 5, "application identity site_plan safety traffic works"),
)
# Every event type's shape with empty values, then the common case: nearest the end is cheapest to refer to.
_SHAPES = (
    '"mode":"home","applicant_kind":"org","mode":"activity_day","direction":"to_citizen",'
    '{"id":"","type":"case.amended","t":"","body":{"case_id":"","changes":{}}},'
    '{"id":"","type":"case.completed","t":"","body":{"case_id":""}},'
    '{"id":"","type":"case.voided","t":"","body":{"case_id":"","reason":""}},'
    '{"id":"","type":"materials.sent","t":"","body":{"case_id":"","mailing_id":""}},'
    '{"id":"","type":"mailing.recorded","t":"","body":{"mailing_id":"","business_date":"","direction":"to_department",'
    '"unit_code":"","contents":"","pieces":1,"case_ids":[""]},'
    '"pii":{"recipient_name":"","recipient_mobile":"","recipient_address":""},"salt":""},'
    '{"id":"","type":"mailing.dispatched","t":"","body":{"mailing_id":"","tracking_no":""}},'
    '{"id":"","type":"mailing.delivered","t":"","body":{"mailing_id":""}},'
    '{"id":"","type":"day.closed","t":"","body":{"business_date":"","case_count":0,"voided_count":0,"mailing_count":0,'
    '"amount_fen_total":0,"points_estimate":0,"unsynced_before_close":0}},'
    '{"code":"","status":"missing"}],"amount_fen":null},"pii":{"name":"","credit_code":"9236","mobile":"1"},"salt":""},'
    '{"device_id":"","from_seq":1,"prev_hash":"","head_hash":"","events":[{"id":"","type":"case.recorded",'
    '"t":"2026-11-16T08:30:00.000+08:00","body":{"case_id":"","receipt_no":"-","business_date":"2026-",'
    '"catalogue_version":"2024.1","mode":"point","applicant_kind":"person","village":"","notes":"","consent":true,'
    '"item_code":"","flow":"payment","points":1,"materials":[],"amount_fen":null},'
    '"pii":{"name":"","id_number":"3602","mobile":"1"},"salt":""},'
)


def _item_text(code: str, flow: str, points: int, materials: str) -> str:
    listed = ",".join(f'{{"code":"{name}","status":"received"}}' for name in materials.split())
    return f'"item_code":"{code}","flow":"{flow}","points":{points},"materials":[{listed}],"amount_fen":'


DICTIONARY = ("".join(_SHAPES) + "".join(_item_text(*item) for item in _ITEMS)).encode("utf-8")


def compress(data: bytes) -> bytes:
    """``data`` as raw deflate (RFC 1951, no header) primed with DICTIONARY, at the best compression."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)
    return packer.compress(data) + packer.flush()


def decompressor(encoding: str) -> zlib._Decompress:
    """A bounded-use inflater for a request's Content-Encoding (``DICT_ENCODING`` or ``GZIP``)."""
    if encoding == DICT_ENCODING:
        return zlib.decompressobj(-15, zdict=DICTIONARY)
    if encoding == GZIP:
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    raise ValueError(f"unknown content encoding {encoding!r}")
