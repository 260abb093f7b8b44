"""The siting model's formulation: inputs, validation and named constraint families.

:class:`SitingFormulation` holds a travel-time matrix, the demand, the existing
capacity and the options, and builds the MILP of
:mod:`planner.locate.siting` (equations there) with a
:class:`~planner.locate._milp.MilpBuilder`: each constraint family is one
function below (``_add_*``), its equation in its docstring.
:class:`~planner.locate.SitingModel` adds the solve strategies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner._errors import OptionError
from planner._i18n import counted
from planner._validate import non_negative, same_length
from planner.locate._milp import (
    TOL_FLOW,
    TOL_LIMIT,
    BoolArray,
    FloatArray,
    IntArray,
    Milp,
    MilpBuilder,
    VarBlock,
)
from planner.locate._search import closed_groups, merge_units, populated_regions
from planner.locate.options import BudgetOptions, SitingOptions

__all__ = [
    "SitingFormulation",
    "SitingLayout",
    "district_codes",
    "district_mean_today",
    "nearest_open",
]

Vector = Literal["cost", "travel", "unserved", "fixed_charge"]
_VECTOR_OF: dict[str, Vector] = {
    "min_cost": "cost",
    "cost": "cost",
    "min_travel": "travel",
    "travel": "travel",
    "max_coverage": "unserved",
    "fixed_charge": "fixed_charge",
}


@dataclass(frozen=True)
class SitingLayout:
    """A built siting model: the MILP and where each variable block sits in it.

    Attributes
    ----------
    milp
        The model.
    pi, pj
        Settlement and site of each assignment variable.
    y, z, x, u, v
        The variable blocks: sizes built (candidates x sizes), expansions,
        assignments, unserved demand, inclusive reach (``None`` if absent).
    core_rows
        Every row but the linking rows (implied once sites are integer).
    cost, travel, unserved, fixed_charge
        Objective vectors (``fixed_charge`` is cost plus the weighted travel).
    """

    milp: Milp
    pi: IntArray
    pj: IntArray
    y: VarBlock
    z: VarBlock
    x: VarBlock
    u: VarBlock
    v: VarBlock | None
    core_rows: IntArray
    cost: FloatArray
    travel: FloatArray
    unserved: FloatArray
    fixed_charge: FloatArray

    def vector(self, which: str) -> FloatArray:
        """Return the objective vector of an objective type or a tie-break.

        Parameters
        ----------
        which
            An objective type (``min_cost``, ``min_travel``, ...) or a tie-break (``travel``,
            ``cost``).

        Returns
        -------
        numpy.ndarray
            One coefficient per variable.
        """
        name = _VECTOR_OF[which]
        return np.asarray(getattr(self, name), dtype=float)


@dataclass(frozen=True)
class SitingFormulation:
    """The siting model's inputs and formulation (solved by :class:`~planner.locate.SitingModel`).

    It holds the cost matrix and options, validates them, and builds the MILP
    one named constraint family at a time; :class:`~planner.locate.SitingModel`
    adds the solve strategies. The mathematics is in :mod:`planner.locate.siting`.

    Parameters
    ----------
    minutes
        Travel time (minutes) from each settlement (rows) to each site
        (columns: existing sites first, then candidates); ``inf`` where there
        is no road path.
    demand
        Family places needed at each settlement.
    existing_capacity
        Capacity (family places) of each existing site; its length says how
        many of the columns are existing sites.
    km
        Road distance (km), same shape as ``minutes``; needed for
        ``max_travel_km`` and reported on assignments.
    demand_region, site_region
        Region of each settlement and site, for the per-region targets.
    options
        Targets, supply, budget, objective and solver limits.
    demand_names
        Labels of the settlements, used in messages.
    inclusive_cover
        Boolean, same shape as ``minutes``: which sites, if open, put each
        settlement within reach of an LGBTQ+-inclusive site. Needed for
        ``options.inclusive_served_share``.
    demand_district
        District of each settlement: with the closest-assignment rule, the
        assignment keeps every district's mean travel at most today's when the
        chosen capacities cannot keep everyone near their nearest open site.
    required
        Boolean, one per candidate: candidates every plan must open (at one
        of the sizes), e.g. a building already promised.
    site_capacity, site_cost
        One per candidate: a site's own capacity (family places) and opening
        cost, overriding ``supply.sizes`` and ``supply.size_costs`` for it (a
        given building, a given rent); ``nan`` where the shared table applies.
    district_limit
        One per settlement: the most its district's demand-weighted mean
        travel may be (``nan``: no limit). :meth:`merged` and
        :meth:`with_district_limits` set it to today's mean under the
        closest-assignment rule, so that no district is worse off than today
        (one row per district).
    district_names
        Name of each district by its ``demand_district`` value, for messages.
    """

    minutes: FloatArray
    demand: FloatArray
    existing_capacity: FloatArray
    km: FloatArray | None = None
    demand_region: npt.NDArray[Any] | None = None
    site_region: npt.NDArray[Any] | None = None
    options: SitingOptions = field(default_factory=SitingOptions)
    demand_names: Sequence[str] | None = None
    inclusive_cover: BoolArray | None = None
    demand_district: npt.NDArray[Any] | None = None
    required: BoolArray | None = None
    site_capacity: FloatArray | None = None
    site_cost: FloatArray | None = None
    district_limit: FloatArray | None = None
    district_names: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        _check_formulation(self)

    # ------------------------------------------------------------------ sizes

    @property
    def n_existing(self) -> int:
        """Number of existing sites (the first columns)."""
        return len(self.existing_capacity)

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return int(np.shape(self.minutes)[1]) - self.n_existing

    @property
    def must_open(self) -> BoolArray:
        """Which candidates every plan must open (``required``; none by default)."""
        if self.required is None:
            return np.zeros(self.n_candidates, dtype=bool)
        return np.asarray(self.required, dtype=bool)

    def size_options(self) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Return each candidate's size options: capacities, costs and which exist.

        Three arrays of shape (candidates, options): the shared sizes
        (``supply.sizes`` at ``supply.size_costs``) and, when some candidate
        has its own capacity and cost, one more option that only those have
        (they lose the shared sizes).

        Returns
        -------
        capacities, costs, exists
            Each an array of shape (candidates, options).
        """
        supply = self.options.supply
        n_c = self.n_candidates
        caps = np.tile(np.asarray(supply.sizes, dtype=float), (n_c, 1))
        costs = np.tile(np.asarray(supply.size_costs, dtype=float), (n_c, 1))
        ok = np.ones(caps.shape, dtype=bool)
        if self.site_capacity is None or self.site_cost is None:
            return caps, costs, ok
        cap = np.asarray(self.site_capacity, dtype=float)
        own = np.isfinite(cap)
        cost = np.where(own, np.asarray(self.site_cost, dtype=float), 0.0)
        return (
            np.hstack([caps, np.where(own, cap, 0.0)[:, None]]),
            np.hstack([costs, cost[:, None]]),
            np.hstack([ok & ~own[:, None], own[:, None]]),
        )

    def allowed(self, limit_min: float, *, rule: bool = True) -> BoolArray:
        """Return which settlement-site pairs a plan may use, whatever is built.

        A pair is allowed within the travel limit (and the km limit) and, under
        the closest-assignment rule, at most ``targets.nearest_tolerance_min``
        farther than the settlement's nearest existing site (existing sites are
        always open, so this part of the rule is exact and only removes pairs).

        Parameters
        ----------
        limit_min
            Travel limit in minutes.
        rule
            Whether the closest-assignment rule removes pairs (``False``: the
            limits alone, to tell which of them makes a settlement unreachable).

        Returns
        -------
        numpy.ndarray
            Boolean, settlements by sites.
        """
        minutes = np.asarray(self.minutes, dtype=float)
        ok = minutes <= limit_min + TOL_LIMIT
        km_limit = self.options.targets.max_travel_km
        if km_limit is not None and self.km is not None:
            ok &= np.asarray(self.km) <= km_limit + TOL_LIMIT
        tolerance = self.options.targets.nearest_tolerance_min
        if rule and tolerance is not None and self.n_existing:
            nearest = minutes[:, : self.n_existing].min(axis=1)
            ok &= minutes <= nearest[:, None] + tolerance + TOL_LIMIT
        return np.asarray(ok, dtype=bool)

    def pairs(self, limit_min: float) -> tuple[IntArray, IntArray]:
        """Return the settlement-site pairs a plan may use (:meth:`allowed`) with demand.

        Parameters
        ----------
        limit_min
            Travel limit in minutes.

        Returns
        -------
        rows, cols
            The settlement and site index of each pair.
        """
        ok = self.allowed(limit_min) & (np.asarray(self.demand) > 0)[:, None]
        pi, pj = np.nonzero(ok)
        return pi.astype(np.int64), pj.astype(np.int64)

    def inclusive_share(self, open_sizes: FloatArray) -> float:
        """Share of the demand within reach of an open inclusive site (``inclusive_cover``).

        Parameters
        ----------
        open_sizes
            Capacity of each site in a solution (:attr:`PlanResult.open_sizes`).

        Returns
        -------
        float
            Between 0 and 1; 0 without ``inclusive_cover``.
        """
        d = np.asarray(self.demand, dtype=float)
        if self.inclusive_cover is None or d.sum() <= 0:
            return 0.0
        near = (np.asarray(self.inclusive_cover) & (open_sizes > TOL_FLOW)[None, :]).any(axis=1)
        return float(d[near].sum() / d.sum())

    # ------------------------------------------------------------- the model

    def build(
        self, limit_min: float, *, budget: bool = True, linking: bool = True
    ) -> SitingLayout:
        """Build the MILP for a travel limit, one named constraint family at a time.

        Parameters
        ----------
        limit_min
            Travel limit of the pairs that get a variable.
        budget
            Whether to add the budget rows.
        linking
            Whether to add the linking rows (they tighten the LP).

        Returns
        -------
        SitingLayout
            The model with its named variable and row blocks.
        """
        opts = self.options
        d = np.asarray(self.demand, dtype=float)
        caps, costs, ok = self.size_options()
        n_i, n_e, n_c, n_k = len(d), self.n_existing, self.n_candidates, caps.shape[1]
        pi, pj = self.pairs(limit_min)
        allow_unserved = opts.objective.type == "max_coverage" or opts.targets.served_share < 1
        b = MilpBuilder()
        y = b.add_variables("y", (n_c, n_k), ub=ok.astype(float), integer=True)
        z = b.add_variables(
            "z", n_e if opts.expand_existing else 0, ub=opts.supply.expand_max_places
        )
        x = b.add_variables("x", len(pi), ub=d[pi])
        u = b.add_variables("u", n_i, ub=d if allow_unserved else 0.0)
        _add_demand_balance(self, b, pi)
        _add_single_source(self, b, pi)
        _add_capacity(self, b, pj)
        b.add_constraints(
            "one_size",
            rows=np.repeat(np.arange(n_c), n_k),
            cols=y.cols.ravel(),
            vals=1.0,
            lower=np.where(self.must_open, 1.0, -np.inf),
            upper=1.0,
            count=n_c,
        )
        _add_linking(self, b, pi, pj, enabled=linking)
        _add_served_share(self, b)
        _add_regions(self, b)
        _add_district_means(self, b, pi, pj)
        _add_closed_group_capacity(self, b, pi, pj)
        v = _add_inclusive_reach(self, b)
        cost = np.zeros(b.n_vars)
        cost[y.cols.ravel()] = costs.ravel()
        cost[z.slice] = opts.supply.expand_cost_per_place
        if budget:
            _add_budget(self, b, cost)
        travel = np.zeros(b.n_vars)
        travel[x.slice] = np.asarray(self.minutes)[pi, pj]
        unserved = np.zeros(b.n_vars)
        unserved[u.slice] = 1.0
        linking_rows = b.constraint_rows("linking")
        core = np.setdiff1d(np.arange(b.n_rows, dtype=np.int64), linking_rows)
        fixed_charge = cost + opts.objective.travel_weight * travel
        return SitingLayout(
            b.build(), pi, pj, y, z, x, u, v, core, cost, travel, unserved, fixed_charge
        )

    def merged(self, *, least: bool = False) -> tuple[Self, IntArray]:
        """Merge settlements of one region that reach the same sites within the limits.

        Parameters
        ----------
        least
            With district rows, give each unit its members' least travel to
            each site instead of their demand-weighted mean. The mean makes the
            rows exact for flows split in proportion to the members' demand (a
            restriction: its plans hold for the settlements); the least makes
            them hold for every split (a relaxation: its bound holds for the
            settlements). Both have the same units, pairs and columns.

        Returns
        -------
        tuple[SitingFormulation, numpy.ndarray]
            The merged model (of the same class) (``inf`` on pairs out of reach)
            and each settlement's unit.
        """
        opts = self.options
        if opts.targets.single_source:  # units would be referred as one: not exact
            return self.with_district_limits(), np.arange(len(self.demand), dtype=np.int64)
        reach = self.allowed(opts.targets.max_travel_min)
        masks = [reach]
        if self.inclusive_cover is not None:
            masks.append(np.asarray(self.inclusive_cover, dtype=bool))
        limits = _today_by_district(self)
        if limits is not None:  # held to today or not: never in one unit
            masks.append(np.isfinite(limits)[:, None])
        # with district rows, settlements merge only within their district
        first, inv = merge_units(
            self.demand_district if limits is not None else self.demand_region, masks
        )
        demand = np.bincount(
            inv, weights=np.asarray(self.demand, dtype=float), minlength=len(first)
        )
        minutes = np.where(reach[first], 0.0, np.inf)
        if limits is not None:  # the units' travel (one district each): mean, or least
            minutes = (_unit_least if least else _unit_means)(
                self.minutes, self.demand, reach, first, inv
            )
        names = None
        if self.demand_names is not None:
            names = [str(self.demand_names[i]) for i in first]
        merged = replace(
            self,
            minutes=minutes,
            demand=np.asarray(demand, dtype=np.float64),
            district_limit=None if limits is None else limits[first],
            km=None,
            demand_region=(
                np.asarray(self.demand_region)[first] if self.demand_region is not None else None
            ),
            options=replace(opts, targets=replace(opts.targets, max_travel_km=None)),
            demand_names=names,
            demand_district=(
                np.asarray(self.demand_district)[first]
                if self.demand_district is not None
                else None
            ),
            inclusive_cover=(
                np.asarray(self.inclusive_cover)[first]
                if self.inclusive_cover is not None
                else None
            ),
        )
        return merged, inv

    def with_district_limits(self) -> Self:
        """Return the model with its districts' limits, for a site decision on its settlements.

        Under the closest-assignment rule no district may be worse off than
        today: ``district_limit`` becomes each settlement's district's mean
        travel today (:func:`district_mean_today`, where the travel limit does
        not already bind), so :meth:`build` adds the district rows.
        :meth:`merged` sets the limits of its units itself; a model solved on
        its settlements (``single_source``, ``min_travel``, ``fixed_charge``,
        ``min_worst_travel``) takes them from here. Unchanged when the rule is
        off, districts are not given, or the limits are set already.

        Returns
        -------
        SitingFormulation
            The model (of the same class) with ``district_limit`` set where it applies.
        """
        if self.district_limit is not None:
            return self
        limits = _today_by_district(self)
        return self if limits is None else replace(self, district_limit=limits)

    def assignment_model(
        self, capacity: FloatArray, *, closest: bool = True
    ) -> tuple[Self, IntArray]:
        """Return the least-travel assignment to open sites of fixed capacity, and their columns.

        Parameters
        ----------
        capacity
            Capacity of every site (0: closed).
        closest
            Apply the closest-assignment rule to every open site (new sites
            included: each settlement at most ``targets.nearest_tolerance_min``
            beyond its nearest open site). ``False`` keeps only the rule's
            part about existing sites (the pairs :meth:`allowed`).

        Returns
        -------
        tuple[SitingFormulation, numpy.ndarray]
            The assignment model over the open sites, and the columns (sites) it keeps.
        """
        opts = self.options
        open_cols = np.flatnonzero(capacity > TOL_FLOW)
        minutes = np.asarray(self.minutes, dtype=float)
        targets = replace(
            opts.targets, one_per_region=False, regional_capacity=False, served_share=1.0
        )
        if not closest:
            minutes = np.where(self.allowed(opts.targets.max_travel_min), minutes, np.inf)
            targets = replace(targets, nearest_tolerance_min=None)
        fixed = replace(
            self,
            minutes=minutes[:, open_cols],
            km=None if self.km is None else np.asarray(self.km)[:, open_cols],
            existing_capacity=np.asarray(capacity, dtype=float)[open_cols],
            site_region=None,
            demand_region=None,
            options=SitingOptions(
                targets=targets,
                supply=replace(opts.supply, existing="keep"),
                budget=BudgetOptions(),
                objective=replace(opts.objective, type="min_travel"),
                solver=opts.solver,
            ),
            inclusive_cover=None,
            required=None,
            site_capacity=None,
            site_cost=None,
        )
        return fixed, open_cols


