"""Deprecated: the hospital services model moved to :mod:`planner.locate`.

Import :class:`~planner.locate.HospitalServicesModel`,
:class:`~planner.locate.ServiceOptions`, :class:`~planner.locate.ServicesResult`,
:func:`~planner.locate.check_services` and :func:`~planner.locate.required_centres`
from :mod:`planner.locate`; this module re-exports them for one release.
"""

from __future__ import annotations

import warnings

from planner.locate import (
    HospitalServicesModel,
    ServiceOptions,
    ServicesResult,
    check_services,
    required_centres,
)

__all__ = [
    "HospitalServicesModel",
    "ServiceOptions",
    "ServicesResult",
    "check_services",
    "required_centres",
]

warnings.warn(
    "planner.services is deprecated; import from planner.locate instead",
    DeprecationWarning,
    stacklevel=2,
)
