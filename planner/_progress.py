"""Progress reporting for long steps, shared by the API and the CLI.

A step (:class:`Progress`) wraps a long call; inside it, the solver says what
it is doing now with :func:`stage` (a catalog key of ``[progress]`` and its
values, so that whoever shows it can say it in any language). A stage goes to
whoever :func:`listening` installed on this thread (the terminal's spinner),
and to the ``planner`` logger at debug level; with nobody listening it costs a
lookup.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Protocol

log = logging.getLogger("planner")

#: Told each stage of the step running: its catalog key and values.
Listener = Callable[[str, Mapping[str, object]], None]

_LISTENER: ContextVar[Listener | None] = ContextVar("planner_stage_listener", default=None)


class Progress(Protocol):
    """Something that is told when a long step starts and ends."""

    def step(self, message: str) -> AbstractContextManager[None]:
        """Return a context manager wrapping one step."""
        ...


class LogProgress:
    """Report steps to the ``planner`` logger with their duration."""

    @contextmanager
    def step(self, message: str) -> Iterator[None]:
        """Log the start and the duration of a step."""
        start = time.perf_counter()
        log.info("%s ...", message)
        yield
        log.info("%s: done in %.1f s", message, time.perf_counter() - start)


def stage(key: str, **values: object) -> None:
    """Say what the step running is doing now (``key``: a ``progress.*`` catalog key).

    Only the thread that installed a listener hears it: a solve on a second
    thread says nothing. A listener that fails is logged at debug level and
    ignored: showing progress never stops the work (it may run inside a HiGHS
    callback).
    """
    log.debug("%s %s", key, values)
    listener = _LISTENER.get()
    if listener is None:
        return
    try:
        listener(key, values)
    except Exception:  # showing progress must never stop the work it shows (a solver callback)
        log.debug("the listener of %s failed", key, exc_info=True)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send the stages said on this thread to ``listener`` while the block runs."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