def _today_by_district(model: SitingFormulation) -> FloatArray | None:
    """Each settlement's district's mean travel to its nearest existing site today.

    ``nan`` where the district is not limited: beyond the travel limit
    (the limit already keeps it) or unreachable today, and for a settlement
    with no road path to an existing site (no worse off than "none": its
    district's people who have one are held to today). ``None`` when the
    closest-assignment rule is off or districts are not given.
    """
    tolerance = model.options.targets.nearest_tolerance_min
    if tolerance is None or model.demand_district is None or not model.n_existing:
        return None
    mean = district_mean_today(model)
    mean[mean >= model.options.targets.max_travel_min] = np.nan
    # a settlement with no road path to a shelter today is better off served however far:
    # only its district's people who have one are held to today's mean (its referral once
    # counted against them)
    today = np.asarray(model.minutes, dtype=float)[:, : model.n_existing].min(axis=1)
    mean[~np.isfinite(today)] = np.nan
    return mean


def district_codes(model: SitingFormulation) -> tuple[IntArray, int]:
    """Return each settlement's district number (sorted ``demand_district``), and how many.

    Parameters
    ----------
    model
        The model (its ``demand_district``).

    Returns
    -------
    codes, count
        Each settlement's district number (from 0, in the sorted order of ``demand_district``)
        and the number of districts.
    """
    _, code = np.unique(np.asarray(model.demand_district).astype(str), return_inverse=True)
    code = np.asarray(code, dtype=np.int64).ravel()
    return code, int(code.max()) + 1 if len(code) else 0


