"""The planner's version, read once from the installed package's metadata."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shelter-planner")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
