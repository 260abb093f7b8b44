"""Shelter-access geospatial planner.

Pipeline stages, one module each: :mod:`planner.data` (datasets and inputs),
:mod:`planner.network` (road graph and travel-time engine), :mod:`planner.demand`
(population), :mod:`planner.access` (who is how far from help).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