def nearest_open(model: SitingFormulation, capacity: FloatArray) -> FloatArray:
    """Return each settlement's travel to its nearest site with ``capacity > 0`` (or inf).

    Parameters
    ----------
    model
        The model (its ``minutes``).
    capacity
        Capacity of every site (0: closed).

    Returns
    -------
    numpy.ndarray
        Minutes, one per settlement.
    """
    minutes = np.asarray(model.minutes, dtype=float)
    cols = np.flatnonzero(np.asarray(capacity) > 0)
    far = np.full(minutes.shape[0], np.inf)
    return np.asarray(minutes[:, cols].min(axis=1), dtype=float) if len(cols) else far


def district_mean_today(model: SitingFormulation) -> FloatArray:
    """Return each settlement's district's mean travel to its nearest existing site today.

    Demand-weighted over the district's settlements with demand and a road
    path to an existing site; ``nan`` where there are none (or no
    districts or existing sites are given).

    Parameters
    ----------
    model
        The model (its ``minutes``, ``demand`` and ``demand_district``).

    Returns
    -------
    numpy.ndarray
        Minutes, one per settlement.
    """
    d = np.asarray(model.demand, dtype=float)
    if model.demand_district is None or not model.n_existing:
        return np.full(len(d), np.nan)
    today = np.asarray(model.minutes, dtype=float)[:, : model.n_existing].min(axis=1)
    known = np.isfinite(today) & (d > 0)
    code, n_d = district_codes(model)
    weight = np.bincount(code[known], weights=d[known], minlength=n_d)
    spent = np.bincount(code[known], weights=(d * today)[known], minlength=n_d)
    mean = np.where(weight > 0, spent / np.where(weight > 0, weight, 1.0), np.nan)
    return np.asarray(mean[code], dtype=float)


