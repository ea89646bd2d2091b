"""Several endpoint processes on one port, each with its own listening socket (SO_REUSEPORT).

uvicorn's own ``--workers`` hands every process the same listening socket, and the first process to wake
takes every connection waiting (asyncio accepts up to a hundred at a time): a burst of counters coming back
online, each keeping its connection for the whole sync, can land on one process and leave the other cores
idle (in the ingest benchmark, 98% of the work on one of two processes). Here each process listens on a
socket of its own in one SO_REUSEPORT group, and the kernel spreads new connections across the group by
address, whoever is awake. A process that dies is started again on the same socket, so the connections
the kernel sends to it are served again.

Linux only (``supported()``); elsewhere ``suishenban-county serve`` keeps uvicorn's workers.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import sys
import threading
from typing import Any

RESTART_CHECK_S = 0.5
STOP_WAIT_S = 15


def default_count() -> int:
    """Two endpoint processes per core. A connection stays with the process that took it, and a process runs
    Python on one core at a time: with one process per core, an uneven split of the connections leaves a
    core idle while the busier process queues. With two, the scheduler evens the load out (PostgreSQL
    ingest, 16 devices on 2 cores: 11,200 events/s against 10,000 with one per core; docs/benchmarks.md)."""
    return 2 * (os.cpu_count() or 1)


def supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _listen(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _serve_one(app: str, options: dict[str, Any], sock: socket.socket) -> None:
    """A worker process: uvicorn on its own socket, the app built by the factory ``app`` ("module:function")."""
    import uvicorn

    config = uvicorn.Config(app, factory=True, **options)
    uvicorn.Server(config).run(sockets=[sock])


class Workers:
    """``count`` endpoint processes, one SO_REUSEPORT socket each, kept running until ``stop``."""

    def __init__(self, app: str, options: dict[str, Any], count: int, *, host: str, port: int, backlog: int = 2048):
        self.app, self.options, self.count = app, dict(options), max(1, count)
        self.host, self.port, self.backlog = host, port, backlog
        self.sockets: list[socket.socket] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.stopping = threading.Event()
        self.restarts = 0
        self._context = multiprocessing.get_context("spawn")

    def start(self) -> int:
        """Bind the sockets (port 0: one the system picks, the same for all) and start the processes."""
        first = _listen(self.host, self.port, self.backlog)
        self.port = first.getsockname()[1]
        self.sockets = [first] + [_listen(self.host, self.port, self.backlog) for _ in range(self.count - 1)]
        self.processes = [self._spawn(sock) for sock in self.sockets]
        return self.port

    def _spawn(self, sock: socket.socket):
        process = self._context.Process(target=_serve_one, args=(self.app, self.options, sock), daemon=False)
        process.start()
        return process

    def supervise(self) -> None:
        """Until ``stop`` (or Ctrl+C): start again any process that ended; then stop them all."""
        try:
            while not self.stopping.wait(RESTART_CHECK_S):
                for index, process in enumerate(self.processes):
                    if not process.is_alive() and not self.stopping.is_set():
                        process.join()
                        self.processes[index] = self._spawn(self.sockets[index])
                        self.restarts += 1
        finally:
            self._stop_all()

    def stop(self) -> None:
        self.stopping.set()

    def _stop_all(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight, then exits
        for process in self.processes:
            process.join(STOP_WAIT_S)
            if process.is_alive():
                process.kill()
                process.join(STOP_WAIT_S)
        for sock in self.sockets:
            sock.close()
