"""Typed results of the location models and the arithmetic they share.

:class:`PlanStatus` is what a plan's ``status`` says (``optimal``,
``time_limit``, ``infeasible``); it is a :class:`str` enum, so it compares
equal to those strings and serialises to them in JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from planner.locate._milp import BoolArray, FloatArray, Outcome, Termination

__all__ = [
    "GAP_DECIMALS",
    "PlanResult",
    "PlanStatus",
    "ServicesResult",
    "empty_frame",
    "objective_bound_gap",
    "published_gap",
]


#: Keys of the notes :mod:`planner.locate.siting` adds when the district repair changed sites.
REPAIR_NOTES = frozenset(
    {"message.repaired", "message.revised", "message.revised_saving", "message.revised_same"}
)


class PlanStatus(StrEnum):
    """How a plan's solve ended."""

    OPTIMAL = "optimal"
    """Proven within the requested gap."""
    TIME_LIMIT = "time_limit"
    """Stopped at the time limit (a safety net) with the best plan found; the gap says how
    good it is. Such a plan may differ on a faster or quieter machine."""
    WORK_LIMIT = "work_limit"
    """Stopped at the node budget (``solver.node_limit``) with the best plan found and its
    proven gap, above the one requested; the same on every machine."""
    INFEASIBLE = "infeasible"
    """No plan meets the targets; ``messages`` says why."""

    @classmethod
    def of(cls, outcome: Outcome, gap: float, mip_gap: float) -> PlanStatus:
        """Map a solve's end to a status; a time limit anywhere is reported as such.

        Optimal when the solver proved it or the proven gap is within the
        requested one, unless the time limit (a safety net) cut a step short:
        then the plan may differ on another machine, and the status says so.
        """
        if outcome.termination == Termination.LIMIT:
            return cls.TIME_LIMIT
        if outcome.termination == Termination.OPTIMAL or gap <= mip_gap:
            return cls.OPTIMAL
        if outcome.termination == Termination.WORK_LIMIT:
            return cls.WORK_LIMIT
        return cls.TIME_LIMIT


def objective_bound_gap(c: FloatArray, outcome: Outcome) -> tuple[float, float, float]:
    """Return the objective of ``outcome.x``, the proven bound and their relative gap.

    The bound is never above the objective (a start solution returned at a
    limit may be worse than the solver's own incumbent's bound suggests).

    Parameters
    ----------
    c
        Objective vector.
    outcome
        A solver outcome with a solution.

    Returns
    -------
    tuple[float, float, float]
        Objective, bound and relative gap (0 when both are 0).
    """
    if outcome.x is None:
        return math.nan, math.nan, math.nan
    value = float(c @ outcome.x)
    bound = float(outcome.mip_dual_bound) if outcome.mip_dual_bound is not None else value
    bound = min(bound, value)
    gap = 0.0 if value == bound else (value - bound) / max(abs(value), 1e-9)
    return value, bound, gap


GAP_DECIMALS = 4
"""Decimals of a relative gap as every output quotes it (0.0362: 3.62 %)."""


def published_gap(gap: float) -> float:
    """Return a relative gap as every output quotes it: rounded once, in one place.

    Every output shows a gap as a percentage with two decimals, so it is rounded to
    four decimals of the share, once: a percentage formatted from this value reads
    the same in ``summary.json``, the terminal and the plan's notes. (Stored with
    five decimals, 0.016949 became 0.01695, which the terminal's table showed as
    1.70 % beside the note's 1.69 %, the true value rounded once.)

    Parameters
    ----------
    gap
        The relative gap of a solve (NaN when nothing is proven).

    Returns
    -------
    float
        The gap rounded to :data:`GAP_DECIMALS` decimals; a non-finite gap as given.
    """
    return round(gap, GAP_DECIMALS) if math.isfinite(gap) else gap


_WITH_PLAN = (PlanStatus.OPTIMAL, PlanStatus.TIME_LIMIT, PlanStatus.WORK_LIMIT)


def _found(status: PlanStatus, objective: float) -> bool:
    """Whether a solve with this status and objective found a plan (a limit may stop first)."""
    return status in _WITH_PLAN and math.isfinite(objective)


def empty_frame(columns: dict[str, type]) -> pd.DataFrame:
    """Return an empty frame with typed columns.

    Parameters
    ----------
    columns
        Each column's name and type.

    Returns
    -------
    pandas.DataFrame
        A frame with no rows.
    """
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


