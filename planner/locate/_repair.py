"""Grow the chosen sites until every district's people go to a shelter near them.

The closest-assignment rule's district part, "every district's mean travel
after the plan within ``nearest_tolerance_min`` of its mean travel to the
nearest open shelter", depends on which sites are open, so it is not a linear
row of the site decision. Once the site decision is made, the assignment step
(:mod:`planner.locate._assign`) holds it where the capacities chosen allow;
where they do not, this step adds capacity where it is missing, one action per
district that breaks the rule and round: the nearest open new site of the
district's largest demand referred too far grows to its next allowed size or,
when it is at its largest (or is an existing shelter), the candidate nearest
to that demand opens at its smallest size. When no district that breaks the rule
has such an action (its nearest site full at its largest, every candidate near it
open), room is made there instead: another settlement referred to that site gets a
site of its own grown or opened, the cheapest such step (:func:`_relief`; single
sourcing needs it most). Rounds repeat until the rule holds or no action is left
(or the budget binds). Every step is deterministic.

The repair only ever adds capacity. :func:`revise_districts` then searches the
regions it changed again, with every district held near the sites open in the
repaired plan (:func:`district_rows`), for a cheaper plan in which sites move,
shrink or close; that plan is repaired in turn and kept only if the rule holds
everywhere and it costs less. :mod:`planner.locate._trim` last makes every new site
as small as the settlements themselves allow, the repair's and the site decision's alike.

Where the repair gives up with a district beyond the rule (nothing can grow, the budget
binds), :mod:`planner.locate._exact` solves the site decision again with the rule written
in exactly: the repair only adds capacity, and opening a site may make its district's rule
stricter, so a plan keeping the rule may need other sites altogether.

The plan then costs more than the site decision's; the site decision's bound
still holds (it was proven for fewer rules), so the gap to it is an honest
upper bound on the gap of the repaired plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner._progress import stage
from planner.locate._milp import TOL_FLOW, FloatArray, IntArray, Milp
from planner.locate._search import SolveFn, held_outside, improve_by_groups, spare_core
from planner.locate.formulation import (
    SitingFormulation,
    SitingLayout,
    district_codes,
    nearest_open,
)

#: A plan's capacities, their assignment (solution, layout, notes) and the repair made.
Repaired = tuple[FloatArray, tuple[FloatArray, SitingLayout, tuple[str, ...]], "DistrictRepair"]

__all__ = [
    "DistrictRepair",
    "broken_districts",
    "built_capacity",
    "candidate_costs",
    "district_gaps",
    "district_rows",
    "district_rows_dropped",
    "grow_for_districts",
    "held_near",
    "plan_vector",
    "repair_districts",
    "repairs_districts",
    "revise_districts",
]

#: Place-minutes per family place of demand by which a district's travel may exceed its
#: limit: ten times the slack of the assignment's district rows (a numerical tolerance, as
#: in :mod:`planner.locate.check`), not a rule.
ROUND_OFF = 1e-5

#: Rounds of growth before the repair gives up (each round is one assignment solve).
MAX_ROUNDS = 40


@dataclass(frozen=True)
class DistrictRepair:
    """Sizes after the repair, and those the site decision chose.

    Attributes
    ----------
    sizes
        Size option of every candidate after the repair (-1: not built).
    chosen
        Size option the site decision chose (-1: not built).
    capacity
        Places of every candidate after the repair (0: not built).
    chosen_capacity
        Places of every candidate the site decision chose (0: not built).
    cut
        Whether the deadline (a safety net) stopped the repair before it was done.
    """

    sizes: IntArray
    chosen: IntArray
    capacity: FloatArray
    chosen_capacity: FloatArray
    cut: bool = False

    @property
    def opened(self) -> int:
        """Candidates the repair opened."""
        return int(((self.capacity > 0) & (self.chosen_capacity <= 0)).sum())

    @property
    def grown(self) -> int:
        """Sites of the site decision the repair enlarged."""
        return int(
            ((self.chosen_capacity > 0) & (self.capacity > self.chosen_capacity + 1e-9)).sum()
        )

    @property
    def reduced(self) -> int:
        """Sites of the site decision the revision made smaller or closed."""
        return int(
            ((self.chosen_capacity > 0) & (self.capacity < self.chosen_capacity - 1e-9)).sum()
        )

    @property
    def changed(self) -> bool:
        """Whether any site differs from the site decision's."""
        return bool(np.any(self.sizes != self.chosen))


