"""Activation (激活): enrol this PC with the county using a one-time code, then create its encrypted ledger."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from desktop.store.engine import read, write
from desktop.store.layout import StoreLayout
from desktop.store.ledger import Identity, LedgerStore, get_meta, set_meta
from desktop.store.opening import create_store
from desktop.version import app_version
from sync.client import SyncClient
from sync.ledger.events import china_now, format_time
from sync.wire import EnrolRequest


@dataclass(frozen=True)
class Activated:
    store: LedgerStore
    recovery_code: str  # show once; the agent writes it down
    point_name: str
    account_name: str


def activate(
    server_url: str,
    activation_code: str,
    folder: Path,
    password: str,
    *,
    client: SyncClient | None = None,
    ca_file: str = "",
) -> Activated:
    """Enrol first (nothing is created locally if the county refuses), then create the store with its identity.

    The device credential and the signing key of its sync files are kept inside the encrypted ledger,
    never in a plain file.
    """
    client = client or SyncClient(server_url, ca_file=ca_file)
    signing = Ed25519PrivateKey.generate()
    public = signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    result = client.enrol(
        EnrolRequest(
            activation_code=activation_code,
            device_label=platform.node()[:200],
            app_version=app_version(),
            device_time=format_time(china_now()),
            signing_key=public,
        )
    )
    identity = Identity(result.device_id, result.point.code, result.device_no, result.point.name)
    layout = StoreLayout(folder)
    existed = {p for p in (layout.keyring, layout.database, *layout.sidecars()) if p.exists()}
    try:
        store, recovery_code = create_store(folder, password, identity)
    except BaseException:
        # The county has spent the code; leave nothing half-made that would block the next activation.
        for path in (layout.keyring, layout.database, *layout.sidecars()):
            if path not in existed:
                path.unlink(missing_ok=True)
        raise
    with write(store.engine) as conn:
        private = signing.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
        set_meta(
            conn,
            server_url=server_url.rstrip("/"),
            device_token=result.device_token,
            signing_key=private,
            township=result.point.township,
            account_name=result.account_name,
            catalogue_version=result.catalogue_version,
            max_batch_events=str(result.limits.max_batch_events),
            **({"receipt_check_key": result.receipt_check_key} if result.receipt_check_key else {}),
            **({"printing.query_url_base": result.query_url_base} if result.query_url_base else {}),
        )
    return Activated(store, recovery_code, result.point.name, result.account_name)


def sync_client_for(store: LedgerStore) -> SyncClient | None:
    """The client for this store's county, or None for a store that was never activated.

    It trusts what the PC trusts, plus the county's CA file when one is set (desktop/settings.py).
    """
    from desktop.settings import Settings

    with read(store.engine) as conn:
        meta = get_meta(conn)
    if "server_url" not in meta:
        return None
    ca_file = Settings.load(store.layout.folder).get("county_ca_file")
    return SyncClient(meta["server_url"], meta["device_token"], app_version=app_version(), ca_file=ca_file)
