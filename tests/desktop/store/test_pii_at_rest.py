"""Citizen data at rest: no ID number, phone or name appears in any byte of the data folder."""

from __future__ import annotations

import logging
import random

from sync.clock import china_today
from sync.ledger.forms import draft_amend, draft_complete
from tests.factories import (
    make_case_draft,
    make_mailing_draft,
    random_mobile,
    random_resident_id,
    reopen,
)

NAMES = ["𠮷田秀英", "欧阳建国", "阿依古丽·买买提", "龚德䶮"]


def folder_bytes(folder):
    """Every file under the data folder (database, WAL, backups, logs, key ring), by path."""
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_seeded_ids_phones_and_names_never_appear_in_the_data_folder(store, catalogue):
    rng = random.Random(7)
    ids = [random_resident_id(rng) for _ in range(40)]
    phones = [random_mobile(rng) for _ in range(40)]
    folder = store.layout.folder
    store.layout.logs.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(store.layout.logs / "app.log", encoding="utf-8")
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        for i, (id_number, phone) in enumerate(zip(ids, phones)):
            (ev,) = store.append(make_case_draft(catalogue, name=NAMES[i % 4], id_number=id_number, mobile=phone))
            if i % 3 == 0:
                store.append(draft_complete(ev.body["case_id"]))
            if i % 3 == 1:
                new_phone = random_mobile(rng)
                phones.append(new_phone)
                store.append(
                    draft_amend(
                        ev.body["case_id"],
                        catalogue.by_code("FL001"),
                        catalogue,
                        changes={},
                        pii_changes={"mobile": new_phone},
                        applicant_kind="person",
                    )
                )
        store.append(
            make_mailing_draft(
                direction="to_citizen",
                unit_code="",
                recipient_name=NAMES[0],
                recipient_mobile=phones[0],
                recipient_address="浮梁县瑶里镇瑶里村12号",
                contents="营业执照正本",
            )
        )
        store.close_day(china_today())
        # with the store still open the WAL holds recent pages: scan now, and again after reopening
        snapshots = [folder_bytes(folder)]
        reopened, _ = reopen(store)
        reopened.append(make_case_draft(catalogue, id_number=ids[0], mobile=phones[0]))
        snapshots.append(folder_bytes(folder))
        reopened.close()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        logging.getLogger().setLevel(logging.WARNING)

    seeds = [s.encode("utf-8") for s in ids + phones + NAMES + ["浮梁县瑶里镇瑶里村12号"]]
    scanned = set()
    for snapshot in snapshots:
        for path, data in snapshot.items():
            scanned.add(path.name)
            for seed in seeds:
                assert seed not in data, f"{seed.decode()} found in {path.relative_to(folder)}"
    kinds = {name.split(".")[-1] for name in scanned} | {n for n in scanned if n.endswith("-wal")}
    assert {"db", "json", "log"} <= kinds, scanned
    assert any(n.endswith("-wal") for n in scanned), "the WAL must be among the scanned files"
    assert any(n.startswith("ledger-") for n in scanned), "backups must be among the scanned files"


def test_the_seeds_would_be_found_if_they_were_stored_in_clear(tmp_path):
    """The scan itself works: the same search finds a seed written in plain text."""
    id_number = random_resident_id(random.Random(1))
    (tmp_path / "plain.txt").write_text(f"x{id_number}y", encoding="utf-8")
    assert any(id_number.encode() in data for data in folder_bytes(tmp_path).values())
