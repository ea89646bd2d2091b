"""The SQLite write gate lets one writer through at a time, across threads and endpoint processes."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from pathlib import Path

import pytest

from county.db import WriteGate, make_engine, write_gate

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the gate queues processes with flock (POSIX)")

HOLD_S = 0.05
ROUNDS = 6


def _writer(db: str, log: str, name: str, rounds: int) -> None:
    """Take the gate ``rounds`` times and write an opening and a closing line inside it, slowly."""
    gate = WriteGate.for_engine(make_engine(f"sqlite:///{db}"))
    for _ in range(rounds):
        with write_gate(gate), open(log, "a", encoding="utf-8") as out:
            out.write(f"{name} in\n")
            out.flush()
            time.sleep(HOLD_S)
            out.write(f"{name} out\n")
            out.flush()


def _assert_never_two_inside(lines: list[str], expected_pairs: int) -> None:
    assert len(lines) == 2 * expected_pairs
    for opening, closing in zip(lines[::2], lines[1::2], strict=True):
        name = opening.split()[0]
        assert (opening, closing) == (f"{name} in", f"{name} out"), lines


def test_processes_take_turns(tmp_path: Path):
    db, log = str(tmp_path / "county.db"), str(tmp_path / "turns.log")
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_writer, args=(db, log, f"p{i}", ROUNDS)) for i in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    lines = Path(log).read_text(encoding="utf-8").splitlines()
    _assert_never_two_inside(lines, 3 * ROUNDS)
    assert {line.split()[0] for line in lines} == {"p0", "p1", "p2"}


def test_threads_of_one_process_take_turns(tmp_path: Path):
    db, log = str(tmp_path / "county.db"), str(tmp_path / "turns.log")
    gate = WriteGate.for_engine(make_engine(f"sqlite:///{db}"))

    def run(name: str) -> None:
        for _ in range(ROUNDS):
            with write_gate(gate), open(log, "a", encoding="utf-8") as out:
                out.write(f"{name} in\n")
                out.flush()
                time.sleep(HOLD_S / 5)
                out.write(f"{name} out\n")

    threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    _assert_never_two_inside(Path(log).read_text(encoding="utf-8").splitlines(), 3 * ROUNDS)


def test_a_writer_that_fails_inside_lets_the_next_one_in(tmp_path: Path):
    gate = WriteGate.for_engine(make_engine(f"sqlite:///{tmp_path / 'county.db'}"))
    with pytest.raises(RuntimeError), write_gate(gate):
        raise RuntimeError("the batch failed")
    done = threading.Event()

    def next_writer() -> None:
        with write_gate(gate):
            done.set()

    threading.Thread(target=next_writer, daemon=True).start()
    assert done.wait(10)


def test_postgresql_and_memory_databases_have_no_gate():
    assert WriteGate.for_engine(make_engine("sqlite://")) is None
    assert WriteGate.for_engine(make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")) is None


def test_checking_waits_while_this_process_holds_the_gate(tmp_path: Path):
    """writer_first: a thread checking the next batch stops between events while another thread of the same
    process is inside the gate, and goes on the moment it leaves (also after a failed batch)."""
    gate = WriteGate.for_engine(make_engine(f"sqlite:///{tmp_path / 'county.db'}"))
    gate.writer_first()  # nobody inside: returns at once
    inside, leave, checked = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with pytest.raises(RuntimeError), write_gate(gate):
            inside.set()
            leave.wait(10)
            raise RuntimeError("the batch failed")

    def checker() -> None:
        gate.writer_first()
        checked.set()

    threading.Thread(target=holder, daemon=True).start()
    assert inside.wait(10)
    threading.Thread(target=checker, daemon=True).start()
    assert not checked.wait(HOLD_S * 4)  # held back while the holder is inside
    leave.set()
    assert checked.wait(10)
    gate.writer_first()  # the failed holder left the gate idle
