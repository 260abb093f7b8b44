"""Progress reporting for long steps, shared by the API and the CLI."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

log = logging.getLogger("planner")


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
