"""Report work beside the main process, on a second core, where that is safe.

A report reads the whole corpus and writes six formats; on a machine with two cores the
heaviest independent pieces — the framework matrices and guide coverage (they read every turn),
and the workbook (openpyxl builds every cell) — run in a forked child while this process does
the rest. Fork only: the child starts with everything imported and the report already in
memory, nothing is pickled on the way in. Only where safe: fork exists, a second core, and no
other thread in this process (a web server's threads could hold locks a fork would copy, so
the workbench writes its reports in one process). ``KVALI_REPORT_PROCESSES=1`` turns it off.
A child that fails changes nothing: the caller then does that piece itself, so its error, if
any, is the real one. The child reads through its own database connection (never the
parent's), in its own read transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import Any


def can_fork() -> bool:
    """Whether work may go to a forked child now (see the module's docstring)."""
    return (
        os.environ.get("KVALI_REPORT_PROCESSES", "2") != "1"
        and (os.cpu_count() or 1) >= 2
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _run(send: Pipe, work: Callable[[], Any]) -> None:
    try:
        result = work()
    except BaseException:  # the caller redoes the work and meets the error itself
        send.send((False, None))
        return
    send.send((True, result))


class Beside:
    """``work()`` running in a forked child; :meth:`result` waits for what it returned."""

    def __init__(self, work: Callable[[], Any]) -> None:
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run, args=(send, work), daemon=True)
        self._proc.start()
        send.close()

    def result(self) -> tuple[bool, Any]:
        """``(True, value)``, or ``(False, None)`` when the child failed or died."""
        try:
            ok, value = self._recv.recv()
        except EOFError:  # killed before it could answer
            ok, value = False, None
        self._proc.join()
        self._recv.close()
        return (ok and self._proc.exitcode == 0), value


def beside(work: Callable[[], Any]) -> Beside | None:
    """Start ``work`` in a forked child when :func:`can_fork`, else None (do it here)."""
    return Beside(work) if can_fork() else None
