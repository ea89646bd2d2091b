"""Creating and opening a store: unlock, check integrity, restore from backup if needed, migrate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from desktop.store.engine import StoreOpenError, connect_raw, make_engine, read, write
from desktop.store.faults import (
    UNKNOWN,
    StoreUnavailable,
    machine_fault,
    proves_damage,
    unavailable,
)
from desktop.store.files import private_dir, private_file, remove_leftovers
from desktop.store.headmark import KEEP_DAYS, HeadMark, behind, read_mark
from desktop.store.keys import Unlocked, create_keyring, unlock
from desktop.store.layout import StoreLayout
from desktop.store.ledger import CHECK_DUE, Identity, LedgerStore, get_meta, set_meta
from desktop.store.migrations import StoreTooNew, known_version, migrate
from desktop.store.recovery import (
    RecoveryReport,
    StoreDamaged,
    StoreUnrecoverable,
    recover,
)
from desktop.store.schema import event, receipt_serial
from sync.clock import utcnow
from sync.ledger.chain import ChainError, ChainHead

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
    private_dir(folder)
    if layout.database.exists():
        raise StoreOpenError("这台电脑上已经有台账了，不能重复创建。")
    unlocked, recovery_code = create_keyring(layout.keyring, password)
    private_file(layout.database)  # SQLite gives the -wal and -shm the database file's owner-only mode
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
    store = LedgerStore(engine, layout, unlocked, identity)
    store.write_mark()
    return store, recovery_code


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
    """Raise StoreDamaged only on proven damage (missing, not a database, a failed check); StoreUnavailable when
    the machine cannot now (full disk, I/O error). Returns (whole file checked, whole-file check due)."""
    path = layout.database
    if not path.exists():
        raise StoreDamaged("台账文件不见了")
    try:
        conn = connect_raw(path, unlocked.sqlcipher_key)
    except StoreOpenError as exc:
        raise _sorted(exc, layout, "台账文件打不开") from exc
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
    except Exception as exc:
        raise _sorted(exc, layout, "台账文件读取出错") from exc
    finally:
        conn.close()


def _sorted(exc: Exception, layout: StoreLayout, what: str) -> Exception:
    """StoreDamaged for proven damage; otherwise StoreUnavailable (nothing is moved, the next start tries again)."""
    if proves_damage(exc):
        return StoreDamaged(f"{what}（{exc}）")
    return unavailable(machine_fault(exc) or UNKNOWN, layout.folder, layout.database, *layout.sidecars())


def mark_open(store: LedgerStore, *, full_check: bool, check_due: bool) -> None:
    """Until close() says otherwise, the next open treats the file as shut down uncleanly; a due check stays
    due (``CHECK_DUE``) until check_integrity() passes, however the session ends."""
    values = {"clean_shutdown": "0", CHECK_DUE: "1" if check_due else "0"}
    if full_check:
        values["last_full_check"] = utcnow().isoformat()
    with write(store.engine) as conn:
        set_meta(conn, **values)
    store.layout.check_failed.unlink(missing_ok=True)  # checked in full (or restored) at this open


def open_store(
    folder: Path, password: str | None = None, *, unlocked: Unlocked | None = None
) -> tuple[LedgerStore, OpenReport]:
    """Unlock and open the store; a damaged file is restored from the good backup furthest ahead.

    Raises StoreUnavailable, with nothing moved or changed, when the machine cannot open it now (a full disk,
    an I/O error): only proven damage, or a ledger behind its head mark, leads to a restore."""
    layout = StoreLayout(folder)
    unlocked = unlocked or unlock(layout.keyring, password or "")
    try:
        _tidy(layout)
        return _open(layout, unlocked)
    except (StoreTooNew, StoreUnavailable, StoreUnrecoverable):
        raise
    except Exception as exc:
        if (kind := machine_fault(exc)) is None and not isinstance(exc, DBAPIError):
            raise  # a bug: the crash dialog
        log.error("ledger cannot be opened now: %s", kind or type(exc).__name__)
        raise unavailable(kind or UNKNOWN, layout.folder, layout.database, *layout.sidecars()) from exc


def _tidy(layout: StoreLayout) -> None:
    """Owner-only folders; half-written copies a kill or a full disk left behind are removed."""
    try:
        for folder in (layout.folder, layout.backups, layout.damaged):
            if folder.is_dir():
                private_dir(folder)
        if removed := remove_leftovers(layout.folder, layout.backups):
            log.info("removed %d half-written files", len(removed))
    except OSError as exc:  # tidying never stands in the way of opening
        log.warning("data folder not tidied: %s", type(exc).__name__)


def _open(layout: StoreLayout, unlocked: Unlocked) -> tuple[LedgerStore, OpenReport]:
    recovery, engine, mark = None, None, None
    full_check, check_due = True, False
    try:
        full_check, check_due = check_health(layout, unlocked)
        engine = make_engine(layout.database, unlocked.sqlcipher_key)
        store = _bind(engine, layout, unlocked)
        _verify_since_checkpoint(store)
        mark = read_mark(layout.head_mark, store.identity.device_id)
        if mark is not None and (why := _behind(store, mark)):
            raise LedgerBehind(why)
    except (StoreDamaged, ChainError, KeyError, LedgerBehind) as exc:
        log.error("ledger failed its check at open: %s", exc)
        if engine is not None:
            engine.dispose()
        mark = mark or read_mark(layout.head_mark, None)
        recovery, mark = recover(layout, unlocked, reason=str(exc), mark=mark, behind=isinstance(exc, LedgerBehind))
        engine = make_engine(layout.database, unlocked.sqlcipher_key)
        store = _bind(engine, layout, unlocked)
    try:
        migrated = migrate(engine, backup=store.backup)
        store.mark = _current_mark(store, mark)
        store.write_mark()
        mark_open(store, full_check=full_check or recovery is not None, check_due=check_due and recovery is None)
    except BaseException:
        store.engine.dispose()
        raise
    return store, OpenReport(migrated=tuple(migrated), recovery=recovery, check_due=check_due and recovery is None)


class LedgerBehind(Exception):
    """The ledger holds fewer saves than its head mark says were done (a lost -wal, an incomplete copy)."""


def _behind(store: LedgerStore, mark: HeadMark) -> str | None:
    with read(store.engine) as conn:
        head = LedgerStore._head(conn)
        at_mark = conn.execute(select(event.c.hash).where(event.c.seq == mark.seq)).scalar()
    return behind(mark, head.seq, at_mark)


def _current_mark(store: LedgerStore, mark: HeadMark | None) -> HeadMark:
    """The mark moved up to the ledger's head: past events a kill left unmarked, or built anew from the ledger."""
    if mark is not None and mark.device_id == store.identity.device_id:
        mark.advance(store.events(after_seq=mark.seq))
        return mark
    fresh = HeadMark(store.identity.device_id)
    with read(store.engine) as conn:
        rows = conn.execute(
            select(receipt_serial).order_by(receipt_serial.c.business_date.desc()).limit(KEEP_DAYS)
        ).all()
        last = conn.execute(
            select(event.c.seq, event.c.hash, event.c.occurred_at).order_by(event.c.seq.desc()).limit(1)
        ).first()
    for day, serial in reversed(rows):
        fresh.note_serial(day, serial)
    if last is not None:
        fresh.seq, fresh.hash, fresh.newest_at = last.seq, last.hash, last.occurred_at
    return fresh


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