def _add_demand_balance(model: SitingFormulation, b: MilpBuilder, pi: IntArray) -> None:
    r"""Every settlement's demand is served or unserved: :math:`\sum_j x_{ij} + u_i = d_i`."""
    d = np.asarray(model.demand, dtype=float)
    x, u = b.block("x"), b.block("u")
    b.add_constraints(
        "demand_balance",
        rows=np.concatenate([pi, np.arange(len(d))]),
        cols=np.concatenate([x.cols, u.cols]),
        vals=1.0,
        lower=d,
        upper=d,
        count=len(d),
    )


def _unit_means(
    minutes: FloatArray, demand: FloatArray, reach: BoolArray, first: IntArray, inv: IntArray
) -> FloatArray:
    """Demand-weighted mean travel of each unit to each site it reaches (``inf`` elsewhere)."""
    t = np.asarray(minutes, dtype=float)
    d = np.asarray(demand, dtype=float)
    n_u = len(first)
    members = sp.csr_matrix((d, (inv, np.arange(len(d)))), shape=(n_u, len(d)))
    total = np.asarray(members.sum(axis=1)).ravel()
    mean = np.asarray(members @ np.where(reach, t, 0.0))
    mean = np.where(total[:, None] > 0, mean / np.where(total > 0, total, 1.0)[:, None], t[first])
    return np.asarray(np.where(reach[first], mean, np.inf), dtype=float)


