"""Stop `gdesk up` when `make run` is told to stop.

GNU make does not pass SIGINT/SIGHUP/SIGQUIT on to its recipe (only SIGTERM): `kill -INT <pid of
make run>` left make waiting in its signal handler for a child that never got the signal. make
cannot exec its recipe, so the child watches for it instead: while make runs that handler, the
signal is in make's blocked set (``SigBlk`` in ``/proc/<pid>/status``). When the parent is make and
that happens, or when the parent is gone, ``gdesk up`` stops as if it had been signalled itself.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

_FATAL = (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM)


def _status(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def parent_is_make(pid: int) -> bool:
    try:
        return _status(pid).get("Name", "") in ("make", "gmake")
    except OSError:
        return False


def make_is_stopping(pid: int) -> bool:
    """True when make ``pid`` is handling a fatal signal (or is gone)."""
    try:
        blocked = int(_status(pid).get("SigBlk", "0"), 16)
    except (OSError, ValueError):
        return True
    return any(blocked & (1 << (int(sig) - 1)) for sig in _FATAL)


def watch_make_parent(stop: threading.Event, on_signal: Callable[[], None], interval: float = 0.3) -> bool:
    """If our parent is make, call ``on_signal`` once make is stopping; False when it is not make."""
    parent = os.getppid()
    if not parent_is_make(parent):
        return False

    def watch() -> None:
        while not stop.wait(interval):
            if os.getppid() != parent or make_is_stopping(parent):
                on_signal()
                return

    threading.Thread(target=watch, name="make-parent", daemon=True).start()
    return True
