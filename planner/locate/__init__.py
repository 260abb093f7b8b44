"""Optimize stage: exact location models on a travel-time matrix (spopt ``locate`` style).

Each model is a frozen dataclass built from a cost matrix and plain option
dataclasses, with its mathematics in its module docstring; ``solve()`` returns
a typed, immutable result; ``check_*`` re-checks a result independently of the
solver. Nothing here knows about datasets, scenarios or a country:

- :class:`SitingModel` (:mod:`planner.locate.siting`): capacitated siting of
  shelters, five objectives (``min_cost``, ``max_coverage``, ``min_travel``,
  ``min_worst_travel``, ``fixed_charge``) with a lexicographic tie-break.
- :class:`HospitalServicesModel` (:mod:`planner.locate.services`): rape crisis
  centres and 24/7 forensic examination planned together at hospitals.
- Options (:mod:`planner.locate.options`), results
  (:mod:`planner.locate.result`), explanations in words
  (:mod:`planner.locate.explain`) and independent checks
  (:mod:`planner.locate.check`).
"""

from __future__ import annotations

from planner.locate.check import check_services, check_solution
from planner.locate.options import (
    OBJECTIVES,
    BudgetOptions,
    ForensicOptions,
    HospitalSiteOptions,
    InclusiveOptions,
    ObjectiveOptions,
    RapeCrisisOptions,
    ServiceOptions,
    SitingOptions,
    SolverOptions,
    SupplyOptions,
    TargetOptions,
    required_centres,
)
from planner.locate.result import PlanResult, PlanStatus, ServicesResult
from planner.locate.services import HospitalServicesModel
from planner.locate.siting import SitingModel

__all__ = [
    "OBJECTIVES",
    "BudgetOptions",
    "ForensicOptions",
    "HospitalServicesModel",
    "HospitalSiteOptions",
    "InclusiveOptions",
    "ObjectiveOptions",
    "PlanResult",
    "PlanStatus",
    "RapeCrisisOptions",
    "ServiceOptions",
    "ServicesResult",
    "SitingModel",
    "SitingOptions",
    "SolverOptions",
    "SupplyOptions",
    "TargetOptions",
    "check_services",
    "check_solution",
    "required_centres",
]
