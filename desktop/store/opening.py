"""Creating and opening a store: unlock, check integrity, restore from backup if needed, migrate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path


from desktop.store.engine import StoreOpenError, connect_raw, make_engine, read, write
from desktop.store.keys import Unlocked, create_keyring, unlock
from desktop.store.layout import StoreLayout
from desktop.store.ledger import CHECK_DUE, Identity, LedgerStore, get_meta, set_meta
from desktop.store.migrations import StoreTooNew, known_version, migrate
from desktop.store.recovery import RecoveryReport, StoreDamaged, recover
from sync.ledger.chain import ChainError, ChainHead
from sync.clock import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenReport:
    """What happened while opening; ``recovery`` is set when the file had to be restored."""

    migrated: tuple[str, ...] = ()
    recovery: RecoveryReport | None = None
    notes: tuple[str, ...] = field(default=())
    check_due: bool = False  # the whole-file check was not done at open and is due: run check_integrity() soon


def create_store(folder: Path, password: str, identity: Identity) -> tuple[LedgerStore, str]:
    """A new, empty, encrypted store. Returns it and the recovery code to show the agent once."""
    layout = StoreLayout(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if layout.database.exists():
        raise StoreOpenError("这台电脑上已经有台账了，不能重复创建。")
    unlocked, recovery_code = create_keyring(layout.keyring, password)
    engine = make_engine(layout.database, unlocked.sqlcipher_key)
    migrate(engine, is_new=True)
    with write(engine) as conn:
        set_meta(
            conn,
            device_id=identity.device_id,
            point_code=identity.point_code,
            device_no=str(identity.device_no),
            point_name=identity.point_name,
            verified_seq="0",
            verified_hash="0" * 64,
            last_full_check=utcnow().isoformat(),  # a new file is whole
        )
    return LedgerStore(engine, layout, unlocked, identity), recovery_code


def _identity(meta: dict[str, str]) -> Identity:
    return Identity(meta["device_id"], meta["point_code"], int(meta["device_no"]), meta.get("point_name", ""))


FULL_CHECK_BYTES = 8 * 1024 * 1024  # about 4,000 cases: a whole-file check stays well under a second even cold
FULL_CHECK_EVERY = timedelta(days=7)


def _needs_full_check(layout: StoreLayout) -> bool:
    """Whole-file check at open only on a small file, or when a background check found damage.

    A larger file opens at once; the whole-file check then runs in the background after login
    (``OpenReport.check_due``, see ``_check_due``): SQLCipher authenticates every page it reads anyway,
    and if the check finds damage it leaves ``layout.check_failed`` so the next open restores.
    """
    return layout.check_failed.exists() or layout.database.stat().st_size <= FULL_CHECK_BYTES


def _check_due(conn) -> bool:
    """After an unclean shutdown (until a check has passed), or a week after the last whole-file check."""
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("clean_shutdown") != "1" or meta.get(CHECK_DUE) == "1":
        return True
    last = meta.get("last_full_check")
    return last is None or utcnow() - datetime.fromisoformat(last) > FULL_CHECK_EVERY


def check_health(layout: StoreLayout, unlocked: Unlocked, *, full: bool | None = None) -> tuple[bool, bool]:
    """Raise StoreDamaged if the file cannot be trusted; returns (whole file checked, whole-file check due)."""
    path = layout.database
    if not path.exists():
        raise StoreDamaged("台账文件不见了")
    try:
        conn = connect_raw(path, unlocked.sqlcipher_key)
    except StoreOpenError as exc:
        raise StoreDamaged(f"台账文件打不开（{exc}）") from exc
    try:
        full = _needs_full_check(layout) if full is None else full
        if full:
            result = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
            if result != ["ok"]:
                raise StoreDamaged("台账文件内部结构损坏")
            return True, False
        # read what every login needs: the schema, the meta and the newest events
        conn.execute("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 50").fetchall()
        return False, _check_due(conn)
    except StoreDamaged:
        raise
    except Exception as exc:  # any SQLite error while reading pages means damage
        raise StoreDamaged(f"台账文件读取出错（{exc}）") from exc
    finally:
        conn.close()


def mark_open(store: LedgerStore, *, full_check: bool, check_due: bool) -> None:
    """Until close() says otherwise, the next open treats the file as shut down uncleanly; a due check stays
    due (``CHECK_DUE``) until check_integrity() passes, however the session ends."""
    values = {"clean_shutdown": "0", CHECK_DUE: "1" if check_due else "0"}
    if full_check:
        values["last_full_check"] = utcnow().isoformat()
    with write(store.engine) as conn:
        set_meta(conn, **values)
    store.layout.check_failed.unlink(missing_ok=True)  # checked in full (or restored) at this open


def open_store(folder: Path, password: str | None = None, *, unlocked: Unlocked | None = None) -> tuple[LedgerStore, OpenReport]:
    """Unlock and open the store; a damaged file is restored from the newest good backup."""
    layout = StoreLayout(folder)
    unlocked = unlocked or unlock(layout.keyring, password or "")
    recovery = None
    full_check, check_due = True, False
    try:
        full_check, check_due = check_health(layout, unlocked)
        engine = make_engine(layout.database, unlocked.sqlcipher_key)
        store = _bind(engine, layout, unlocked)
        _verify_since_checkpoint(store)
    except StoreTooNew:
        raise
    except (StoreDamaged, ChainError, KeyError) as exc:
        log.error("ledger failed its check at open: %s", exc)
        if "engine" in locals():
            engine.dispose()
        recovery = recover(layout, unlocked, reason=str(exc))
        engine = make_engine(layout.database, unlocked.sqlcipher_key)
        store = _bind(engine, layout, unlocked)
    try:
        migrated = migrate(engine, backup=store.backup)
        mark_open(store, full_check=full_check or recovery is not None, check_due=check_due and recovery is None)
    except BaseException:
        store.engine.dispose()
        raise
    return store, OpenReport(migrated=tuple(migrated), recovery=recovery, check_due=check_due and recovery is None)


def _bind(engine, layout: StoreLayout, unlocked: Unlocked) -> LedgerStore:
    with engine.connect() as conn:
        found = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())
    if found > known_version():
        engine.dispose()
        raise StoreTooNew(found)
    with read(engine) as conn:
        meta = get_meta(conn)
    return LedgerStore(engine, layout, unlocked, _identity(meta))


def _verify_since_checkpoint(store: LedgerStore) -> ChainHead:
    """Check the chain from the last verified point (set at each backup) to the end."""
    return store.verify(since=store.checkpoint())