def _unit_least(
    minutes: FloatArray, demand: FloatArray, reach: BoolArray, first: IntArray, inv: IntArray
) -> FloatArray:
    """Least travel of each unit's settlements to each site it reaches (``inf`` elsewhere).

    ``demand`` is unused: taken for the signature of :func:`_unit_means`.
    """
    t = np.where(reach, np.asarray(minutes, dtype=float), np.inf)
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(len(first)))
    least = np.minimum.reduceat(t[order], starts, axis=0)
    return np.asarray(np.where(reach[first], least, np.inf), dtype=float)


def _add_district_means(
    model: SitingFormulation, b: MilpBuilder, pi: IntArray, pj: IntArray
) -> None:
    r"""No district worse off than today: :math:`\sum_{i \in D,j} (t_{ij} - B_D) x_{ij} \le 0`.

    :math:`B_D` is the district's mean travel today (``district_limit``); the
    mean travel of the demand it gets served stays at most that. On merged
    units with their mean travel the rows are sufficient: splitting each
    unit's flows in proportion to its settlements' demand meets them exactly.
    """
    if model.district_limit is None or model.demand_district is None:
        return
    limit = np.asarray(model.district_limit, dtype=float)
    use = np.isfinite(limit[pi])
    if not use.any():
        return
    code, _ = district_codes(model)
    rows_d = np.unique(code[pi[use]])
    row_of = np.full(int(code.max()) + 1, -1, dtype=np.int64)
    row_of[rows_d] = np.arange(len(rows_d))
    t = np.asarray(model.minutes, dtype=float)[pi[use], pj[use]] - limit[pi[use]]
    slack = 1e-6 * max(float(np.asarray(model.demand, dtype=float).sum()), 1.0)
    b.add_constraints(
        "district_means",
        rows=row_of[code[pi[use]]],
        cols=b.block("x").cols[use],
        vals=t,
        lower=-np.inf,
        upper=slack,
        count=len(rows_d),
    )


