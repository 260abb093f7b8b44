"""Deprecated: the siting model moved to :mod:`planner.locate`.

Import :class:`~planner.locate.SitingModel`, :class:`~planner.locate.SitingOptions`,
:class:`~planner.locate.PlanResult` and :func:`~planner.locate.check_solution`
from :mod:`planner.locate`; this module re-exports them for one release.
"""

from __future__ import annotations

import warnings

from planner.locate import PlanResult, SitingModel, SitingOptions, check_solution

__all__ = ["PlanResult", "SitingModel", "SitingOptions", "check_solution"]

warnings.warn(
    "planner.optimize is deprecated; import from planner.locate instead",
    DeprecationWarning,
    stacklevel=2,
)