@dataclass(frozen=True)
class PlanResult:
    """The outcome of :meth:`~planner.locate.SitingModel.solve`.

    Attributes
    ----------
    status
        ``optimal`` (within the gap), ``time_limit`` (best found, gap
        reported), or ``infeasible`` (see ``messages``).
    open_sizes
        Capacity (family places) of each site in the solution: existing sites
        first (their capacity plus expansion), then candidates (0 if not built).
    built
        Whether each candidate is built.
    assignments
        ``demand``, ``site`` (positions) and ``places`` served, ``travel_min``,
        ``travel_km`` of every used pair.
    unserved
        Unserved demand per settlement.
    objective, bound, gap
        Primary objective value, the solver's bound on it, the relative gap.
    cost
        Cost of new sites and expansions.
    served_share
        Served demand over total demand.
    max_travel_min
        Largest travel time over the assignments (NaN when nobody is served).
    build_seconds, solve_seconds
        Time to build the model and to solve it (all solver calls).
    messages
        Why a target cannot be met, in words (empty when feasible).
    site_costs
        Cost of each site in the plan (expansion of an existing site, opening
        of a candidate; 0 for a site left as it is or closed), when known.
    """

    status: PlanStatus
    open_sizes: FloatArray
    built: BoolArray
    assignments: pd.DataFrame
    unserved: FloatArray
    objective: float
    bound: float
    gap: float
    cost: float
    served_share: float
    max_travel_min: float
    build_seconds: float
    solve_seconds: float
    messages: tuple[str, ...] = ()
    site_costs: FloatArray | None = None

    @property
    def feasible(self) -> bool:
        """Whether a plan meeting every constraint was found (a limit may stop before one)."""
        return _found(self.status, self.objective)

    @property
    def repaired(self) -> bool:
        """Whether sites were changed after the site decision to keep every district near help.

        The ``bound`` is then that of the cheapest plan without that rule, so no
        deeper search closes the part of the ``gap`` the change added; its note
        in ``messages`` says what it added.
        """
        return any(getattr(m, "key", "") in REPAIR_NOTES for m in self.messages)

    @property
    def districts_left(self) -> int:
        """Districts still more than the tolerance beyond their nearest open shelter.

        The closest-assignment rule's district part is a target of ``min_cost`` plans: when
        the district repair could not meet it (no site near them could grow or open, the
        budget bound, or the time limit stopped it), its note in ``messages`` counts them;
        0 otherwise. The plan then misses a target, whatever its ``status`` says of the
        site decision.
        """
        for m in self.messages:
            if getattr(m, "key", "") in ("message.repair_left", "message.repair_cut"):
                return int(getattr(m, "values", {}).get("districts", 0))
        return 0


@dataclass(frozen=True)
class ServicesResult:
    """The outcome of :meth:`~planner.locate.HospitalServicesModel.solve`.

    Attributes
    ----------
    status
        ``optimal``, ``time_limit`` (best found, gap reported) or
        ``infeasible`` (see ``messages``).
    centre
        Whether each hospital gets a rape crisis centre.
    forensic
        Whether each hospital gets 24/7 forensic examination.
    assignments
        ``demand`` (settlement position), ``site`` (hospital position),
        ``women`` and ``travel_min`` of every settlement-centre pair used.
    unserved_women
        Women of each settlement not served by a centre within the limit.
    centre_travel_min
        Travel time from each settlement to its nearest open centre (``inf``
        if none).
    forensic_travel_min
        Travel time from each settlement to its nearest 24/7 forensic
        hospital (``inf`` if none).
    forensic_reachable
        Whether a settlement has any hospital within the forensic limit (the
        settlements the target applies to).
    required_centres
        Centres the standard requires nationally (women / K, rounded up).
    fewest_centres
        A proven lower bound on the number of centres any plan needs to meet
        the centre targets (capacity, travel limit, regions, share served) at
        the candidate hospitals; when it equals the number proposed, no plan
        does with fewer. ``None`` when unknown.
    objective, bound, gap, cost
        Objective (cost less co-location reward), the solver's bound on it,
        the relative gap, and the cost without the reward.
    build_seconds, solve_seconds
        Model build and solve times.
    messages
        Why a target cannot be met, in words.
    """

    status: PlanStatus
    centre: BoolArray
    forensic: BoolArray
    assignments: pd.DataFrame
    unserved_women: FloatArray
    centre_travel_min: FloatArray
    forensic_travel_min: FloatArray
    forensic_reachable: BoolArray
    required_centres: int
    fewest_centres: int | None
    objective: float
    bound: float
    gap: float
    cost: float
    build_seconds: float
    solve_seconds: float
    messages: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        """Whether a plan meeting every target was found (a limit may stop before one)."""
        return _found(self.status, self.objective)

    @property
    def colocated(self) -> BoolArray:
        """Hospitals with both a centre and 24/7 forensic examination."""
        return np.asarray(self.centre & self.forensic, dtype=bool)
