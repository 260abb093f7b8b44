r"""Optimize stage for hospital services: rape crisis centres and 24/7 forensic examination.

:class:`HospitalServicesModel` plans both services at hospitals in one exact
mixed-integer model solved by HiGHS, so that a rape crisis centre can share a
hospital with round-the-clock forensic examination and the shared site is paid
once.

Notation: settlements :math:`i` with women :math:`w_i` (population times the
women's share) and population :math:`p_i`; hospitals :math:`h`; travel time
:math:`t_{ih}`; :math:`K` women per centre (Council of Europe: 200,000);
:math:`T_R` and :math:`T_F` the travel limits of the two services.

Variables: :math:`r_h \in \{0, 1\}` (rape crisis centre at :math:`h`),
:math:`f_h \in \{0, 1\}` (24/7 forensic examination at :math:`h`),
:math:`o_h \in \{0, 1\}` (any service at :math:`h`), :math:`0 \le c_h \le 1`
(both services at :math:`h`), :math:`x_{ih} \ge 0` (women of :math:`i` served
by the centre at :math:`h`, only for :math:`t_{ih} \le T_R`; a settlement's
women may be split), :math:`u_i \ge 0` (women not served).

.. math::

    \sum_h x_{ih} + u_i = w_i,\quad \sum_i x_{ih} \le K r_h
        &\quad \text{each centre serves at most } K \text{ women} \\
    \sum_i u_i \le (1 - \sigma_R) \sum_i w_i
        &\quad \text{share of women served within } T_R \\
    \sum_h r_h \ge \lceil \textstyle\sum_i w_i / K \rceil
        &\quad \text{the standard's number of centres} \\
    \sum_{h \in g} r_h \ge 1
        &\quad \text{at least one centre per region } g \\
    \sum_{h \in g} r_h \ge \lceil W_g / K \rceil
        &\quad \text{(with regional\_capacity: room for all of region } g\text{'s women)} \\
    \sum_{h:\, t_{ih} \le T_F} f_h \ge 1
        &\quad \forall i \text{ with a hospital within } T_F \text{ that may host it} \\
    o_h \ge r_h,\; o_h \ge f_h,\; c_h \le r_h,\; c_h \le f_h
        &\quad \text{site use and co-location} \\
    r_h \le f_h &\quad \text{(only when co-location is required)}

Objective: minimise :math:`\sum_h (S o_h + C_R r_h + C_F f_h - \beta c_h)`:
the site cost :math:`S` once per hospital used, whatever it hosts, the cost
of each service, and a reward :math:`\beta` for each hospital with both
services (``colocation = "reward"``; :math:`\beta = 0` otherwise). Because the
site is paid once, putting the two services at the same hospital already
saves :math:`S`; the bonus says how much more a planner values co-location.
With the defaults (:math:`S = 10`, :math:`C_R = 10`, :math:`C_F = 5`,
:math:`\beta = 5`) a centre beside a forensic service costs 10 instead of 20:
the optimizer co-locates whenever the coverage targets allow it.

Exactness and size: settlements of one region that reach the same candidate
centres within :math:`T_R` are merged (exact), as are settlements with the
same forensic reach; a hospital whose forensic reach is contained in another
candidate's is never needed for forensic cover and is dropped (exact). The
candidate centres are the hospitals the caller marks (``rcc_candidate``);
:func:`planner.planning.plan` marks, in each district, the hospitals best
placed for the district's women (see there). After the sites are chosen,
every settlement's women are assigned to the open centres by a linear
programme that minimises women-weighted travel, in what is left of the time
limit (at least :data:`ASSIGN_FLOOR_S`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from planner._errors import OptionError
from planner._i18n import Note
from planner._progress import stage
from planner._validate import non_negative, same_length
from planner.locate._milp import (
    TOL_LIMIT,
    BoolArray,
    Deadline,
    FloatArray,
    IntArray,
    Milp,
    MilpBuilder,
    Outcome,
    Termination,
    VarBlock,
    solve_milp,
)
from planner.locate._search import (
    Background,
    final_outcome,
    improve_by_groups,
    merge_units,
    populated_regions,
    spare_core,
)
from planner.locate.explain import (
    explain_centre_capacity,
    explain_services,
    regional_centres,
)
from planner.locate.options import (
    ObjectiveOptions,
    RapeCrisisOptions,
    ServiceOptions,
    SitingOptions,
    SolverOptions,
    SupplyOptions,
    TargetOptions,
    required_centres,
)
from planner.locate.result import PlanStatus, ServicesResult, empty_frame, objective_bound_gap
from planner.locate.siting import SitingModel

__all__ = ["HospitalServicesModel"]

#: Share of the time limit the centres-alone search may take.


@dataclass(frozen=True)
class _Units:
    """Settlements merged into demand units for the centres (exact)."""

    first: IntArray
    women: FloatArray
    reach: BoolArray
    pu: IntArray
    ph: IntArray


@dataclass(frozen=True)
class _Layout:
    """The built services model: its MILP, blocks and the hospitals it uses."""

    milp: Milp
    cost: FloatArray
    used: IntArray
    r: VarBlock
    f: VarBlock
    o: VarBlock
    c: VarBlock


@dataclass(frozen=True)
class HospitalServicesModel:
    """Rape crisis centres and 24/7 forensic examination at hospitals, planned together.

    The one real constructor takes the cost matrix; the mathematics is in the
    module docstring. No hospital is assumed to offer either service today;
    every open service is new.

    Parameters
    ----------
    minutes
        Travel time (minutes) from each settlement (rows) to each hospital
        (columns); ``inf`` where there is no road path.
    population
        People in each settlement.
    demand_region, site_region
        Region of each settlement and hospital, for "one centre per region".
    options
        Standards, costs, co-location rule and solver limits.
    rcc_candidate
        Which hospitals may host a rape crisis centre (default: all).
    demand_names
        Labels of the settlements, used in messages.
    require_rcc, require_forensic
        Hospitals that every plan must give a rape crisis centre or 24/7
        forensic examination (a required centre is a candidate).
    forensic_candidate
        Which hospitals may host 24/7 forensic examination (default: all;
        a required one may). Settlements with none of them within the limit
        need no forensic cover.
    """

    minutes: FloatArray
    population: FloatArray
    demand_region: npt.NDArray[Any] | None = None
    site_region: npt.NDArray[Any] | None = None
    options: ServiceOptions = field(default_factory=ServiceOptions)
    rcc_candidate: BoolArray | None = None
    demand_names: Sequence[str] | None = None
    require_rcc: BoolArray | None = None
    require_forensic: BoolArray | None = None
    forensic_candidate: BoolArray | None = None

    def __post_init__(self) -> None:
        n_i, n_h = np.shape(self.minutes)
        same_length("population", self.population, n_i, "row")
        non_negative(
            "minutes",
            self.minutes,
            expected="minutes >= 0, or inf where there is no road path",
            allow_inf=True,
        )
        non_negative("population", self.population, expected="people >= 0")
        if (self.demand_region is None) != (self.site_region is None):
            raise OptionError("give both demand_region and site_region, or neither")
        same_length("site_region", self.site_region, n_h, "hospital")
        for name, service in (
            ("rcc_candidate", "rape_crisis"),
            ("require_rcc", "rape_crisis"),
            ("require_forensic", "forensic"),
            ("forensic_candidate", "forensic"),
        ):
            mask = getattr(self, name)
            if mask is None:
                continue
            same_length(name, mask, n_h, "hospital")
            if name.startswith("require") and np.any(mask) and self._service(service) is None:
                raise OptionError(f"{name} names hospitals, but {service} is not planned")

    # ---------------------------------------------------------------- figures

    @property
    def women(self) -> FloatArray:
        """Women in each settlement (population times the women's share)."""
        rc = self.options.rape_crisis
        share = rc.women_share if rc is not None else RapeCrisisOptions().women_share
        return np.asarray(self.population, dtype=float) * share

    @property
    def required_centres(self) -> int:
        """Centres the standard requires nationally (0 when centres are not planned)."""
        rc = self.options.rape_crisis
        if rc is None:
            return 0
        return required_centres(float(self.women.sum()), rc.women_per_centre)

    def _service(self, name: str) -> object:
        return self.options.rape_crisis if name == "rape_crisis" else self.options.forensic

    def _mask(self, mask: BoolArray | None) -> BoolArray:
        n_h = int(np.shape(self.minutes)[1])
        return np.zeros(n_h, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)

    @property
    def candidates(self) -> BoolArray:
        """Which hospitals may host a rape crisis centre (the required ones included)."""
        if self.rcc_candidate is None:
            return np.ones(int(np.shape(self.minutes)[1]), dtype=bool)
        return np.asarray(self.rcc_candidate, dtype=bool) | self._mask(self.require_rcc)

    @property
    def forensic_sites(self) -> BoolArray:
        """Which hospitals may host 24/7 forensic examination (the required ones included)."""
        if self.forensic_candidate is None:
            return np.ones(int(np.shape(self.minutes)[1]), dtype=bool)
        return np.asarray(self.forensic_candidate, dtype=bool) | self._mask(self.require_forensic)

    def explain(self) -> list[str]:
        """Say in words why the targets cannot be met, before any solving.

        Returns
        -------
        list[str]
            One sentence per problem; empty if none is evident.
        """
        return explain_services(self)

    def forensic_reachable(self) -> BoolArray:
        """Settlements with people and a hospital within the forensic limit.

        Returns
        -------
        numpy.ndarray
            Boolean, one per settlement.
        """
        fo = self.options.forensic
        n_i = int(np.shape(self.minutes)[0])
        if fo is None:
            return np.zeros(n_i, dtype=bool)
        reach = np.asarray(self.minutes, dtype=float) <= fo.max_travel_min + TOL_LIMIT
        reach &= self.forensic_sites[None, :]
        return np.asarray(reach.any(axis=1) & (np.asarray(self.population) > 0), dtype=bool)

    # -------------------------------------------------------------- the model

    def _units(self, minutes: FloatArray, is_c: BoolArray) -> _Units:
        """Merge settlements of one region with the same candidate centres in reach."""
        rc = self.options.rape_crisis
        women = self.women
        limit = rc.max_travel_min if rc is not None else 0.0
        reach = (minutes <= limit + TOL_LIMIT) & is_c[None, :] & (women > 0)[:, None]
        first, inv = merge_units(self.demand_region, [reach])
        r_u = reach[first]
        pu, ph = np.nonzero(r_u)
        w_u = np.bincount(inv, weights=women, minlength=len(first))
        return _Units(
            first, np.asarray(w_u, dtype=float), r_u, pu.astype(np.int64), ph.astype(np.int64)
        )

    def build(self) -> _Layout:
        """Build the MILP, one named constraint family at a time.

        Returns
        -------
        _Layout
            The model, its cost vector and its variable blocks.
        """
        opts = self.options
        rc, fo, st = opts.rape_crisis, opts.forensic, opts.sites
        minutes = np.asarray(self.minutes, dtype=float)
        n_h = minutes.shape[1]
        can_f = self.forensic_sites
        reach_f = minutes <= (fo.max_travel_min if fo is not None else -1.0) + TOL_LIMIT
        reach_f &= can_f[None, :]
        cand = self.candidates if rc is not None else np.zeros(n_h, dtype=bool)
        req_r, req_f = self._mask(self.require_rcc), self._mask(self.require_forensic)
        fcols = (
            _forensic_columns(reach_f, (cand & can_f) | req_f)
            if fo is not None
            else np.zeros(n_h, bool)
        )
        used = np.flatnonzero(cand | fcols).astype(np.int64)  # model hospitals
        n_m = len(used)
        is_c, is_f = cand[used], fcols[used]
        units = self._units(minutes[:, used], is_c) if rc is not None else None
        b = MilpBuilder()
        r = b.add_variables(
            "r", n_m, lb=req_r[used].astype(float), ub=is_c.astype(float), integer=True
        )
        f = b.add_variables(
            "f", n_m, lb=req_f[used].astype(float), ub=is_f.astype(float), integer=True
        )
        o = b.add_variables("o", n_m, ub=1.0, integer=True)
        c = b.add_variables("c", n_m, ub=(is_c & is_f).astype(float))
        if units is not None:
            b.add_variables("x", len(units.pu), ub=units.women[units.pu])
            b.add_variables("u", len(units.first), ub=units.women)
        _add_site_use(b, st.colocation)
        if units is not None:
            _add_centres(self, b, units, is_c, used)
        if fo is not None:
            _add_forensic_cover(b, reach_f[:, used][self.forensic_reachable()])
        cost = np.zeros(b.n_vars)
        cost[o.slice] = st.site_cost
        cost[r.slice] = rc.cost if rc is not None else 0.0
        cost[f.slice] = fo.cost if fo is not None else 0.0
        objective = cost.copy()
        if st.colocation == "reward":
            objective[c.slice] = -st.colocation_bonus
        return _Layout(b.build(objective), cost, used, r, f, o, c)

    # ------------------------------------------------------------- solving

    def solve(self) -> ServicesResult:
        """Solve to the options' gap and time limit.

        Returns
        -------
        ServicesResult
            Centres and forensic hospitals opened, the women's assignments,
            travel to the nearest of each, objective, bound, gap and timings.
        """
        started = time.perf_counter()
        reasons = self.explain()
        if reasons:
            return self._infeasible(reasons, time.perf_counter() - started)
        layout = self.build()
        built = time.perf_counter()
        deadline = Deadline(started, self.options.solver.time_limit_s)
        res, fewest = self._search(layout, deadline)
        if not res.has_solution or res.x is None:
            proven = res.termination == Termination.INFEASIBLE
            return self._infeasible(
                (explain_centre_capacity(self) or [Note("message.services_infeasible")])
                if proven
                else [
                    Note("message.time_no_plan", seconds=float(self.options.solver.time_limit_s))
                ],
                built - started,
                time.perf_counter() - built,
                PlanStatus.INFEASIBLE if proven else PlanStatus.TIME_LIMIT,
            )
        x = np.asarray(res.x, dtype=float)
        n_h = int(np.shape(self.minutes)[1])
        centre = np.zeros(n_h, dtype=bool)
        forensic = np.zeros(n_h, dtype=bool)
        centre[layout.used] = x[layout.r.slice] > 0.5
        forensic[layout.used] = x[layout.f.slice] > 0.5
        value, bound, gap = objective_bound_gap(layout.milp.c, res)
        rc = self.options.rape_crisis
        assigned = _assign_women(self.minutes, self.women, rc, centre, deadline)
        solved = time.perf_counter()
        if assigned.unserved is None:
            return self._infeasible(
                [Note("message.women_assignment_failed")]
                if not assigned.cut
                else [Note("message.women_assignment_cut", seconds=float(deadline.limit_s))],
                built - started,
                solved - built,
                PlanStatus.TIME_LIMIT if assigned.cut else PlanStatus.INFEASIBLE,
            )
        minutes = np.asarray(self.minutes, dtype=float)
        status = PlanStatus.of(res, gap, self.options.solver.mip_gap)
        return ServicesResult(
            status=PlanStatus.TIME_LIMIT if assigned.cut else status,
            centre=centre,
            forensic=forensic,
            assignments=assigned.table,
            unserved_women=assigned.unserved,
            centre_travel_min=_nearest(minutes, centre),
            forensic_travel_min=_nearest(minutes, forensic),
            forensic_reachable=self.forensic_reachable(),
            required_centres=self.required_centres,
            fewest_centres=fewest,
            objective=value,
            bound=bound,
            gap=gap,
            cost=float(layout.cost @ x),
            build_seconds=built - started,
            solve_seconds=solved - built,
        )

    def _search(self, layout: _Layout, deadline: Deadline) -> tuple[Outcome, int | None]:
        """Solve in two steps: the centres alone, then both services together.

        The centres alone are a capacitated set covering that
        :class:`~planner.locate.SitingModel` solves well (rounded start,
        region-by-region search); with those centres fixed, forensic
        examination and co-location are quick to add, and a region-by-region
        search may move centres to co-locate them. Meanwhile, on a second
        thread, HiGHS searches the joint model's root with its own heuristics
        (``solver.node_limit`` 1; a larger one searches deeper after the region
        search, from its plan): its sub-MIPs find plans the region search does
        not (nationally 590, not 635), and its bound proves the gap. The cheaper
        plan is kept (the root's on a tie), the same on one core or many. Also
        returns the fewest centres any plan needs, proven by the centres-alone
        search's bound (``None`` if unknown).
        """
        opts = self.options
        rc = opts.rape_crisis
        model, c = layout.milp, layout.milp.c
        s = opts.solver
        root = _root_search(model, s, deadline) if s.node_limit == 1 else None
        start = None
        fewest = None
        cut = False
        if rc is not None:
            cand, alone = _centres_alone(self, rc, max(deadline.left(), 1.0))
            cut = alone.status == PlanStatus.TIME_LIMIT
            unit = opts.sites.site_cost + rc.cost
            if alone.feasible and unit > 0 and math.isfinite(alone.bound):
                fewest = max(math.ceil(alone.bound / unit - 1e-6), self.required_centres)
            if alone.feasible:
                chosen = np.isin(layout.used, cand[alone.built]).astype(float)
                fixed = solve_milp(
                    model.fixed(layout.r.cols, chosen),
                    c,
                    max(deadline.left(), 1.0),
                    opts.solver.mip_gap,
                    None,
                    opts.solver.node_limit,
                )
                start = fixed.x
                cut = cut or fixed.termination == Termination.LIMIT
        if start is not None and self.site_region is not None:
            start, cut_here = self._improve(layout, start, (deadline.at(1.0), root))
            cut = cut or cut_here
        if root is not None:
            if not root.done():
                stage("progress.bound")
            res = root.result()
        else:
            res = solve_milp(
                model,
                c,
                max(deadline.left(), 1.0),
                s.mip_gap,
                start,
                s.node_limit,
                stall_checks=s.stall_checks,
            )
        return final_outcome(res, start, c, cut), fewest

    def _improve(
        self, layout: _Layout, x: FloatArray, run: tuple[float, Background[Outcome] | None]
    ) -> tuple[FloatArray, bool]:
        """Re-optimise one region's hospitals at a time, the others fixed (both services).

        Moving a region's centres onto hospitals that also cover its forensic gaps
        is what the centres-alone start cannot see; each sub-problem is small.
        ``run`` is the deadline and the root search on the second thread, if any
        (the next region is solved ahead once its core is free).
        """
        deadline, root = run
        region = np.asarray(self.site_region)[layout.used].astype(str)
        names, counts = np.unique(region, return_counts=True)
        blocks = (layout.r, layout.f, layout.o, layout.c)
        fixed = []
        for g in names[np.argsort(-counts, kind="stable")]:
            others = np.flatnonzero(region != g)
            fixed.append(np.concatenate([blk.start + others for blk in blocks]))
        return improve_by_groups(
            layout.milp, layout.milp.c, x, fixed, deadline, solve_milp, spare=spare_core(root)
        )

    def _infeasible(
        self,
        reasons: list[str],
        build_s: float,
        solve_s: float = 0.0,
        status: PlanStatus = PlanStatus.INFEASIBLE,
    ) -> ServicesResult:
        n_i, n_h = np.shape(self.minutes)
        return ServicesResult(
            status=status,
            centre=np.zeros(n_h, dtype=bool),
            forensic=np.zeros(n_h, dtype=bool),
            assignments=pd.DataFrame(columns=["demand", "site", "women", "travel_min"]),
            unserved_women=self.women.copy(),
            centre_travel_min=np.full(n_i, np.inf),
            forensic_travel_min=np.full(n_i, np.inf),
            forensic_reachable=self.forensic_reachable(),
            required_centres=self.required_centres,
            fewest_centres=None,
            objective=math.nan,
            bound=math.nan,
            gap=math.nan,
            cost=math.nan,
            build_seconds=build_s,
            solve_seconds=solve_s,
            messages=tuple(reasons),
        )


def _root_search(model: Milp, solver: SolverOptions, deadline: Deadline) -> Background[Outcome]:
    """Start HiGHS on the joint model's root, its own heuristics kept, on a second thread."""
    left = max(deadline.left(), 1.0)
    return Background(
        lambda: solve_milp(model, model.c, left, solver.mip_gap, None, 1, heuristics=True)
    )


def _centres_alone(
    model: HospitalServicesModel, rc: RapeCrisisOptions, limit_s: float
) -> tuple[IntArray, Any]:
    """Solve the centres alone (a capacitated set covering) in what is left of the limit."""
    opts = model.options
    cand = np.flatnonzero(model.candidates)
    alone = SitingModel(
        np.asarray(model.minutes, dtype=float)[:, cand],
        model.women / rc.women_per_centre,
        np.zeros(0),
        demand_region=model.demand_region,
        site_region=(
            np.asarray(model.site_region)[cand] if model.site_region is not None else None
        ),
        options=SitingOptions(
            targets=TargetOptions(
                max_travel_min=rc.max_travel_min,
                served_share=rc.served_share,
                one_per_region=rc.one_per_region,
                regional_capacity=rc.regional_capacity,
                nearest_tolerance_min=None,
            ),
            supply=SupplyOptions(sizes=(1.0,), size_costs=(opts.sites.site_cost + rc.cost,)),
            objective=ObjectiveOptions(type="min_cost", tie_break="none"),
            # its root search proves the fewest centres any plan needs: its LP
            # after HiGHS's presolve, rounded up to whole centres, is stronger than
            # the plain LP; the cuts after it add nothing in whole centres (README)
            solver=replace(
                opts.solver,
                root_search=True,
                stall_checks=min(opts.solver.stall_checks, 1),
                time_limit_s=limit_s,
            ),
        ),
        required=model._mask(model.require_rcc)[cand],
    ).solve()
    return cand, alone


def _forensic_columns(reach_f: BoolArray, keep: BoolArray) -> BoolArray:
    """Hospitals needed for forensic cover: drop those whose reach another's contains.

    ``keep`` hospitals (the candidate centres, so they can be co-located)
    always stay.
    """
    n_h = reach_f.shape[1]
    packed = np.packbits(reach_f.T, axis=1)
    _, first = np.unique(packed, axis=0, return_index=True)
    cls = packed[first]
    count = reach_f[:, first].sum(axis=0)
    dominated = np.zeros(len(first), dtype=bool)
    order = np.arange(len(first))
    for b in range(len(first)):
        if count[b] == 0:
            dominated[b] = True
            continue
        sup = ~np.any(cls[b][None, :] & ~cls, axis=1)
        better = sup & ((count > count[b]) | ((count == count[b]) & (order < b)))
        better[b] = False
        dominated[b] = bool(better.any())
    rep = np.zeros(n_h, dtype=bool)
    rep[first[~dominated]] = True
    return rep | keep


def _add_site_use(b: MilpBuilder, colocation: str) -> None:
    r"""Add the site-use and co-location rows.

    :math:`r_h \le o_h`, :math:`f_h \le o_h`, :math:`c_h \le r_h`, :math:`c_h \le f_h`, and
    :math:`r_h \le f_h` when co-location is required.
    """
    r, f, o, c = (b.block(n) for n in "rfoc")
    n_m = r.size
    m = np.arange(n_m)
    pairs = [(r, o), (f, o), (c, r), (c, f)]
    if colocation == "require":
        pairs.append((r, f))
    for lower, upper in pairs:
        b.add_constraints(
            "site_use" if upper is o else "colocation",
            rows=np.concatenate([m, m]),
            cols=np.concatenate([lower.cols, upper.cols]),
            vals=np.concatenate([np.ones(n_m), -np.ones(n_m)]),
            lower=-np.inf,
            upper=0.0,
            count=n_m,
        )


def _add_centres(
    model: HospitalServicesModel, b: MilpBuilder, units: _Units, is_c: BoolArray, used: IntArray
) -> None:
    r"""Add the centres' rows: demand balance, capacity, share served, count, regions.

    :math:`\sum_h x_{ih} + u_i = w_i`, :math:`\sum_i x_{ih} \le K r_h`,
    :math:`\sum_i u_i \le (1 - \sigma_R) \sum_i w_i`, :math:`\sum_h r_h \ge \lceil W / K \rceil`,
    :math:`\sum_{h \in g} r_h \ge 1`, and for the women who reach only region
    :math:`g`'s centres, :math:`\sum_{h \in g} r_h \ge \lceil (W_g - a) / K \rceil`;
    with ``regional_capacity``, :math:`\sum_{h \in g} r_h \ge \lceil W_g / K \rceil`
    for all the women :math:`W_g` of region :math:`g`.
    """
    rc = model.options.rape_crisis
    if rc is None:  # pragma: no cover - build() checks
        return
    r, x, u = b.block("r"), b.block("x"), b.block("u")
    n_u, n_m = len(units.first), r.size
    k = rc.women_per_centre
    b.add_constraints(
        "centre_demand_balance",
        rows=np.concatenate([units.pu, np.arange(n_u)]),
        cols=np.concatenate([x.cols, u.cols]),
        vals=1.0,
        lower=units.women,
        upper=units.women,
        count=n_u,
    )
    b.add_constraints(
        "centre_capacity",
        rows=np.concatenate([units.ph, np.arange(n_m)]),
        cols=np.concatenate([x.cols, r.cols]),
        vals=np.concatenate([np.ones(x.size), -k * np.ones(n_m)]),
        lower=-np.inf,
        upper=0.0,
        count=n_m,
    )
    allowance = (1 - rc.served_share) * model.women.sum()
    b.add_row("centre_served_share", u.cols, 1.0, -np.inf, allowance)
    b.add_row(
        "centre_count",
        r.start + np.flatnonzero(is_c),
        1.0,
        float(model.required_centres),
        np.inf,
    )
    if model.demand_region is None or model.site_region is None:
        return
    # women with no candidate centre in reach are unserved anyway; the rest of
    # the allowance is all the slack any group of settlements can use
    free = allowance - float(units.women[~units.reach.any(axis=1)].sum())
    site_region = np.asarray(model.site_region)[used]
    dr = np.asarray(model.demand_region)[units.first]
    populated = set(populated_regions(dr, units.women))
    for g in sorted(set(dr.tolist())):
        in_g = r.start + np.flatnonzero(is_c & (site_region == g))
        if rc.one_per_region and g in populated:
            b.add_row("centre_per_region", in_g, 1.0, 1.0, np.inf)
        home = regional_centres(model, g)  # 0 without rape_crisis.regional_capacity
        if home > 0:
            b.add_row("centre_regional_capacity", in_g, 1.0, float(home), np.inf)
        # the women who can reach only this region's centres need ceil(. / K) of them
        # (a valid row, implied when the region must host centres for all its women)
        closed = (dr == g) & ~(units.reach & (site_region != g)[None, :]).any(axis=1)
        closed &= units.reach.any(axis=1)
        need = math.ceil((units.women[closed].sum() - free) / k - 1e-9)
        if need > max(1, home):
            b.add_row("centre_closed_region", in_g, 1.0, float(need), np.inf)


def _add_forensic_cover(b: MilpBuilder, cover: BoolArray) -> None:
    r"""Forensic cover: :math:`\sum_{h:\, t_{ih} \le T_F} f_h \ge 1`, equal rows merged."""
    f = b.block("f")
    packed = np.unique(np.packbits(cover, axis=1), axis=0)
    rows = np.unpackbits(packed, axis=1, count=f.size).astype(bool)
    ui, hj = np.nonzero(rows)
    b.add_constraints(
        "forensic_cover",
        rows=ui,
        cols=f.start + hj,
        vals=1.0,
        lower=1.0,
        upper=np.inf,
        count=len(rows),
    )


def _nearest(minutes: FloatArray, open_: BoolArray) -> FloatArray:
    if not open_.any():
        return np.full(minutes.shape[0], np.inf)
    return np.asarray(minutes[:, open_].min(axis=1), dtype=float)


#: Seconds the women's assignment gets at least, even past the services' deadline: with no
#: assignment there is no plan, and on the national data it takes well under a second.
ASSIGN_FLOOR_S = 10.0


@dataclass(frozen=True)
class _Assigned:
    """The women's assignment to the chosen centres (``unserved`` None: none found)."""

    table: pd.DataFrame
    unserved: FloatArray | None
    cut: bool


def _assign_women(
    minutes: FloatArray,
    women: FloatArray,
    rc: RapeCrisisOptions | None,
    centre: BoolArray,
    deadline: Deadline,
) -> _Assigned:
    """Assign every settlement's women to the open centres, least travel first.

    It runs in what is left of the services' ``deadline`` (at least
    :data:`ASSIGN_FLOOR_S`); ``cut`` says the time limit stopped it.
    """
    columns = {"demand": int, "site": int, "women": float, "travel_min": float}
    if rc is None or not centre.any():
        unserved = women.copy() if rc is not None else np.zeros(len(women))
        return _Assigned(empty_frame(columns), unserved, cut=False)
    open_cols = np.flatnonzero(centre)
    k = rc.women_per_centre
    fixed = SitingModel(
        np.asarray(minutes, dtype=float)[:, open_cols],
        women / k,
        np.ones(len(open_cols)),
        options=SitingOptions(
            targets=TargetOptions(
                max_travel_min=rc.max_travel_min,
                served_share=max(rc.served_share - 1e-9, 0.0),
                one_per_region=False,
                # women go to the nearest centres with room (least travel); the
                # shelters' referral rule is not a standard for centres
                nearest_tolerance_min=None,
            ),
            supply=SupplyOptions(sizes=(1.0,), size_costs=(0.0,)),
            objective=ObjectiveOptions(type="min_travel", tie_break="none"),
            solver=SolverOptions(time_limit_s=max(deadline.left(), ASSIGN_FLOOR_S), mip_gap=0.0),
        ),
    )
    res = fixed.solve()
    cut = res.status == PlanStatus.TIME_LIMIT
    if not res.feasible:
        return _Assigned(empty_frame(columns), None, cut)
    a = res.assignments
    out = pd.DataFrame(
        {
            "demand": a["demand"].to_numpy(int),
            "site": open_cols[a["site"].to_numpy(int)],
            "women": a["places"].to_numpy(float) * k,
            "travel_min": a["travel_min"].to_numpy(float),
        }
    )
    return _Assigned(out, res.unserved * k, cut)
