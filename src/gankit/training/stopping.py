"""How a stop signal ends training: after the current iteration and its checkpoint, or, for a
second Ctrl-C, at once."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Ctrl-C at a terminal, and what schedulers and `kill` send before they kill a process.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def interrupts_at_once(signum: int, stop_asked: bool) -> bool:
    """Only a second Ctrl-C cuts the iteration (and its checkpoint) short; see stop_on_signal."""
    return stop_asked and signum == signal.SIGINT


@contextmanager
def stop_on_signal() -> Iterator[threading.Event]:
    """The first Ctrl-C or SIGTERM asks the loop to stop after the current iteration (and
    checkpoint); a second Ctrl-C interrupts at once. A second SIGTERM does not: it is what
    a sweep's worker gets when the sweep dies, often right after the sweep passed on a Ctrl-C,
    and must not cost the checkpoint."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        if interrupts_at_once(signum, stop.is_set()):
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)