def _add_single_source(model: SitingFormulation, b: MilpBuilder, pi: IntArray) -> None:
    r"""Single sourcing: :math:`x_{ij} = d_i w_{ij}` and :math:`\sum_j w_{ij} \le 1`.

    With :math:`w` binary and the demand balance, a settlement is served
    whole at one site or not at all.
    """
    if not model.options.targets.single_source:
        return
    d = np.asarray(model.demand, dtype=float)
    x = b.block("x")
    m = len(pi)
    w = b.add_variables("w", m, ub=1.0, integer=True)
    b.add_constraints(
        "single_source_link",
        rows=np.concatenate([np.arange(m), np.arange(m)]),
        cols=np.concatenate([x.cols, w.cols]),
        vals=np.concatenate([np.ones(m), -d[pi]]),
        lower=0.0,
        upper=0.0,
        count=m,
    )
    b.add_constraints(
        "single_source_one",
        rows=pi,
        cols=w.cols,
        vals=1.0,
        lower=-np.inf,
        upper=1.0,
        count=len(d),
    )


def _add_capacity(model: SitingFormulation, b: MilpBuilder, pj: IntArray) -> None:
    r"""Add the capacity rows of existing sites and candidates.

    :math:`\sum_i x_{ie} - z_e \le c_e` and :math:`\sum_i x_{ij} - \sum_k s_k y_{jk} \le 0`.
    """
    n_e, n_c = model.n_existing, model.n_candidates
    x, y, z = b.block("x"), b.block("y"), b.block("z")
    caps = model.size_options()[0]
    is_e = pj < n_e
    b.add_constraints(
        "capacity_existing",
        rows=np.concatenate([pj[is_e], np.arange(z.size)]),
        cols=np.concatenate([x.cols[is_e], z.cols]),
        vals=np.concatenate([np.ones(int(is_e.sum())), -np.ones(z.size)]),
        lower=-np.inf,
        upper=np.asarray(model.existing_capacity, dtype=float),
        count=n_e,
    )
    b.add_constraints(
        "capacity_candidate",
        rows=np.concatenate([pj[~is_e] - n_e, np.repeat(np.arange(n_c), caps.shape[1])]),
        cols=np.concatenate([x.cols[~is_e], y.cols.ravel()]),
        vals=np.concatenate([np.ones(int((~is_e).sum())), -caps.ravel()]),
        lower=-np.inf,
        upper=0.0,
        count=n_c,
    )


def _add_linking(
    model: SitingFormulation, b: MilpBuilder, pi: IntArray, pj: IntArray, *, enabled: bool
) -> None:
    r"""Linking: :math:`x_{ij} - d_i \sum_k y_{jk} \le 0` for candidate pairs."""
    d = np.asarray(model.demand, dtype=float)
    x, y = b.block("x"), b.block("y")
    n_k = y.shape[1]
    cp = np.flatnonzero(pj >= model.n_existing) if enabled else np.zeros(0, dtype=np.int64)
    m = len(cp)
    b.add_constraints(
        "linking",
        rows=np.concatenate([np.arange(m), np.repeat(np.arange(m), n_k)]),
        cols=np.concatenate([x.cols[cp], y.cols[pj[cp] - model.n_existing].ravel()]),
        vals=np.concatenate([np.ones(m), -np.repeat(d[pi[cp]], n_k)]),
        lower=-np.inf,
        upper=0.0,
        count=m,
    )


