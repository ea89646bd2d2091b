"""Cross-site request forgery (CSRF) guard for the 专区's forms, which have no sign-in and so no session token.

A double-submit token: the page that shows a form sets a random token in a cookie (HttpOnly, SameSite=Strict,
only under /ssb) and writes the same token into the form. A post counts only when the two agree, and when the
browser says it came from this site (``Origin`` or ``Sec-Fetch-Site``, where sent: the 专区's
no-referrer policy makes Chromium send ``Origin: null``, which tells nothing). Another site can make a
visitor's browser post, but cannot read or set this cookie, and a strict cookie is not sent on its posts. It
works with scripts off, which the 专区's phones need.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from county.errors import CountyError, Refusal

COOKIE = "ssb_form"
FIELD = "ft"
STALE = "提交没有成功：这一页已经过期，或者不是从本网站打开的。您填写的内容还在，请核对后再提交一次。"


def form_token(request: Request) -> str:
    """The token for a form about to be shown: the visitor's own if one is set (several tabs stay valid)."""
    held = request.cookies.get(COOKIE, "")
    return held if _well_formed(held) else secrets.token_urlsafe(24)


def keep_token(request: Request, response: Response, token: str) -> Response:
    """Set ``token`` in the visitor's cookie; a page carrying it must not be cached."""
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", path="/ssb", secure=request.url.scheme == "https"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def from_this_site(request: Request, sent: str) -> bool:
    """Whether a post carries the cookie's token and was not sent by another site."""
    held = request.cookies.get(COOKIE, "")
    if not (_well_formed(held) and hmac.compare_digest(held.encode(), sent.encode())):
        return False
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin", "null")  # "null" under our no-referrer policy: no information
    return origin == "null" or urlsplit(origin).netloc == request.url.netloc


def require_this_site(request: Request, sent: str) -> None:
    """Refuse (403, in words) a post that did not come from the 专区's own page; nothing is saved."""
    if not from_this_site(request, sent):
        raise CountyError(Refusal.FORBIDDEN, "stale_form", STALE)


def _well_formed(token: str) -> bool:
    return 16 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
