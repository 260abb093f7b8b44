"""Exceptions raised by the planner.

Every error names the file, row, field or value that is wrong and says what was
expected, so that a planner can fix the input without reading the source.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""


class InputDataError(PlannerError, ValueError):
    """An input file or table does not have the expected content."""


class MissingInputError(PlannerError, FileNotFoundError):
    """A required input file does not exist."""


class MissingDependencyError(PlannerError, ImportError):
    """An optional package a requested feature needs is not installed (the message says how)."""


class NetworkError(PlannerError, ValueError):
    """The road graph or an endpoint on it is not usable."""


class OptionError(InputDataError):
    """An option (a scenario field or a model option) has a value that is not valid.

    Messages name the option as it is written in a scenario file
    (``targets.max_travel_min``), so the same error reads well whether the
    value came from TOML or from Python.
    """
