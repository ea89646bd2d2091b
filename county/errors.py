"""Every error the endpoint answers with: one JSON shape, a stable code, a Chinese message."""

from __future__ import annotations


class ApiError(Exception):
    """An expected refusal. Never carries exception text or stack traces to the client."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: int | None = None, resend_from: int | None = None
    ):
        super().__init__(message)
        self.status = status
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


def unauthorised(message: str = "这台电脑的登录凭证无效，请联系乡镇或县政务服务管理局重新激活。") -> ApiError:
    return ApiError(401, "auth_invalid", message)


def revoked(what: str) -> ApiError:
    messages = {
        "device": "这台电脑的激活已被县里撤销，暂时不能同步。本机台账数据都还在，请联系县政务服务管理局。",
        "account": "代办员账号已被县里注销，暂时不能同步。本机台账数据都还在，请联系县政务服务管理局。",
        "point": "本代办点已被县里撤销，暂时不能同步。本机台账数据都还在，请联系县政务服务管理局。",
    }
    return ApiError(403, f"{what}_revoked", messages[what])


def overloaded(retry_after: int) -> ApiError:
    return ApiError(503, "overloaded", "县里的服务器正忙，稍后会自动重试，数据不会丢失。", retry_after=retry_after)
