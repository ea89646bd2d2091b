"""The 专区's self-hosted challenge (算术验证): a sum in Chinese words, answered in a plain form field, no script.

Shown only when one address hammers a form. The server keeps nothing until it is answered: the form carries
``nonce.expires.mac``, where the MAC (HMAC-SHA-256 under ``Settings.challenge_key``) binds the nonce, the expiry,
the client address and the right answer, so the answer is nowhere in the page but the words of the question. An
answered nonce is written down (``public_attempt``, kind ``nonce``) until it expires: each challenge is good once,
right or wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from county.errors import CountyError, Refusal
from county.models import PublicAttempt
from county.services.common import utcnow

DIGITS = "零一二三四五六七八九"
NONCE_KIND = "nonce"
WRONG = "验证题答得不对或已过期，请算一算下面这道新题再提交。"


@dataclass(frozen=True)
class Challenge:
    question: str  # e.g. 十二加七等于几？
    token: str


def chinese_number(n: int) -> str:
    """0–99 as it is read: 七, 十二, 二十, 四十五."""
    if not 0 <= n < 100:
        raise ValueError(n)
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def _mac(key: bytes, nonce: str, expires: int, client: str, answer: int) -> str:
    message = f"{nonce}|{expires}|{client}|{answer}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def make(key: bytes, client: str, ttl_seconds: int) -> Challenge:
    a, b = secrets.randbelow(19) + 2, secrets.randbelow(9) + 1
    if secrets.randbelow(2):
        question, answer = f"{chinese_number(a)}加{chinese_number(b)}等于几？", a + b
    else:
        a = max(a, b + 1)
        question, answer = f"{chinese_number(a)}减{chinese_number(b)}等于几？", a - b
    nonce = secrets.token_hex(8)
    expires = int(utcnow().timestamp()) + ttl_seconds
    return Challenge(question, f"{nonce}.{expires}.{_mac(key, nonce, expires, client[:64], answer)}")


def read_answer(text: str) -> int | None:
    """Arabic digits (full width too) or the Chinese words of 0–99."""
    text = unicodedata.normalize("NFKC", text or "").strip()[:8]
    if text.isdigit():
        return int(text)
    words = {chinese_number(n): n for n in range(100)}
    return words.get(text)


def check(session: Session, key: bytes, token: str, answer_text: str, client: str) -> None:
    """Accept a right, unexpired, unused answer from the address it was made for; the nonce is used up either
    way (the caller commits). CountyError(INVALID, "challenge") otherwise."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit() or len(parts[0]) != 16:
        raise CountyError(Refusal.INVALID, "challenge", WRONG)
    nonce, expires, mac = parts[0], int(parts[1]), parts[2]
    now = utcnow()
    session.execute(
        delete(PublicAttempt).where(
            PublicAttempt.kind == NONCE_KIND, PublicAttempt.at < now - timedelta(seconds=24 * 3600)
        )
    )
    used = session.scalar(
        select(PublicAttempt.id).where(PublicAttempt.kind == NONCE_KIND, PublicAttempt.key == nonce).limit(1)
    )
    session.add(PublicAttempt(kind=NONCE_KIND, client=client[:64], key=nonce, at=now))
    answer = read_answer(answer_text)
    if (
        used is not None
        or expires < now.timestamp()
        or answer is None
        or not hmac.compare_digest(mac, _mac(key, nonce, expires, client[:64], answer))
    ):
        raise CountyError(Refusal.INVALID, "challenge", WRONG)
