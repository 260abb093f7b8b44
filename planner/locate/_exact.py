r"""The district rule written exactly into the site decision: the search of last resort.

The closest-assignment rule's district part holds every district's mean travel
within :math:`\tau` (``nearest_tolerance_min``) of its mean travel to the
nearest *open* shelter, which depends on the sites the plan opens. The site
decision leaves it out and :mod:`planner.locate._repair` grows sites until it
holds, a heuristic that may give up where a plan keeping it exists. This step
is taken only then: the site decision is solved again on the settlements with
the rule written in.

Each settlement's travel to its nearest open site is a ladder. With
:math:`e_i` its travel to the nearest existing shelter (always open) and
:math:`c_1, \dots, c_R` the candidates nearer than that, in order of travel
:math:`t_{i c_1} \le \dots \le t_{i c_R}` (and :math:`t_{i c_{R+1}} = e_i`),

.. math::

    n_i = t_{i c_1} + \sum_{r=1}^{R} (t_{i c_{r+1}} - t_{i c_r})\, w_{ir},
    \qquad w_{ir} \le 1 - \sum_k y_{c_r k}, \qquad w_{ir} \le w_{i,r-1},

so that :math:`w_{ir}` may be 1 only while none of the :math:`r` nearest
candidates is built, and the rule (which a larger :math:`n_i` only loosens)
takes it so: :math:`n_i` is then exactly the travel to the nearest open site.
For every district :math:`D` with demand :math:`W_D = \sum_{i \in D} d_i`, all
of it served,

.. math::

    \sum_{i \in D,\, j} t_{ij} x_{ij} \le \sum_{i \in D} d_i n_i + \tau W_D + \epsilon,

with :math:`\epsilon` the round-off the assignment's district rows allow (``1e-6``
place-minutes per place of demand), so that a plan the assignment takes is a plan here.

Where :math:`e_i` is infinite (no existing shelter reached) the last rung is 0:
a settlement served must have a candidate open. Existing shelters without
places today count as closed (one that expands opens, which only tightens the
rule), so the model is a relaxation of the planner's problem at worst, exact
otherwise: its bound holds for every plan keeping the rule, and the plan it
finds is checked by the assignment itself before it is kept.

The rule is linear only when every settlement is served (the mean of the
demand served then has a fixed weight): with ``targets.served_share`` below
1 this step is not taken.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner.locate._assign import AssignmentStopped, assign_to_open_sites
from planner.locate._milp import (
    FloatArray,
    IntArray,
    Milp,
    Termination,
    feasible,
    integral_bound,
    solve_milp,
)
from planner.locate._repair import (
    DistrictRepair,
    Repaired,
    broken_districts,
    plan_vector,
    repairs_districts,
    sizes_of,
)
from planner.locate.formulation import SitingFormulation, SitingLayout, district_codes

__all__ = [
    "EXACT_NODES",
    "ExactSearch",
    "exact_rule_applies",
    "plan_exactly",
    "search_exactly",
    "small_enough",
]

#: Branch-and-bound nodes the exact search may explore at least (``solver.node_limit`` if larger).
EXACT_NODES = 1000


@dataclass(frozen=True)
class ExactSearch:
    """What the search with the district rule written in found.

    Attributes
    ----------
    termination
        How HiGHS ended: ``optimal`` (within ``solver.mip_gap``), ``work_limit``
        (the node budget), ``limit`` (the time limit, a safety net) or
        ``infeasible`` (proven: no plan within the targets keeps the rule).
    capacity
        Capacity of every site in the plan found (existing shelters with their
        expansion), ``None`` if none was found.
    sizes
        Size option of every candidate (-1: not built), ``None`` if none was found.
    expansion_cost
        Cost of each existing shelter's expansion, ``None`` if none was found.
    bound
        Lower bound on the cost of every plan keeping the rule (``-inf``: none proven).
    nodes
        The node budget it had.
    """

    termination: Termination
    capacity: FloatArray | None
    sizes: IntArray | None
    expansion_cost: FloatArray | None
    bound: float
    nodes: int


def exact_rule_applies(model: SitingFormulation) -> bool:
    """Whether the district rule can be written exactly (:mod:`planner.locate._exact`).

    Parameters
    ----------
    model
        The siting model.

    Returns
    -------
    bool
        ``min_cost`` with the closest-assignment rule and districts, every
        settlement served.
    """
    return repairs_districts(model) and model.options.targets.served_share >= 1


@dataclass(frozen=True)
class _Ladder:
    """Every settlement's travel to its nearest open site, rung by rung.

    Attributes
    ----------
    own, upper
        The ladder's own rows over the model's columns and the rungs (``w``, appended
        after them), and their upper bounds.
    p, base
        The matrix ``P`` (settlements by rungs) and each settlement's ``base``, with
        ``n = base + P w``.
    w_ub
        Each rung's upper bound (0 for the last rung of a settlement no existing
        shelter reaches).
    settlement, site
        Each rung's settlement and candidate, rungs in order of settlement and travel.
    """

    own: sp.csr_matrix
    upper: FloatArray
    p: sp.csr_matrix
    base: FloatArray
    w_ub: FloatArray
    settlement: IntArray
    site: IntArray


def small_enough(model: SitingFormulation) -> bool:
    """Whether a plan the district repair changed is searched again exactly.

    Parameters
    ----------
    model
        The siting model.

    Returns
    -------
    bool
        Settlements times candidates at most ``solver.exact_district_size`` (default
        2,500; ``bench/exact_search.py`` times it beyond: a region of 250 settlements and 25
        candidates took 88 s instead of 3; on the national model, 4,602 by 100, the search
        found nothing in 900 s).
    """
    size = len(np.asarray(model.demand)) * model.n_candidates
    return size <= model.options.solver.exact_district_size


def _ladder(model: SitingFormulation, layout: SitingLayout) -> _Ladder:
    """Build the ladder of every settlement's travel to its nearest open site."""
    minutes = np.asarray(model.minutes, dtype=float)
    d = np.asarray(model.demand, dtype=float)
    n_e, n_v = model.n_existing, len(layout.milp.lb)
    _, _, ok = model.size_options()
    open_e = np.asarray(model.existing_capacity, dtype=float) > 0
    e = minutes[:, :n_e][:, open_e].min(axis=1) if open_e.any() else np.full(len(d), np.inf)
    t_c = minutes[:, n_e:]
    can_open = np.asarray(ok.any(axis=1), dtype=bool)
    nearer = np.isfinite(t_c) & (t_c < e[:, None]) & can_open[None, :] & (d > 0)[:, None]
    order = np.argsort(np.where(nearer, t_c, np.inf), axis=1, kind="stable")  # ties: first site
    count = nearer.sum(axis=1)
    settlement = np.repeat(np.arange(len(d)), count)
    rung = np.arange(len(settlement)) - np.repeat(np.cumsum(count) - count, count)
    site = order[settlement, rung]
    t = t_c[settlement, site]
    last = rung == count[settlement] - 1
    nxt = np.where(last, e[settlement], np.roll(t, -1) if len(t) else t)
    far = last & ~np.isfinite(nxt)  # no existing shelter: some candidate must be open
    step = np.where(far, 0.0, nxt - t)
    w_ub = np.where(far, 0.0, 1.0)
    base = e.copy()  # n_i without rungs: the nearest existing shelter, or the nearest candidate
    has = np.flatnonzero(count > 0)
    if len(has):
        base[has] = t_c[has, order[has, 0]]
    base = np.where(
        np.isfinite(base), base, 0.0
    )  # a settlement reaching nothing: no plan serves it
    n_w = len(settlement)
    w_cols = n_v + np.arange(n_w)
    y = layout.y.cols  # (candidates, options)
    n_k = y.shape[1]
    # w_ir + sum_k y_{c_r k} <= 1
    rows = [np.repeat(np.arange(n_w), n_k), np.arange(n_w)]
    cols = [y[site].ravel(), w_cols]
    # w_ir - w_i,r-1 <= 0
    later = np.flatnonzero(rung > 0)
    rows += [n_w + np.arange(len(later))] * 2
    cols += [w_cols[later], w_cols[later - 1]]
    vals = np.concatenate(
        [np.ones(n_w * n_k), np.ones(n_w), np.ones(len(later)), -np.ones(len(later))]
    )
    own = sp.csr_matrix(
        (vals, (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_w + len(later), n_v + n_w),
    )
    upper = np.concatenate([np.ones(n_w), np.zeros(len(later))])
    p = sp.csr_matrix((step, (settlement, np.arange(n_w))), shape=(len(d), n_w))
    return _Ladder(own, upper, p, base, w_ub, settlement, site.astype(np.int64))


def _rule_model(model: SitingFormulation, layout: SitingLayout) -> tuple[Milp, _Ladder]:
    """Return the site decision's model with the ladder and one district row per district."""
    milp = layout.milp
    n_v = len(milp.lb)
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    minutes = np.asarray(model.minutes, dtype=float)
    d = np.asarray(model.demand, dtype=float)
    ladder = _ladder(model, layout)
    own, upper, p, base, w_ub = ladder.own, ladder.upper, ladder.p, ladder.base, ladder.w_ub
    n_w = p.shape[1]
    code, n_d = district_codes(model)
    weight = np.bincount(code, weights=d, minlength=n_d)
    # sum_{i in D, j} t_ij x_ij - sum_{i in D} d_i (P w)_i <= tau W_D + sum_{i in D} d_i base_i
    pi, pj = layout.pi, layout.pj
    member = sp.csr_matrix((d, (code, np.arange(len(d)))), shape=(n_d, len(d)))
    travel = sp.csr_matrix((minutes[pi, pj], (code[pi], layout.x.cols)), shape=(n_d, n_v))
    rule = sp.hstack([travel, -(member @ p)]).tocsr()
    # the assignment's district rows' round-off (planner.locate._assign), so that a plan
    # meeting the rule to it, as a repaired plan may, is a start here too
    slack = 1e-6 * max(float(d.sum()), 1.0)
    rhs = tolerance * weight + member @ base + slack
    used = np.flatnonzero(weight > 0)
    a = sp.vstack(
        [sp.hstack([milp.a, sp.csr_matrix((milp.a.shape[0], n_w))]), own, rule[used]]
    ).tocsr()
    return Milp(
        np.concatenate([milp.c, np.zeros(n_w)]),
        a,
        np.concatenate([milp.lb, np.zeros(n_w)]),
        np.concatenate([milp.ub, w_ub]),
        np.concatenate([milp.lo, np.full(len(upper) + len(used), -np.inf)]),
        np.concatenate([milp.hi, upper, rhs[used]]),
        np.concatenate([milp.integrality, np.zeros(n_w, dtype=milp.integrality.dtype)]),
    ), ladder


def _start(
    model: SitingFormulation,
    layout: SitingLayout,
    ladder: _Ladder,
    plan: tuple[FloatArray, tuple[FloatArray, SitingLayout, tuple[str, ...]]],
) -> FloatArray | None:
    """Write a plan (capacities and their assignment) as a solution of the rule's model.

    ``None`` where the model has variables a plan does not say (single sourcing's
    choices, inclusive reach) or a referral has no column (:func:`plan_vector`).
    """
    capacity, assigned = plan
    x = plan_vector(model, layout, capacity, assigned)
    if x is None:
        return None
    # w_ir = 1 while none of settlement i's r nearest candidates is built
    n_e = model.n_existing
    opened = (capacity[n_e + ladder.site] > 0).astype(np.int64)
    seen = np.cumsum(opened)
    first = np.r_[True, ladder.settlement[1:] != ladder.settlement[:-1]]
    before = np.maximum.accumulate(np.where(first, seen - opened, 0))
    w = np.where(seen - before == 0, 1.0, 0.0) * (ladder.w_ub > 0)
    return np.concatenate([x, w])


def search_exactly(
    model: SitingFormulation,
    *,
    time_limit_s: float,
    start: tuple[FloatArray, tuple[FloatArray, SitingLayout, tuple[str, ...]]] | None = None,
) -> ExactSearch:
    """Search for the cheapest plan keeping the district rule, written exactly.

    Parameters
    ----------
    model
        The siting model on its settlements, with its districts' limits of
        today (:meth:`~planner.locate.formulation.SitingFormulation.with_district_limits`);
        :func:`exact_rule_applies` must hold.
    time_limit_s
        Seconds left of the plan's time limit (a safety net: the search is
        bounded by :data:`EXACT_NODES` nodes, or ``solver.node_limit`` if larger).
    start
        A plan keeping the rule to start from (capacities and their assignment): the
        plan found then costs at most as much. Not used where it does not fit the model
        exactly (single sourcing, inclusive reach).

    Returns
    -------
    ExactSearch
    """
    opts = model.options
    layout = model.build(opts.targets.max_travel_min)
    milp, ladder = _rule_model(model, layout)
    cost = np.concatenate([layout.cost, np.zeros(len(milp.lb) - len(layout.cost))])
    nodes = max(EXACT_NODES, opts.solver.node_limit)
    x0 = _start(model, layout, ladder, start) if start is not None else None
    if x0 is not None and not feasible(milp, x0):
        x0 = None  # not a solution to the solver's tolerance: HiGHS searches on its own
    res = solve_milp(milp, cost, time_limit_s, opts.solver.mip_gap, x0, nodes)
    bound = res.mip_dual_bound if res.mip_dual_bound is not None else -math.inf
    bound = integral_bound(bound, cost, milp.integrality)  # 45.99999999999999 -> 46
    if res.termination == Termination.INFEASIBLE:
        bound = math.inf
    if res.x is None or not res.has_solution:
        return ExactSearch(res.termination, None, None, None, bound, nodes)
    x = np.asarray(res.x, dtype=float)
    caps, _, _ = model.size_options()
    y = x[layout.y.cols] > 0.5
    sizes = np.where(y.any(axis=1), y.argmax(axis=1), -1).astype(np.int64)
    built = np.where(sizes >= 0, caps[np.arange(len(sizes)), np.maximum(sizes, 0)], 0.0)
    existing = np.asarray(model.existing_capacity, dtype=float).copy()
    expansion = np.zeros(len(existing))
    if layout.z.size:
        z = np.round(x[layout.z.slice], 6)
        existing += z
        expansion = z * opts.supply.expand_cost_per_place
    return ExactSearch(
        res.termination,
        np.concatenate([existing, built]),
        sizes,
        expansion,
        bound,
        nodes,
    )


def plan_exactly(
    model: SitingFormulation,
    open_sizes: FloatArray,
    served: float,
    deadline: float,
    *,
    start: tuple[FloatArray, tuple[FloatArray, SitingLayout, tuple[str, ...]]] | None = None,
) -> tuple[ExactSearch, Repaired | None, bool]:
    """Plan with the district rule written in, the district repair's plan not being proven.

    Where the repair gave up, or on a small model (:func:`small_enough`). The plan
    found is referred anew (:func:`~planner.locate._assign.assign_to_open_sites`, as
    every plan) and kept only if every district then keeps the rule.

    Parameters
    ----------
    model
        The siting model on its settlements (:func:`exact_rule_applies` must hold).
    open_sizes
        Capacity of every site as the site decision chose (what the plan's changes are
        counted from).
    served
        Demand the site decision served.
    deadline
        ``time.perf_counter()`` of the plan's time limit (a safety net).
    start
        The repaired plan (capacities and their assignment) to start from, if any.

    Returns
    -------
    tuple
        The search; the plan kept (capacities, their assignment and the change from the
        site decision as a :class:`~planner.locate._repair.DistrictRepair`) or ``None``;
        whether the time limit stopped the search or the referral.
    """
    exact = search_exactly(
        model.with_district_limits(), time_limit_s=deadline - time.perf_counter(), start=start
    )
    cut = exact.termination == Termination.LIMIT
    if exact.capacity is None or exact.sizes is None:
        return exact, None, cut
    try:
        assigned = assign_to_open_sites(model, exact.capacity, served, deadline=deadline)
    except AssignmentStopped:
        return exact, None, True
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    if assigned is None or len(broken_districts(model, exact.capacity, assigned, tolerance)):
        return exact, None, cut  # cannot happen: the rule's rows admit this referral
    n_e = model.n_existing
    chosen = np.asarray(open_sizes, dtype=float)
    repair = DistrictRepair(
        exact.sizes, sizes_of(model, chosen), exact.capacity[n_e:], chosen[n_e:], cut
    )
    return exact, (exact.capacity, assigned, repair), cut
