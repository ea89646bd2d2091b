"""Certificate trouble looked at closer (证书问题): the county's CA file checked, a Wi-Fi login page told apart.

A public Wi-Fi that wants a login first (宾馆、车站) answers every HTTPS connection with its own certificate:
one for its own name, or one nobody issued. The client only sees "wrong name" or "unknown issuer"; here the
certificate that was presented is fetched once more (a bare TLS handshake, nothing sent, never trusted) and
its names compared with the county's address. Names from another site mean the network is in between, not
the county.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import NameOID

from sync.client import CertificateProblem
from sync.tls import trust_context

PROBE_TIMEOUT_S = 5.0
# Second-level zones under which the site is the third label from the right (ssb.fuliang.gov.cn → fuliang.gov.cn).
ZONES = frozenset({"gov.cn", "com.cn", "org.cn", "net.cn", "edu.cn", "ac.cn"})


def ca_file_problem(path: str) -> str | None:
    """Why a CA file chosen in the settings cannot be used (in Chinese), or None; an empty path means none."""
    if not path:
        return None
    try:
        trust_context(path)
    except (OSError, ValueError):
        return "这个文件打不开或者不是证书，没有保存。请选择县里给的证书文件（一般以 .pem、.crt 或 .cer 结尾）。"
    return None


def site_of(host: str) -> str:
    """The registered site a host name belongs to: its last two labels, or three under a zone like gov.cn."""
    labels = host.lower().rstrip(".").split(".")
    keep = 3 if ".".join(labels[-2:]) in ZONES else 2
    return ".".join(labels[-keep:])


def presented_names(host: str, port: int, timeout: float = PROBE_TIMEOUT_S) -> list[str] | None:
    """The DNS names and addresses in the certificate a server presents, fetched without trusting it; None if
    it cannot be had. Only the handshake happens: no request, no credential, nothing of the ledger."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE  # to read the certificate only; it is never used to send anything
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            probe.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
        cert = x509.load_der_x509_certificate(der)
    except (OSError, ValueError):
        return None
    names = [attr.value for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [str(name) for name in names]
    names += alt.get_values_for_type(x509.DNSName)
    names += [str(address) for address in alt.get_values_for_type(x509.IPAddress)]
    return [str(name) for name in names]


def belongs_to(name: str, host: str) -> bool:
    """Whether a certificate's name is the county's own site (the host itself, or a name under its site)."""
    name, host = name.lower().removeprefix("*.").rstrip("."), host.lower().rstrip(".")
    try:
        return ipaddress.ip_address(host) == ipaddress.ip_address(name)
    except ValueError:
        pass
    site = site_of(host)
    return name in (host, site) or name.endswith("." + site)


def portal_in_between(url: str) -> bool:
    """Whether the certificate met on the way to ``url`` is for another site altogether (a login page's)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    names = presented_names(parts.hostname, parts.port or 443)
    return bool(names) and not any(belongs_to(name, parts.hostname) for name in names)


def closer_look(error: BaseException, url: str) -> BaseException:
    """A wrong name or unknown issuer re-told as a Wi-Fi login page when the certificate is another site's."""
    if isinstance(error, CertificateProblem) and error.problem in ("wrong_name", "unknown_issuer"):
        if portal_in_between(url):
            return CertificateProblem("portal")
    return error
