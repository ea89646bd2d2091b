"""The county's refusals: a kind, a stable code and a Chinese message; county/api maps each kind to HTTP."""

from __future__ import annotations

from enum import Enum


class Refusal(Enum):
    """Why the county refuses; the services say which, the API layer decides the HTTP status (api/errors.py)."""

    INVALID = "invalid"  # the input breaks a rule
    UNAUTHENTICATED = "unauthenticated"  # no valid credential
    FORBIDDEN = "forbidden"  # a valid credential whose standing does not allow it (revoked)
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # disagrees with what the county already holds
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"  # a body encoding the county does not read
    UNPROCESSABLE = "unprocessable"  # a request that does not parse
    OUTDATED = "outdated"  # a counter older than the county accepts
    TOO_MANY = "too_many"  # throttled
    BUSY = "busy"  # overloaded: try again later


class CountyError(Exception):
    """An expected refusal. Never carries exception text or stack traces to the client."""

    def __init__(
        self,
        kind: Refusal,
        code: str,
        message: str,
        *,
        retry_after: int | None = None,
        resend_from: int | None = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.resend_from = resend_from

    def body(self) -> dict:
        error: dict = {"code": self.code, "message": self.message}
        if self.retry_after is not None:
            error["retry_after"] = self.retry_after
        if self.resend_from is not None:
            error["resend_from"] = self.resend_from
        return {"error": error}


def unauthorised(message: str = "这台电脑的登录凭证无效，请联系乡镇或县政务服务管理局重新激活。") -> CountyError:
    return CountyError(Refusal.UNAUTHENTICATED, "auth_invalid", message)


HANDOVER = "本机台账数据都还在：请打印“交接清单”，把群众的材料和寄递连同清单交给乡镇。"


def revoked(what: str, reason: str = "") -> CountyError:
    if what == "point":
        why = f"（原因：{reason[:200]}）" if reason else ""
        return CountyError(Refusal.FORBIDDEN, "point_revoked", f"本代办点已被县里撤销{why}，暂时不能同步。{HANDOVER}")
    messages = {
        "device": "这台电脑的激活已被县里撤销，暂时不能同步。本机台账数据都还在，请联系县政务服务管理局。",
        "account": "代办员账号已被县里注销，暂时不能同步。本机台账数据都还在，请联系县政务服务管理局。",
    }
    return CountyError(Refusal.FORBIDDEN, f"{what}_revoked", messages[what])


def overloaded(retry_after: int) -> CountyError:
    return CountyError(
        Refusal.BUSY, "overloaded", "县里的服务器正忙，稍后会自动重试，数据不会丢失。", retry_after=retry_after
    )