def _add_served_share(model: SitingFormulation, b: MilpBuilder) -> None:
    r"""Limit the unserved demand: :math:`\sum_i u_i \le (1 - \sigma) \sum_i d_i`."""
    opts = model.options
    if opts.objective.type == "max_coverage" or opts.targets.served_share >= 1:
        return
    d = np.asarray(model.demand, dtype=float)
    b.add_row(
        "served_share",
        b.block("u").cols,
        1.0,
        -np.inf,
        (1 - opts.targets.served_share) * d.sum(),
    )


def _add_regions(model: SitingFormulation, b: MilpBuilder) -> None:
    r"""Add the per-region rows: one site in every region, and regional capacity.

    :math:`|E_r| + \sum_{j \in r,k} y_{jk} \ge 1` and
    :math:`\sum_{e \in r}(c_e + z_e) + \sum_{j \in r,k} s_k y_{jk} \ge \sum_{i \in r} d_i`.
    """
    if model.demand_region is None or model.site_region is None:
        return
    opts = model.options
    d = np.asarray(model.demand, dtype=float)
    cap_e = np.asarray(model.existing_capacity, dtype=float)
    caps = model.size_options()[0]
    y, z = b.block("y"), b.block("z")
    n_e = model.n_existing
    srg, dr = np.asarray(model.site_region), np.asarray(model.demand_region)
    populated = set(populated_regions(dr, d))
    for region in sorted(set(dr.tolist())):
        cand = np.flatnonzero(srg[n_e:] == region)
        ex = np.flatnonzero(srg[:n_e] == region)
        if opts.targets.one_per_region and len(ex) == 0 and region in populated:
            b.add_row("one_per_region", y.cols[cand].ravel(), 1.0, 1.0, np.inf)
        if opts.targets.regional_capacity:
            zc = z.start + ex if opts.expand_existing else np.zeros(0, dtype=np.int64)
            b.add_row(
                "regional_capacity",
                np.concatenate([y.cols[cand].ravel(), zc]),
                np.concatenate([caps[cand].ravel(), np.ones(len(zc))]),
                d[dr == region].sum() - cap_e[ex].sum(),
                np.inf,
            )


def _add_closed_group_capacity(
    model: SitingFormulation, b: MilpBuilder, pi: IntArray, pj: IntArray
) -> None:
    r"""Add valid capacity rows for demand that only a known set of sites can take.

    For a group :math:`G` of settlements whose reachable sites are
    :math:`S_G`: :math:`\sum_{e \in S_G} z_e + \sum_{j \in S_G,k} s_k y_{jk}
    \ge \sum_{i \in G} d_i - \sum_{e \in S_G} c_e - a`, where :math:`a` is the
    part of the unserved allowance not taken by demand no site reaches.
    They expose integer rounding to the solver (not for max_coverage).
    """
    opts = model.options
    if opts.objective.type == "max_coverage":
        return
    d = np.asarray(model.demand, dtype=float)
    cap_e = np.asarray(model.existing_capacity, dtype=float)
    caps = model.size_options()[0]
    y, z = b.block("y"), b.block("z")
    n_e, n_i = model.n_existing, len(d)
    reached = np.zeros(n_i, dtype=bool)
    reached[pi] = True
    allowance = (1 - opts.targets.served_share) * d.sum() - float(d[~reached].sum())
    n_j = int(np.shape(model.minutes)[1])
    for units, sites_in in closed_groups(pi, pj, n_i, n_j, model.site_region):
        need = d[units].sum() - cap_e[sites_in[sites_in < n_e]].sum() - allowance
        cand = sites_in[sites_in >= n_e] - n_e
        if need <= 1e-9 or len(cand) == 0:
            continue
        ex = sites_in[sites_in < n_e]
        zc = z.start + ex if opts.expand_existing else np.zeros(0, dtype=np.int64)
        b.add_row(
            "closed_group_capacity",
            np.concatenate([y.cols[cand].ravel(), zc]),
            np.concatenate([caps[cand].ravel(), np.ones(len(zc))]),
            need,
            np.inf,
        )


