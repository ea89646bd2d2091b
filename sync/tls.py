"""How the counter reaches the county safely: HTTPS beyond loopback, the PC's own trust store, certificate trouble sorted.

Every county address must be ``https://`` unless it is this machine (127.0.0.0/8, ::1, ``localhost``: the
training county and tests). Certificates are checked against the operating system's store through
``truststore`` (Windows' own store on a counter PC, so a CA the county's IT installs there just works), plus an
optional CA file the county hands out. There is no way to switch the check off. A failed check is sorted
(expired, not yet valid, wrong name, unknown issuer, revoked, too old a TLS) into a message the agent can act on.
"""

from __future__ import annotations

import ipaddress
import ssl
from urllib.parse import urlsplit

import truststore

LOOPBACK_NAMES = frozenset({"localhost"})
ADDRESS_SHAPE = "地址要以 https:// 开头，例如 https://ssb.fuliang.gov.cn，请照县里告知的填写。"
NOT_HTTPS = (
    "县里服务器地址必须以 https:// 开头（加密连接）。用 http:// 时，群众的姓名、身份证号和手机号会不加密地"
    "经过网络，所以这台电脑不会使用这个地址。请照县里告知的地址填写；县里只给了 http:// 地址的，"
    "请打电话问县政务服务管理局要 https:// 地址。"
)

# OpenSSL's verify codes (Linux), Windows' CERT_E_* (truststore passes CertVerifyCertificateChainPolicy's
# dwError) and macOS' errSec* codes, each to the problem it means.
_OPENSSL = {10: "expired", 9: "not_yet_valid", 62: "wrong_name", 64: "wrong_name", 23: "revoked"} | {
    code: "unknown_issuer" for code in (2, 18, 19, 20, 21)
}
_WINDOWS = {
    0x800B0101: "expired",  # CERT_E_EXPIRED: outside its validity period, either side (Windows does not say which)
    0x800B010F: "wrong_name",  # CERT_E_CN_NO_MATCH
    0x800B0109: "unknown_issuer",  # CERT_E_UNTRUSTEDROOT
    0x800B010A: "unknown_issuer",  # CERT_E_CHAINING
    0x800B0112: "unknown_issuer",  # CERT_E_UNTRUSTEDCA
    0x800B010C: "revoked",  # CERT_E_REVOKED
    0x80092010: "revoked",  # CRYPT_E_REVOKED
}
_MACOS = {-67818: "expired", -67819: "not_yet_valid", -67602: "wrong_name", -67843: "unknown_issuer"}
_WORDS = (
    ("not yet valid", "not_yet_valid"),
    ("expired", "expired"),
    ("hostname mismatch", "wrong_name"),
    ("ip address mismatch", "wrong_name"),
    ("revoked", "revoked"),
    ("issuer", "unknown_issuer"),
    ("self-signed", "unknown_issuer"),
    ("self signed", "unknown_issuer"),
    ("not trusted", "unknown_issuer"),
)
_OLD_TLS = frozenset({"UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE"})

NOTHING_LOST = "这次没有发出任何记录，记录都保存在本机，不会丢失。"
CALL = "请打电话告诉县政务服务管理局（负责信息化的同志）出现了这个提示。"
CLOCK = "请先看电脑右下角的日期和时间对不对（“同步”页的“电脑时钟”一行也会提示），不对的改正后再试。"
MESSAGES = {
    "expired": "县里服务器的安全证书显示已经过期，所以没有连接。如果这台电脑的日期比实际晚（例如年份错了），也会这样。"
    f"{CLOCK}日期时间是对的，就是县里的证书到期了，{CALL}{NOTHING_LOST}",
    "not_yet_valid": "县里服务器的安全证书显示还没到生效的日子，这多半是这台电脑的日期时间不对（比实际早），所以没有连接。"
    f"{CLOCK}日期时间是对的，{CALL}{NOTHING_LOST}",
    "wrong_name": "连上的服务器出示的安全证书不是县里这个地址的，可能连错了地方，所以没有连接。请核对县里服务器地址是否和县里告知的一样；"
    f"地址没错，{CALL}{NOTHING_LOST}",
    "unknown_issuer": "县里服务器的安全证书不是这台电脑认识的机构发的，所以没有连接。县里用自己的证书时，要由县里的信息化人员"
    f"把证书装到这台电脑上，或者在“设置”里选上县里给的证书文件。{CALL}{NOTHING_LOST}",
    "revoked": f"县里服务器的安全证书已经被注销，所以没有连接。{CALL}{NOTHING_LOST}",
    "old_tls": f"县里服务器用的加密方式太旧（低于 TLS 1.2），这台电脑不使用，所以没有连接。{CALL}{NOTHING_LOST}",
    "portal": "这个网络要先登录才能上网（宾馆、车站、商场的无线网常这样），它拦住了去县里的连接，所以没有连接。"
    "请用浏览器打开任意网页，按提示登录后再试；或者换用自己的手机流量、店里的宽带。" + NOTHING_LOST,
    "ca_file": "“设置”里选的县里证书文件打不开或者不是证书，所以没有连接。请重新选择县里给的证书文件（一般以 .pem、"
    f".crt 或 .cer 结尾）；拿不准的，请打电话问县政务服务管理局（负责信息化的同志）。{NOTHING_LOST}",
    "other": f"和县里服务器建立加密连接时，安全证书没有通过检查，所以没有连接。{CALL}{NOTHING_LOST}",
}


def is_loopback(host: str) -> bool:
    """This machine: 127.0.0.0/8, ::1 or ``localhost``."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_problem(url: str) -> str | None:
    """Why a county address cannot be used (in Chinese), or None: https, or http to this machine only."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return ADDRESS_SHAPE
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        return ADDRESS_SHAPE
    if scheme == "http" and not is_loopback(parts.hostname):
        return NOT_HTTPS
    return None


def is_downgrade(from_url: str, to_url: str) -> bool:
    """A redirect that leaves HTTPS, or that leads anywhere a county address may not be."""
    leaves_https = urlsplit(from_url).scheme.lower() == "https" and urlsplit(to_url).scheme.lower() != "https"
    return leaves_https or address_problem(to_url) is not None


def trust_context(ca_file: str = "") -> ssl.SSLContext:
    """TLS 1.2 or newer, checked against the operating system's store, plus the county's CA file when given.

    Raises OSError or ssl.SSLError when the CA file cannot be read as certificates.
    """
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname and CERT_REQUIRED, never off
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _causes(exc: BaseException):
    """The exception, its causes and the exceptions it carries as arguments (requests wraps urllib3 wraps ssl)."""
    seen, todo = set(), [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__, getattr(current, "reason", None)) if e)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))


def certificate_problem(exc: BaseException) -> str | None:
    """The kind of certificate trouble behind a failed request, or None when it was not a certificate's fault."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            code = getattr(cause, "verify_code", None)
            if isinstance(code, int):
                found = _OPENSSL.get(code) or _WINDOWS.get(code & 0xFFFFFFFF) or _MACOS.get(code)
                if found:
                    return found
            text = str(getattr(cause, "verify_message", "") or cause).lower()
            return next((problem for word, problem in _WORDS if word in text), "other")
        if isinstance(cause, ssl.SSLError) and getattr(cause, "reason", None) in _OLD_TLS:
            return "old_tls"
    return None


__all__ = ["MESSAGES", "address_problem", "certificate_problem", "is_downgrade", "is_loopback", "trust_context"]