def repairs_districts(model: SitingFormulation) -> bool:
    """Whether the plan's capacities are grown for the closest rule's district part.

    Only for the cheapest plan (``min_cost``) under the closest-assignment
    rule with districts: the other objectives weigh travel or coverage
    themselves, and a budget they exhaust is the trade-off they state.

    Parameters
    ----------
    model
        The siting model.

    Returns
    -------
    bool
    """
    opts = model.options
    return (
        opts.objective.type == "min_cost"
        and opts.targets.nearest_tolerance_min is not None
        and model.demand_district is not None
    )


def candidate_costs(costs: FloatArray, sizes: IntArray) -> FloatArray:
    """Return each candidate's cost at its size option (0 where ``sizes`` is -1: not built)."""
    rows = np.arange(len(sizes))
    return np.where(sizes >= 0, costs[rows, np.maximum(sizes, 0)], 0.0).astype(float)


def district_gaps(
    model: SitingFormulation,
    capacity: FloatArray,
    x: FloatArray,
    layout: SitingLayout,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Measure the district rule on an assignment.

    Parameters
    ----------
    model
        The siting model (``demand_district``, matrix).
    capacity
        Capacity of every site (0: closed).
    x, layout
        The assignment (its ``pj`` in the model's site numbering).

    Returns
    -------
    tuple
        Per district: mean travel of the demand served (``nan`` for a district
        with none served), the demand-weighted mean travel of its settlements
        to their nearest open site (those with a road path to one; the
        definition of the report's ``travel_min_mean_nearest_after``), and
        each settlement's district code.
    """
    minutes = np.asarray(model.minutes, dtype=float)
    code, n_d = district_codes(model)
    nearest = nearest_open(model, capacity)
    flows = x[layout.x.slice]
    used = flows > TOL_FLOW
    pi, pj, f = layout.pi[used], layout.pj[used], flows[used]
    weight = np.bincount(code[pi], weights=f, minlength=n_d)
    after = np.bincount(code[pi], weights=f * minutes[pi, pj], minlength=n_d)
    with np.errstate(invalid="ignore", divide="ignore"):
        return after / weight, _near_by_district(model, nearest), code


def _near_by_district(model: SitingFormulation, nearest: FloatArray) -> FloatArray:
    """Each district's demand-weighted mean of its settlements' ``nearest`` (those finite)."""
    code, n_d = district_codes(model)
    d = np.asarray(model.demand, dtype=float)
    known = np.isfinite(nearest)
    people = np.bincount(code[known], weights=d[known], minlength=n_d)
    near = np.bincount(code[known], weights=(d * nearest)[known], minlength=n_d)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(near / people, dtype=float)


def _far_demand(
    model: SitingFormulation, capacity: FloatArray, x: FloatArray, layout: SitingLayout
) -> FloatArray:
    """Demand of each settlement referred beyond the tolerance of its nearest open site."""
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    minutes = np.asarray(model.minutes, dtype=float)
    nearest = nearest_open(model, capacity)
    flows = x[layout.x.slice]
    far = (flows > TOL_FLOW) & (
        minutes[layout.pi, layout.pj] > nearest[layout.pi] + tolerance + 1e-6
    )
    return np.asarray(
        np.bincount(layout.pi[far], weights=flows[far], minlength=len(nearest)), dtype=float
    )


def grow_for_districts(
    model: SitingFormulation,
    sizes: IntArray,
    capacity: FloatArray,
    x: FloatArray,
    layout: SitingLayout,
    broken: IntArray,
) -> list[tuple[int, int]]:
    """Return this round's growth: one action per district that breaks the rule.

    Parameters
    ----------
    model
        The siting model.
    sizes
        Size option of every candidate (-1: not built).
    capacity
        Capacity of every site (0: closed).
    x, layout
        The assignment made with these capacities.
    broken
        Codes of the districts that break the rule.

    Returns
    -------
    list
        ``(candidate, new size option)`` actions, at most one per site; empty
        when nothing can grow.
    """
    n_e = model.n_existing
    caps, _, ok = model.size_options()
    minutes = np.asarray(model.minutes, dtype=float)
    limit = model.options.targets.max_travel_min
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    far = _far_demand(model, capacity, x, layout)
    code, _ = district_codes(model)
    open_cols = np.flatnonzero(capacity > 0)
    taken: dict[int, int] = {}
    orders = []
    for district in broken.tolist():
        rows = np.flatnonzero((code == district) & (far > TOL_FLOW))
        orders.append(rows[np.argsort(-far[rows], kind="stable")])
        for i in orders[-1]:
            action = _action(i, minutes, open_cols, (caps, ok), sizes, n_e, (limit, tolerance))
            if action is not None and action[0] not in taken:
                taken[action[0]] = action[1]
                break
    if not taken:  # nothing near them can grow or open: make room at their nearest site
        for order in orders:
            for i in order:
                action = _relief(model, i, capacity, x, layout, sizes)
                if action is not None and action[0] not in taken:
                    taken[action[0]] = action[1]
                    break
    return sorted(taken.items())


def _relief(
    model: SitingFormulation,
    i: int,
    capacity: FloatArray,
    x: FloatArray,
    layout: SitingLayout,
    sizes: IntArray,
) -> tuple[int, int] | None:
    """Make room for settlement ``i`` at its nearest open site, full and at its largest.

    Another settlement referred there may go to a site of its own instead: the cheapest
    such step (a new site it may use grown to its next size, or a candidate it may use
    opened at its smallest) frees the room ``i`` needs (single sourcing, where demand
    cannot be split around the full site, needs it most).
    """
    n_e = model.n_existing
    caps, costs, ok = model.size_options()
    minutes = np.asarray(model.minutes, dtype=float)
    nearest = int(np.flatnonzero(capacity > 0)[np.argmin(minutes[i, capacity > 0])])
    flows = x[layout.x.slice]
    there = (layout.pj == nearest) & (layout.pi != i) & (flows > TOL_FLOW)
    others = np.unique(layout.pi[there])
    if not len(others):
        return None
    allowed = model.allowed(model.options.targets.max_travel_min)[others][:, n_e:]
    usable = np.flatnonzero(allowed.any(axis=0))
    best: tuple[float, int, int] | None = None
    for c in usable.tolist():
        if c + n_e == nearest:
            continue
        current = sizes[c]
        larger = np.flatnonzero(ok[c] & (caps[c] > (caps[c, current] if current >= 0 else 0.0)))
        if not len(larger):
            continue
        k = int(larger[np.argmin(caps[c, larger])])
        step = float(costs[c, k]) - (float(costs[c, current]) if current >= 0 else 0.0)
        if best is None or (step, c) < (best[0], best[1]):
            best = (step, c, k)
    return None if best is None else (best[1], best[2])


def _action(
    i: int,
    minutes: FloatArray,
    open_cols: IntArray,
    options: tuple[FloatArray, np.ndarray],
    sizes: IntArray,
    n_e: int,
    limits: tuple[float, float],
) -> tuple[int, int] | None:
    """Grow the nearest open new site of settlement ``i``, or open the candidate nearest it."""
    caps, ok = options
    limit, tolerance = limits
    row = minutes[i]
    nearest_col = int(open_cols[np.argmin(row[open_cols])])
    if nearest_col >= n_e:
        c = nearest_col - n_e
        bigger = np.flatnonzero(ok[c] & (caps[c] > caps[c, sizes[c]] + 1e-9))
        if len(bigger):
            return c, int(bigger[np.argmin(caps[c, bigger])])
    reach = row[n_e:] <= min(row[nearest_col] + tolerance, limit) + 1e-9
    closed = np.flatnonzero(reach & (sizes < 0) & ok.any(axis=1))
    if not len(closed):
        return None
    c = int(closed[np.argmin(row[n_e:][closed])])  # the first of equals: deterministic
    options_c = np.flatnonzero(ok[c])
    return c, int(options_c[np.argmin(caps[c, options_c])])


def sizes_of(model: SitingFormulation, open_sizes: FloatArray) -> IntArray:
    """Return the size option of every candidate with capacity ``open_sizes`` (-1: not built)."""
    caps, _, ok = model.size_options()
    built = np.asarray(open_sizes, dtype=float)[model.n_existing :]
    match = ok & (np.abs(caps - built[:, None]) < 1e-6) & (built[:, None] > 0)
    return np.where(match.any(axis=1), match.argmax(axis=1), -1).astype(np.int64)


def plan_vector(
    model: SitingFormulation,
    layout: SitingLayout,
    capacity: FloatArray,
    assigned: tuple[FloatArray, SitingLayout, tuple[str, ...]],
) -> FloatArray | None:
    """Write a plan (capacities and their assignment) as a solution of ``layout``'s model.

    Parameters
    ----------
    model
        The siting model ``layout`` was built from (on its settlements).
    layout
        The model's layout.
    capacity
        Capacity of every site (0: closed).
    assigned
        The assignment made with ``capacity`` (solution, layout, notes).

    Returns
    -------
    numpy.ndarray or None
        Sizes, expansions, flows and unserved demand; ``None`` where the model has
        variables a plan does not say (single sourcing's choices, inclusive reach) or a
        referral has no column in ``layout``.
    """
    if layout.v is not None or model.options.targets.single_source:
        return None
    x_a, layout_a = assigned[0], assigned[1]
    n_e = model.n_existing
    d = np.asarray(model.demand, dtype=float)
    x0 = np.zeros(len(layout.milp.lb))
    sizes = sizes_of(model, capacity)
    built = np.flatnonzero(sizes >= 0)
    x0[layout.y.cols[built, sizes[built]]] = 1.0
    if layout.z.size:
        x0[layout.z.slice] = capacity[:n_e] - np.asarray(model.existing_capacity, dtype=float)
    flows = x_a[layout_a.x.slice]
    used = flows > 0
    n_sites = np.asarray(model.minutes).shape[1]
    keys = layout.pi * n_sites + layout.pj
    order = np.argsort(keys)
    want = layout_a.pi[used] * n_sites + layout_a.pj[used]
    at = np.searchsorted(keys[order], want)
    if len(want) and (at.max() >= len(keys) or (keys[order][at] != want).any()):
        return None
    x0[layout.x.start + order[at]] = flows[used]
    served = np.bincount(layout_a.pi[used], weights=flows[used], minlength=len(d))
    x0[layout.u.slice] = np.maximum(d - served, 0.0)
    return x0


def repair_districts(
    model: SitingFormulation,
    open_sizes: FloatArray,
    served: float,
    assigned: tuple[FloatArray, SitingLayout, tuple[str, ...]],
    fixed_cost: float = 0.0,
    *,
    deadline: float | None = None,
) -> tuple[FloatArray, tuple[FloatArray, SitingLayout, tuple[str, ...]], DistrictRepair, int]:
    """Grow sites round by round until every district keeps to the rule (or nothing can grow).

    Parameters
    ----------
    model
        The siting model.
    open_sizes
        Capacity of every site as the site decision chose.
    served
        Demand the site decision served.
    assigned
        The assignment made with ``open_sizes``.
    fixed_cost
        Cost the repair does not change (existing shelters' expansion), for
        the budget.
    deadline
        ``time.perf_counter()`` past which no further round (nor the trim)
        starts, a safety net; the repair then says it was cut
        (:attr:`DistrictRepair.cut`).

    Returns
    -------
    tuple
        The capacities, their assignment, the repair, and how many districts
        still break the rule (0 when it holds everywhere).
    """
    from planner.locate._assign import AssignmentStopped, assign_to_open_sites

    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    budget = model.options.budget
    caps, costs, _ = model.size_options()
    sizes = sizes_of(model, open_sizes)
    capacity = np.asarray(open_sizes, dtype=float).copy()
    n_e = model.n_existing
    actions: list[tuple[int, int]] = []
    broken = broken_districts(model, capacity, assigned, tolerance)
    cut = False
    for round_ in range(MAX_ROUNDS):
        if not len(broken):
            break
        if deadline is not None and time.perf_counter() > deadline:
            cut = True
            break
        stage("progress.districts", round=round_ + 1, districts=len(broken))
        grown = grow_for_districts(model, sizes, capacity, assigned[0], assigned[1], broken)
        grown = [a for a in grown if _within_budget(budget, sizes, costs, a, fixed_cost)]
        if not grown:
            break
        trial_sizes, trial = sizes.copy(), capacity.copy()
        for c, k in grown:
            trial_sizes[c] = k
            trial[n_e + c] = caps[c, k]
        try:
            again = assign_to_open_sites(model, trial, served, deadline=deadline)
        except AssignmentStopped:  # the safety net: this round is not taken
            cut = True
            break
        if again is None:  # cannot happen: more room never removes an assignment
            break
        sizes, capacity, assigned = trial_sizes, trial, again
        actions += grown
        broken = broken_districts(model, capacity, assigned, tolerance)
    chosen = sizes_of(model, open_sizes)
    if actions and not len(broken):
        if deadline is not None and time.perf_counter() > deadline:
            cut = True
        else:
            sizes, capacity, assigned, cut = _trim(
                model, (sizes, chosen), capacity, served, (assigned, deadline)
            )
    before = np.asarray(open_sizes, dtype=float)[n_e:]
    repair = DistrictRepair(sizes, chosen, capacity[n_e:], before, cut)
    return capacity, assigned, repair, len(broken)


def district_rows_dropped(notes: tuple[str, ...]) -> bool:
    """Whether the assignment had to drop its district rows (its notes say so)."""
    keys = {getattr(n, "key", "") for n in notes}
    return bool(keys & {"message.districts_note", "message.districts_note_also"})


def _trim(
    model: SitingFormulation,
    sizes: tuple[IntArray, IntArray],
    capacity: FloatArray,
    served: float,
    run: tuple[tuple[FloatArray, SitingLayout, tuple[str, ...]], float | None],
) -> tuple[IntArray, FloatArray, tuple[FloatArray, SitingLayout, tuple[str, ...]], bool]:
    """Undo what the rounds added where the rule holds without it, last site first.

    Rounds act for every broken district at once, so some growth turns out
    not to be needed once its neighbours have grown. Each site the repair
    touched steps back one size at a time (to the site decision's size, or
    closed if the repair opened it) while the assignment still keeps every
    district within the rule, with no district rows dropped. Only the repair's
    own additions are undone, so every other target still holds. ``run`` is
    the assignment of ``capacity`` and the deadline; also returns whether the
    time limit stopped an assignment (what was undone by then is kept).
    """
    from planner.locate._assign import AssignmentStopped, assign_to_open_sites

    assigned, deadline = run
    now, chosen = sizes[0].copy(), sizes[1]
    caps, _, ok = model.size_options()
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    n_e = model.n_existing
    keep_rows = not district_rows_dropped(assigned[2])
    for c in np.flatnonzero(now != chosen)[::-1].tolist():
        while now[c] != chosen[c]:
            smaller = np.flatnonzero(ok[c] & (caps[c] < caps[c, now[c]] - 1e-9))
            step = int(smaller[np.argmax(caps[c, smaller])]) if len(smaller) else -1
            if chosen[c] >= 0 and (step < 0 or caps[c, step] < caps[c, chosen[c]] - 1e-9):
                break
            if deadline is not None and time.perf_counter() > deadline:
                return now, capacity, assigned, True  # the safety net: what was undone stays
            trial = capacity.copy()
            trial[n_e + c] = caps[c, step] if step >= 0 else 0.0
            try:
                got = assign_to_open_sites(model, trial, served, deadline=deadline)
            except AssignmentStopped:
                return now, capacity, assigned, True
            if (
                got is None
                or len(broken_districts(model, trial, got, tolerance))
                or (keep_rows and district_rows_dropped(got[2]))
            ):
                break
            now[c], capacity, assigned = step, trial, got
    return now, capacity, assigned, False


def broken_districts(
    model: SitingFormulation,
    capacity: FloatArray,
    assigned: tuple[FloatArray, SitingLayout, tuple[str, ...]],
    tolerance: float,
) -> IntArray:
    """Return the codes of the districts more than ``tolerance`` beyond their nearest open site.

    Parameters
    ----------
    model
        The siting model.
    capacity
        Capacity of every site (0: closed).
    assigned
        The assignment made with ``capacity`` (solution, layout, notes).
    tolerance
        Minutes (``targets.nearest_tolerance_min``).

    Returns
    -------
    numpy.ndarray
        District codes (:func:`~planner.locate.formulation.district_codes`).
    """
    x, layout = assigned[0], assigned[1]
    after, near, code = district_gaps(model, capacity, x, layout)
    flows = x[layout.x.slice]
    used = flows > TOL_FLOW
    served = np.bincount(code[layout.pi[used]], weights=flows[used], minlength=len(after))
    # in place-minutes, as the assignment's rows: their slack lets a district's mean pass
    # its limit by a hair (a drawn district of 7 places: 3.4e-6 min), not a broken rule
    excess = np.nan_to_num(after - near - tolerance, nan=0.0) * served
    total = float(np.asarray(model.demand, dtype=float).sum())
    return np.flatnonzero(excess > ROUND_OFF * max(total, 1.0))


def _within_budget(
    budget: object, sizes: IntArray, costs: FloatArray, action: tuple[int, int], fixed: float
) -> bool:
    """Whether growing or opening a site keeps the plan within the scenario's budget.

    ``fixed`` is the cost the repair does not change (existing shelters' expansion).
    """
    c, k = action
    new_sites = int((sizes >= 0).sum()) + (1 if sizes[c] < 0 else 0)
    cost = fixed + float(candidate_costs(costs, sizes).sum())
    cost += costs[c, k] - (costs[c, sizes[c]] if sizes[c] >= 0 else 0.0)
    max_sites = getattr(budget, "max_new_sites", None)
    max_cost = getattr(budget, "max_cost", None)
    return (max_sites is None or new_sites <= max_sites) and (
        max_cost is None or cost <= max_cost + 1e-9
    )


def district_rows(
    model: SitingFormulation,
    merged: SitingFormulation,
    layout: SitingLayout,
    capacity: FloatArray,
) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
    r"""Rows that hold every district near the sites open in ``capacity``, on the merged model.

    With :math:`n_D` the district's mean travel to its nearest site open in
    ``capacity`` (:func:`district_gaps`) and :math:`\tau` the tolerance:
    :math:`\sum_{u \in D, j} (t_{uj} - n_D - \tau) x_{uj} \le 0`, i.e. the mean
    travel of the demand served stays within the tolerance of :math:`n_D`.
    Exactly the district rule while the sites nearest the district stay open;
    closing one only loosens the rule (the rows are then stricter than it);
    opening one nearer tightens it, which the repair then checks.

    Parameters
    ----------
    model
        The siting model (settlements).
    merged
        Its merged model (units of one district each), whose ``layout`` is given.
    layout
        The merged model's layout.
    capacity
        Capacity of every site (0: closed).

    Returns
    -------
    tuple
        The rows (one per district with demand in reach), their lower and upper bounds.
    """
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    near = _near_by_district(model, nearest_open(model, capacity))
    names = np.unique(np.asarray(model.demand_district).astype(str))
    unit_code = np.searchsorted(names, np.asarray(merged.demand_district).astype(str))
    pi, pj = layout.pi, layout.pj
    limit = near[unit_code[pi]] + tolerance
    use = np.isfinite(limit)
    travel = np.asarray(merged.minutes, dtype=float)[pi[use], pj[use]] - limit[use]
    districts, row = np.unique(unit_code[pi[use]], return_inverse=True)
    rows = sp.csr_matrix(
        (travel, (row, layout.x.cols[use])), shape=(len(districts), len(layout.milp.lb))
    )
    slack = 1e-6 * max(float(np.asarray(model.demand, dtype=float).sum()), 1.0)
    return rows, np.full(len(districts), -np.inf), np.full(len(districts), slack)


def revise_districts(
    model: SitingFormulation,
    search: tuple[SitingFormulation, SitingLayout, list[IntArray]],
    served: float,
    repaired: Repaired,
    fixed_cost: float,
    run: tuple[SolveFn, float],
) -> tuple[Repaired, bool]:
    """Look for a cheaper plan than the repaired one, every district held near help.

    The repair only ever adds capacity near the districts that break the rule.
    This step re-optimises the regions whose sites the repair changed, one at a
    time as :func:`~planner.locate._search.improve_by_groups` does, with
    :func:`district_rows` of the repaired plan added to the site decision's
    rows: sites may move, shrink or close as long as every district's people
    still go to help near them. The plan found is assigned and repaired again
    (opening a site nearer a district tightens its rule) and kept only when
    the rule holds everywhere and it costs less. Bounded by work, like the
    search; the deadline is a safety net.

    Parameters
    ----------
    model
        The siting model.
    search
        The merged model, its layout and the candidate groups of the search.
    served
        Demand the site decision served.
    repaired
        The repaired plan: capacities, assignment, repair.
    fixed_cost
        Cost the repair does not change (existing shelters' expansion).
    run
        The solve call and the ``time.perf_counter()`` deadline.

    Returns
    -------
    tuple
        The cheaper plan (or ``repaired``), and whether the deadline cut the step short.
    """
    from planner.locate._assign import AssignmentStopped, assign_to_open_sites

    merged, layout, groups = search
    solve, deadline = run
    capacity, _, repair = repaired
    touched = np.flatnonzero(repair.sizes != repair.chosen)
    chosen = [g for g in groups if np.isin(g, touched).any()]
    if not chosen:
        return repaired, False
    light, start = _held_near(model, merged, layout, capacity, repair.sizes, (solve, deadline))
    if start is None:
        return repaired, False
    fixed = held_outside(layout.y.cols, chosen)
    best, cut = improve_by_groups(
        light, layout.cost, start, fixed, deadline, solve, spare=spare_core()
    )
    if cut or float(layout.cost @ best) >= float(layout.cost @ start) - 1e-9:
        return repaired, cut
    _, costs, _ = model.size_options()
    revised = built_capacity(model, capacity, best, layout)
    try:
        again = assign_to_open_sites(model, revised, served, deadline=deadline)
    except AssignmentStopped:
        return repaired, True
    if again is None:
        return repaired, False
    cap2, assigned2, repair2, left = repair_districts(
        model, revised, served, again, fixed_cost, deadline=deadline
    )
    if repair2.cut:  # the revised plan was not repaired in full: keep the repaired one
        return repaired, True
    saved = (
        candidate_costs(costs, repair.sizes).sum() - candidate_costs(costs, repair2.sizes).sum()
    )
    if left or saved <= 1e-9:
        return repaired, False
    kept = DistrictRepair(repair2.sizes, repair.chosen, repair2.capacity, repair.chosen_capacity)
    return (cap2, assigned2, kept), False


def held_near(
    model: SitingFormulation,
    merged: SitingFormulation,
    layout: SitingLayout,
    capacity: FloatArray,
) -> Milp:
    """Return the site decision's rows with every district held near the sites open in a plan.

    :func:`district_rows` of ``capacity`` added to ``layout``'s rows but the linking
    rows (implied once sites are integer); expansions of existing sites stay as the
    plan has them.

    Parameters
    ----------
    model
        The siting model (settlements).
    merged
        The model ``layout`` was built from (merged units, or the settlements).
    layout
        Its layout.
    capacity
        Capacity of every site in the plan (0: closed).

    Returns
    -------
    Milp
    """
    light = layout.milp.rows(layout.core_rows).with_rows(
        *district_rows(model, merged, layout, capacity)
    )
    n_e = model.n_existing
    if layout.z.size:
        grown = capacity[:n_e] - np.asarray(model.existing_capacity, dtype=float)
        light = light.fixed(layout.z.cols, np.clip(grown, 0.0, None))
    return light


def built_capacity(
    model: SitingFormulation, capacity: FloatArray, x: FloatArray, layout: SitingLayout
) -> FloatArray:
    """Return every site's capacity: existing ones from ``capacity``, candidates as ``x`` builds.

    Parameters
    ----------
    model
        The siting model.
    capacity
        Capacity of every site in the plan the solution came from (its existing part is kept).
    x, layout
        A solution and its layout (the sizes chosen by its ``y`` columns).

    Returns
    -------
    numpy.ndarray
    """
    caps, _, _ = model.size_options()
    y = x[layout.y.cols] > 0.5
    return np.concatenate([capacity[: model.n_existing], (y * caps).sum(axis=1)])


def _held_near(
    model: SitingFormulation,
    merged: SitingFormulation,
    layout: SitingLayout,
    capacity: FloatArray,
    sizes: IntArray,
    run: tuple[SolveFn, float],
) -> tuple[Milp, FloatArray | None]:
    """Return the search model with the district rows, and the repaired plan as its start.

    Expansions of existing sites stay as the plan has them; the start's flows
    come from an LP with every site fixed (``None`` if the merged rows admit
    none, e.g. a district whose rule holds only by a split the units cannot
    make).
    """
    solve, deadline = run
    light = held_near(model, merged, layout, capacity)
    y = np.zeros(layout.y.shape)
    built = np.flatnonzero(sizes >= 0)
    y[built, sizes[built]] = 1.0
    left = max(deadline - time.perf_counter(), 1.0)
    every_site = light.fixed(layout.y.cols.ravel(), y.ravel()).relaxed()
    res = solve(every_site, layout.cost, left, 0.0, None, None)
    if res.x is None:
        return light, None
    start = np.asarray(res.x, dtype=float).copy()
    start[layout.y.cols.ravel()] = y.ravel()
    return light, start
