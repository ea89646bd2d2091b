"""How each of the county's refusals is answered over HTTP: the one place that knows the status codes."""

from __future__ import annotations

from county.errors import CountyError, Refusal

HTTP_STATUS = {
    Refusal.INVALID: 400,
    Refusal.UNAUTHENTICATED: 401,
    Refusal.FORBIDDEN: 403,
    Refusal.NOT_FOUND: 404,
    Refusal.CONFLICT: 409,
    Refusal.TOO_LARGE: 413,
    Refusal.UNSUPPORTED: 415,
    Refusal.UNPROCESSABLE: 422,
    Refusal.OUTDATED: 426,
    Refusal.TOO_MANY: 429,
    Refusal.BUSY: 503,
}


def status_of(error: CountyError) -> int:
    return HTTP_STATUS[error.kind]
