"""Make every site of a cheapest plan as small as its settlements allow.

The site decision of a cheapest plan under the district rule is made on merged
settlements, which split their flows in proportion to their members (a
restriction: :meth:`~planner.locate.SitingModel.solve`), and the district repair
(:mod:`planner.locate._repair`) only adds capacity. Either may leave a site
larger than the settlements themselves need, or open one they do not need at
all. This step solves the site decision once more on the settlements, every
new site allowed only to keep its size, shrink or close (candidates not open
stay closed; existing shelters keep their expansion), with every row of the
site decision (served share, one shelter per region, no district worse off
than today, budget, inclusive reach) and every district held within the
tolerance of its mean travel to the sites open in the plan
(:func:`~planner.locate._repair.district_rows`): closing a site only loosens a
district's rule, so a plan these rows admit keeps it. The sub-problem has only
the plan's own sites to decide, so it solves in seconds; it is bounded by
:data:`~planner.locate._search.SUBPROBLEM_NODES` nodes (the same plan on every
machine) and starts from the plan, so it never ends costlier. The plan it
finds is referred anew (:func:`~planner.locate._assign.assign_to_open_sites`,
as every plan) and kept only if it costs less and every district keeps the
rule, with no district row dropped.

Nationally (``coe-minimum``, 5 December 2026) the repaired plan of 814 comes
down to 774 in about 5 s: a site the site decision built at 40 places needs
10, and one of 20 places is not needed at all, once the sites the repair grew
are in place.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from planner.locate._assign import AssignmentStopped, assign_to_open_sites
from planner.locate._milp import Termination, feasible
from planner.locate._repair import (
    DistrictRepair,
    Repaired,
    broken_districts,
    built_capacity,
    candidate_costs,
    district_rows_dropped,
    held_near,
    plan_vector,
    sizes_of,
)
from planner.locate._search import SUBPROBLEM_NODES, SolveFn
from planner.locate.formulation import SitingFormulation

__all__ = ["trim_sites"]


def trim_sites(
    model: SitingFormulation,
    repaired: Repaired,
    served: float,
    run: tuple[SolveFn, float],
) -> tuple[Repaired, float, bool]:
    """Shrink or close the plan's new sites where every rule still holds without them.

    Parameters
    ----------
    model
        The siting model on its settlements (``min_cost`` with the district rule).
    repaired
        The plan: capacities, their assignment and its change from the site decision
        (:class:`~planner.locate._repair.DistrictRepair`).
    served
        Demand the plan serves.
    run
        The solve call and the ``time.perf_counter()`` deadline (a safety net).

    Returns
    -------
    tuple
        The plan (trimmed, or ``repaired`` as it was), the demand it serves, and whether
        the deadline stopped the step (before it started, or its solve or assignment).
    """
    solve, deadline = run
    capacity, assigned, repair = repaired
    if model.options.targets.single_source:  # a binary per pair: not a step of seconds
        return repaired, served, False
    if time.perf_counter() > deadline:
        return repaired, served, True
    full = model.with_district_limits()
    layout = full.build(model.options.targets.max_travel_min)
    caps, costs, ok = model.size_options()
    n_e = model.n_existing
    sizes = repair.sizes
    held = held_near(model, full, layout, capacity)  # existing shelters keep their expansion
    # the plan's size or smaller (capacity 0: closed, and stays so)
    allowed = ok & (caps <= capacity[n_e:, None] + 1e-9)
    ub = held.ub.copy()
    ub[layout.y.cols] = np.minimum(ub[layout.y.cols], allowed.astype(float))
    held = replace(held, ub=ub)
    start = plan_vector(full, layout, capacity, assigned)
    if start is not None and not feasible(held, start):
        start = None  # the plan meets its rows only to the round-off: HiGHS starts alone
    left = max(deadline - time.perf_counter(), 1.0)
    res = solve(held, layout.cost, left, model.options.solver.mip_gap, start, SUBPROBLEM_NODES)
    # stopped by the time limit (a safety net), not its nodes: another machine may go further
    stopped = res.termination == Termination.LIMIT
    if res.x is None:
        return repaired, served, stopped
    x = np.asarray(res.x, dtype=float)
    trimmed = built_capacity(model, capacity, x, layout)
    new_sizes = sizes_of(model, trimmed)
    saved = candidate_costs(costs, sizes).sum() - candidate_costs(costs, new_sizes).sum()
    if saved <= 1e-9:
        return repaired, served, stopped
    now_served = float(x[layout.x.slice].sum())
    try:
        again = assign_to_open_sites(model, trimmed, now_served, deadline=deadline)
    except AssignmentStopped:
        return repaired, served, True
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    if (
        again is None
        or len(broken_districts(model, trimmed, again, tolerance))
        or (district_rows_dropped(again[2]) and not district_rows_dropped(assigned[2]))
    ):
        return repaired, served, stopped  # not expected: the rows admit a referral keeping it
    kept = DistrictRepair(new_sizes, repair.chosen, trimmed[n_e:], repair.chosen_capacity)
    return (trimmed, again, kept), now_served, stopped
