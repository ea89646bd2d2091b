"""Activating this PC from the screen (激活): the form checked first, the county's refusals put beside their field.

The form is checked here before anything goes to the county, so that a typo never uses up the one-time
code, and the new password is checked before the code is spent (the ledger is created right after).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sync.ledger.events import china_now
from sync.tls import address_problem

CODE_ALPHABET = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
CODE_LENGTH = 12
# Where each refusal of the county belongs on the form.
CODE_REFUSALS = frozenset(
    {
        "activation_invalid",
        "activation_used",
        "activation_expired",
        "rate_limited",
        "account_revoked",
        "point_revoked",
        "device_revoked",
        "too_many_devices",
    }
)


@dataclass(frozen=True)
class ActivationForm:
    server_url: str
    code: str
    password: str
    again: str
    ca_file: str = ""  # the county's CA file, when it gave one (with the installer or the activation sheet)


class ActivationRefused(Exception):
    """The form or the county said no; ``errors`` maps a field (server, code, password, again) to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()))
        self.errors = errors


def normalize_code(text: str) -> str:
    """What the agent typed, as the county writes it: upper case, in groups of four (K7QX-M2PA-9TRD)."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def check_form(form: ActivationForm) -> dict[str, str]:
    from desktop.store.keys import KeyRingError, check_new_password

    errors = {}
    problem = address_problem(form.server_url)  # refused here, before anything goes out
    if problem:
        errors["server"] = problem
    if form.ca_file.strip():
        from desktop.services.certificates import ca_file_problem

        if trouble := ca_file_problem(form.ca_file.strip()):
            errors["ca_file"] = trouble
    raw = normalize_code(form.code).replace("-", "")
    if not raw:
        errors["code"] = "请填写县里发给您的激活码。"
    elif len(raw) != CODE_LENGTH or not set(raw) <= CODE_ALPHABET:
        errors["code"] = "激活码是 12 位字母和数字（例如 K7QX-M2PA-9TRD，没有 0、1、I、O），请对照纸条重新输入。"
    try:
        check_new_password(form.password)
    except KeyRingError as exc:
        errors["password"] = str(exc)
    if not errors.get("password") and form.again != form.password:
        errors["again"] = "两次输入的密码不一样，请重新输入。"
    return errors


def refusal_field(code: str) -> str:
    """The field a county error is shown beside: the code's own problems, or the address for the network."""
    if code == "cert_ca_file":
        return "ca_file"
    return "code" if code in CODE_REFUSALS else "server"


def _settings_for(folder: Path, server: str, ca_file: str):
    """The settings this PC activated with: the county's address, and its CA file when one was given."""
    from desktop.settings import Settings

    settings = Settings.load(folder)
    for key, value in (("county_server", server), ("county_ca_file", ca_file)):
        if settings.get(key) != value:
            settings.set(key, value)
    return settings


def activate_counter(folder: Path, form: ActivationForm, *, clock: Callable[[], datetime] = china_now):
    """Enrol with the county and create the encrypted ledger; returns (Counter, Activated).

    Raises ActivationRefused with the field to show it beside; nothing is created locally when refused.
    """
    errors = check_form(form)
    if errors:
        raise ActivationRefused(errors)
    from desktop.services.activation import activate
    from desktop.services.catalogue import current_catalogue
    from desktop.services.certificates import closer_look
    from desktop.services.failures import classify
    from desktop.services.items import index_for
    from desktop.services.session import Counter
    from sync.client import SyncError

    server = form.server_url.strip().rstrip("/")
    ca_file = form.ca_file.strip()
    try:
        done = activate(server, normalize_code(form.code), folder, form.password, ca_file=ca_file)
    except SyncError as exc:
        error = closer_look(exc, server)
        message = error.message
        if error.code == "network":
            message = "连不上县里的服务器。请检查电脑是否已经联网，地址是否和县里告知的一样，然后再试。"
        raise ActivationRefused({refusal_field(error.code): message}) from exc
    except Exception as exc:  # the county took the code, then the ledger could not be made here
        known = classify(exc, doing="建台账")
        if known is None:
            raise
        raise ActivationRefused(
            {
                "code": f"县里已经收下了这个激活码，但在这台电脑上建台账时出错：{known.message}"
                "处理好以后，请向县政务服务管理局申请新的激活码再激活。"
            }
        ) from exc
    settings = _settings_for(folder, server, ca_file)
    catalogue = current_catalogue(done.store)
    index_for(catalogue)  # pypinyin's tables load here, off the UI thread
    return Counter(done.store, catalogue, settings, clock=clock), done
