"""Shelter-access geospatial planner.

Pipeline stages, one module each, each returning a typed result:

- data: :mod:`planner.readers` (a user's own files), :mod:`planner.data`
  (:class:`~planner.data.Dataset`, :func:`~planner.data.load_dataset`,
  :func:`~planner.data.load_default`);
- network: :mod:`planner.network` (road graph and the travel-time engine);
- demand: :mod:`planner.demand` (people per settlement);
- access: :mod:`planner.access` and :mod:`planner.assessment`
  (:func:`~planner.assessment.assess` -> :class:`~planner.assessment.Assessment`);
- optimize: :mod:`planner.locate` (exact location models) and
  :mod:`planner.planning` (:func:`~planner.planning.plan` -> :class:`~planner.planning.Plan`);
- outputs: :mod:`planner.tables`, :mod:`planner.summary`, :mod:`planner.maps`,
  :mod:`planner.figures`, :mod:`planner.report` and the writers in
  :mod:`planner.outputs`.

Scenarios (:mod:`planner.scenario`) compose the option types of the stages.
Everything about one country lives in :mod:`planner.datasets`.

The names below are imported lazily, so ``import planner`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from planner._version import __version__

if TYPE_CHECKING:
    from planner.assessment import Assessment, assess
    from planner.data import Dataset, load_dataset, load_default
    from planner.outputs import write_assessment, write_plan
    from planner.planning import Plan, plan
    from planner.scenario import Scenario, load_scenario

_LAZY = {
    "Assessment": "planner.assessment",
    "assess": "planner.assessment",
    "Dataset": "planner.data",
    "load_dataset": "planner.data",
    "load_default": "planner.data",
    "write_assessment": "planner.outputs",
    "write_plan": "planner.outputs",
    "Plan": "planner.planning",
    "plan": "planner.planning",
    "Scenario": "planner.scenario",
    "load_scenario": "planner.scenario",
}

__all__ = [
    "Assessment",
    "Dataset",
    "Plan",
    "Scenario",
    "__version__",
    "assess",
    "load_dataset",
    "load_default",
    "load_scenario",
    "plan",
    "write_assessment",
    "write_plan",
]


def __getattr__(name: str) -> Any:
    """Import the public names on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