def _add_inclusive_reach(model: SitingFormulation, b: MilpBuilder) -> VarBlock | None:
    r"""Add the inclusive-reach rows and their variables :math:`v`.

    :math:`v_i \le \sum_{j \in I_i,k} y_{jk}` and :math:`\sum_i d_i v_i \ge \iota \sum_i d_i`.
    """
    target = model.options.inclusive_served_share
    if target is None or model.inclusive_cover is None:
        return None
    d = np.asarray(model.demand, dtype=float)
    n_e, n_i = model.n_existing, len(d)
    y = b.block("y")
    n_k = y.shape[1]
    cover = np.asarray(model.inclusive_cover, dtype=bool)
    done: BoolArray = np.asarray(cover[:, :n_e].any(axis=1), dtype=bool)
    ci, cj = np.nonzero(cover[:, n_e:] & ~done[:, None])
    rows_i = np.flatnonzero(~done & (d > 0))
    row_of = np.full(n_i, -1, dtype=np.int64)
    row_of[rows_i] = np.arange(len(rows_i))
    keep = row_of[ci] >= 0
    ci, cj = ci[keep], cj[keep]
    v = b.add_variables("v", n_i, ub=1.0)
    b.add_constraints(
        "inclusive_cover",
        rows=np.concatenate([row_of[ci].repeat(n_k), np.arange(len(rows_i))]),
        cols=np.concatenate([y.cols[cj].ravel(), v.start + rows_i]),
        vals=np.concatenate([-np.ones(len(ci) * n_k), np.ones(len(rows_i))]),
        lower=-np.inf,
        upper=0.0,
        count=len(rows_i),
    )
    b.add_row("inclusive_share", v.cols, d, target * d.sum() - 1e-9 * max(d.sum(), 1.0), np.inf)
    return v


def _add_budget(model: SitingFormulation, b: MilpBuilder, cost: FloatArray) -> None:
    r"""Add the budget rows.

    :math:`\sum_{jk} y_{jk} \le p` and :math:`\sum_{jk} f_k y_{jk} + \phi \sum_e z_e \le B`.
    """
    budget = model.options.budget
    if budget.max_new_sites is not None:
        b.add_row("max_new_sites", b.block("y").cols.ravel(), 1.0, -np.inf, budget.max_new_sites)
    if budget.max_cost is not None:
        nz = np.flatnonzero(cost)
        b.add_row("max_cost", nz, cost[nz], -np.inf, budget.max_cost)


def _check_formulation(model: SitingFormulation) -> None:
    """Refuse inputs of the wrong shape, sign or kind, naming the argument and entry."""
    n_i, n_j = np.shape(model.minutes)
    same_length("demand", model.demand, n_i, "matrix row")
    if len(model.existing_capacity) > n_j:
        raise OptionError(
            f"existing_capacity has {counted(len(model.existing_capacity), 'value')} "
            f"for {counted(n_j, 'site')}"
        )
    for name, matrix in (("km", model.km), ("inclusive_cover", model.inclusive_cover)):
        if matrix is not None and np.shape(matrix) != (n_i, n_j):
            raise OptionError(f"{name} has shape {np.shape(matrix)}; expected {(n_i, n_j)}")
    no_path = "{} >= 0, or inf where there is no road path"
    non_negative("minutes", model.minutes, expected=no_path.format("minutes"), allow_inf=True)
    if model.km is not None:
        non_negative("km", model.km, expected=no_path.format("km"), allow_inf=True)
    non_negative("demand", model.demand, expected="family places >= 0")
    non_negative("existing_capacity", model.existing_capacity, expected="family places >= 0")
    if model.options.targets.max_travel_km is not None and model.km is None:
        raise OptionError("max_travel_km needs the km matrix")
    if (model.demand_region is None) != (model.site_region is None):
        raise OptionError("give both demand_region and site_region, or neither")
    same_length("demand_district", model.demand_district, n_i, "matrix row")
    same_length("required", model.required, n_j - len(model.existing_capacity), "candidate site")
    _check_site_sizes(model.site_capacity, model.site_cost, n_j - len(model.existing_capacity))
    if model.options.inclusive_served_share is not None and model.inclusive_cover is None:
        raise OptionError("inclusive_served_share needs the inclusive_cover matrix")


def _check_site_sizes(
    capacity: FloatArray | None, cost: FloatArray | None, n_candidates: int
) -> None:
    """Check candidates' own capacities and costs: given together, positive, one per site."""
    if capacity is None and cost is None:
        return
    if capacity is None or cost is None:
        raise OptionError("give both site_capacity and site_cost, or neither")
    for name, values in (("site_capacity", capacity), ("site_cost", cost)):
        same_length(name, values, n_candidates, "candidate site")
    cap, fee = np.asarray(capacity, dtype=float), np.asarray(cost, dtype=float)
    if (np.isfinite(cap) != np.isfinite(fee)).any():
        j = int(np.flatnonzero(np.isfinite(cap) != np.isfinite(fee))[0])
        raise OptionError(f"candidate {j} has only one of its own capacity and cost")
    if (cap[np.isfinite(cap)] <= 0).any() or (fee[np.isfinite(fee)] < 0).any():
        raise OptionError("a site's own capacity must be > 0 and its own cost >= 0")
