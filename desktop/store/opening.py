"""Creating and opening a store: unlock, check integrity, restore from backup if needed, migrate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from desktop.store.engine import StoreOpenError, connect_raw, make_engine, read, write
from desktop.store.keys import Unlocked, create_keyring, unlock
from desktop.store.layout import StoreLayout
from desktop.store.ledger import Identity, LedgerStore, get_meta, set_meta
from desktop.store.migrations import StoreTooNew, known_version, migrate
from desktop.store.recovery import RecoveryReport, StoreDamaged, recover
from desktop.store.schema import event
from sync.ledger.chain import ChainError, ChainHead

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenReport:
    """What happened while opening; ``recovery`` is set when the file had to be restored."""

    migrated: tuple[str, ...] = ()
    recovery: RecoveryReport | None = None
    notes: tuple[str, ...] = field(default=())


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
        )
    return LedgerStore(engine, layout, unlocked, identity), recovery_code


def _identity(meta: dict[str, str]) -> Identity:
    return Identity(meta["device_id"], meta["point_code"], int(meta["device_no"]), meta.get("point_name", ""))


def check_health(path: Path, unlocked: Unlocked) -> None:
    """Raise StoreDamaged if the file cannot be trusted: unreadable, corrupt, or its chain broken."""
    if not path.exists():
        raise StoreDamaged("台账文件不见了")
    try:
        conn = connect_raw(path, unlocked.sqlcipher_key)
    except StoreOpenError as exc:
        raise StoreDamaged(f"台账文件打不开（{exc}）") from exc
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if result != ["ok"]:
            raise StoreDamaged("台账文件内部结构损坏")
    except StoreDamaged:
        raise
    except Exception as exc:  # any SQLite error while reading pages means damage
        raise StoreDamaged(f"台账文件读取出错（{exc}）") from exc
    finally:
        conn.close()


def open_store(folder: Path, password: str | None = None, *, unlocked: Unlocked | None = None) -> tuple[LedgerStore, OpenReport]:
    """Unlock and open the store; a damaged file is restored from the newest good backup."""
    layout = StoreLayout(folder)
    unlocked = unlocked or unlock(layout.keyring, password or "")
    recovery = None
    try:
        check_health(layout.database, unlocked)
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
    except BaseException:
        store.close()
        raise
    return store, OpenReport(migrated=tuple(migrated), recovery=recovery)


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
    with read(store.engine) as conn:
        meta = get_meta(conn)
        seq, digest = int(meta.get("verified_seq", "0")), meta.get("verified_hash", "0" * 64)
        if seq:
            stored = conn.execute(select(event.c.hash).where(event.c.seq == seq)).scalar()
            if stored != digest:
                raise ChainError(seq, "the verified checkpoint no longer matches the log")
    return store.verify(since=ChainHead(seq, digest))
