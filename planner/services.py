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
    \sum_{h:\, t_{ih} \le T_F} f_h \ge 1
        &\quad \forall i \text{ with a hospital within } T_F \\
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
programme that minimises women-weighted travel.
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
import scipy.sparse as sp

from planner._milp import Milp, solve_milp
from planner.optimize import SitingModel, SitingOptions
from planner.scenario import (
    ForensicOptions,
    HospitalSiteOptions,
    RapeCrisisOptions,
    Scenario,
)

__all__ = [
    "HospitalServicesModel",
    "ServiceOptions",
    "ServicesResult",
    "check_services",
    "required_centres",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def required_centres(women: float, women_per_centre: float = 200_000.0) -> int:
    """Return the number of rape crisis centres a standard requires for ``women``.

    Parameters
    ----------
    women
        Number of women.
    women_per_centre
        Women per centre (Council of Europe: 200,000).

    Returns
    -------
    int
        ``women / women_per_centre`` rounded up (0 for no women).
    """
    if women < 0 or not math.isfinite(women):
        raise ValueError(f"women is {women!r}; expected a number >= 0")
    if women_per_centre <= 0:
        raise ValueError(f"women_per_centre is {women_per_centre!r}; expected a number > 0")
    return math.ceil(women / women_per_centre - 1e-9)


@dataclass(frozen=True)
class ServiceOptions:
    """Standards, costs and solver limits of a :class:`HospitalServicesModel`.

    ``rape_crisis`` or ``forensic`` set to ``None`` leaves that service out.
    """

    rape_crisis: RapeCrisisOptions | None = field(default_factory=RapeCrisisOptions)
    forensic: ForensicOptions | None = field(default_factory=ForensicOptions)
    sites: HospitalSiteOptions = field(default_factory=HospitalSiteOptions)
    time_limit_s: float = 60.0
    mip_gap: float = 0.005

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> ServiceOptions:
        """Take the service tables and solver limits of a scenario."""
        return cls(
            rape_crisis=scenario.rape_crisis,
            forensic=scenario.forensic,
            sites=scenario.hospital_sites,
            time_limit_s=scenario.solver.time_limit_s,
            mip_gap=scenario.solver.mip_gap,
        )


@dataclass(frozen=True)
class ServicesResult:
    """The outcome of :meth:`HospitalServicesModel.solve`.

    Attributes
    ----------
    status
        ``"optimal"``, ``"time_limit"`` (best found, gap reported) or
        ``"infeasible"`` (see ``messages``).
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

    status: str
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
        """Whether a plan meeting every target was found."""
        return self.status in ("optimal", "time_limit")

    @property
    def colocated(self) -> BoolArray:
        """Hospitals with both a centre and 24/7 forensic examination."""
        return self.centre & self.forensic


@dataclass(frozen=True)
class HospitalServicesModel:
    """Rape crisis centres and 24/7 forensic examination at hospitals, planned together.

    The one real constructor takes the cost matrix; the mathematics is in the
    module docstring. No hospital offers either service today (the situation
    in Azerbaijan); every open service is new.

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
    """

    minutes: FloatArray
    population: FloatArray
    demand_region: npt.NDArray[Any] | None = None
    site_region: npt.NDArray[Any] | None = None
    options: ServiceOptions = field(default_factory=ServiceOptions)
    rcc_candidate: BoolArray | None = None
    demand_names: Sequence[str] | None = None

    def __post_init__(self) -> None:
        n_i, n_h = np.shape(self.minutes)
        if len(self.population) != n_i:
            raise ValueError(f"population has {len(self.population)} values for {n_i} rows")
        if np.any(np.asarray(self.population) < 0):
            raise ValueError("population must not be negative")
        if (self.demand_region is None) != (self.site_region is None):
            raise ValueError("give both demand_region and site_region, or neither")
        if self.site_region is not None and len(self.site_region) != n_h:
            raise ValueError(f"site_region has {len(self.site_region)} values for {n_h} hospitals")
        if self.rcc_candidate is not None and len(self.rcc_candidate) != n_h:
            raise ValueError(
                f"rcc_candidate has {len(self.rcc_candidate)} values for {n_h} hospitals"
            )

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

    def _candidates(self) -> BoolArray:
        n_h = int(np.shape(self.minutes)[1])
        if self.rcc_candidate is None:
            return np.ones(n_h, dtype=bool)
        return np.asarray(self.rcc_candidate, dtype=bool)

    def explain(self) -> list[str]:
        """Say in words why the targets cannot be met, before any solving.

        Returns
        -------
        list[str]
            One sentence per problem; empty if none is evident.
        """
        msgs: list[str] = []
        rc = self.options.rape_crisis
        n_h = int(np.shape(self.minutes)[1])
        if n_h == 0 and (rc is not None or self.options.forensic is not None):
            return [
                "the dataset has no hospitals (hospitals.csv), so rape crisis centres and "
                "forensic examination cannot be planned; add hospitals to the dataset."
            ]
        if rc is None:
            return msgs
        cand = self._candidates()
        women = self.women
        reach = (np.asarray(self.minutes)[:, cand] <= rc.max_travel_min + 1e-9).any(axis=1)
        lost = (~reach) & (women > 0)
        allowed = (1 - rc.served_share) * women.sum()
        if women[lost].sum() > allowed + 1e-9:
            names = list(self.demand_names) if self.demand_names is not None else None
            idx = np.flatnonzero(lost)[np.argsort(-women[lost], kind="stable")[:5]]
            examples = ", ".join(names[i] for i in idx) if names else f"rows {idx.tolist()}"
            msgs.append(
                f"{int(lost.sum())} settlements with {women[lost].sum():,.0f} women have no "
                f"candidate hospital within {rc.max_travel_min:g} min (largest: {examples}); at "
                f"most {allowed:,.0f} women may go unserved (rape_crisis.served_share "
                f"{rc.served_share:g}). Raise the travel limit or lower the served share."
            )
        if rc.one_per_region and self.demand_region is not None and self.site_region is not None:
            have = set(np.asarray(self.site_region)[cand].tolist())
            for region in sorted(set(np.asarray(self.demand_region).tolist()) - have):
                msgs.append(
                    f"region {region} has no hospital that may host a rape crisis centre, so "
                    "'at least one centre per region' cannot hold; add hospitals there or set "
                    "rape_crisis.one_per_region = false."
                )
        return msgs

    # -------------------------------------------------------------- the model

    def _forensic_columns(self, reach_f: BoolArray, keep: BoolArray) -> BoolArray:
        """Hospitals needed for forensic cover: drop those whose reach another's contains.

        ``keep`` hospitals (the candidate centres, so they can be co-located)
        always stay.
        """
        n_h = reach_f.shape[1]
        packed = np.packbits(reach_f.T, axis=1)
        _, first, inv = np.unique(packed, axis=0, return_index=True, return_inverse=True)
        inv = inv.ravel()
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

    def solve(self) -> ServicesResult:
        """Solve to the options' gap and time limit.

        Returns
        -------
        ServicesResult
            Centres and forensic hospitals opened, the women's assignments,
            travel to the nearest of each, objective, bound, gap and timings.
        """
        started = time.perf_counter()
        opts = self.options
        rc, fo, st = opts.rape_crisis, opts.forensic, opts.sites
        minutes = np.asarray(self.minutes, dtype=float)
        n_i, n_h = minutes.shape
        women = self.women
        pop = np.asarray(self.population, dtype=float)
        reach_f = (
            minutes <= fo.max_travel_min + 1e-9 if fo is not None else np.zeros((n_i, 0), bool)
        )
        f_reachable = (reach_f.any(axis=1) if fo is not None else np.zeros(n_i, dtype=bool)) & (
            pop > 0
        )
        reasons = self.explain()
        if reasons:
            return self._infeasible(reasons, f_reachable, time.perf_counter() - started)
        cand = self._candidates() if rc is not None else np.zeros(n_h, dtype=bool)
        fcols = self._forensic_columns(reach_f, cand) if fo is not None else np.zeros(n_h, bool)
        used = np.flatnonzero(cand | fcols)  # model hospitals
        n_m = len(used)
        is_c, is_f = cand[used], fcols[used]
        # variable blocks: r, f, o, c (n_m each), x (pairs), u (units)
        o_r, o_f, o_o, o_c = 0, n_m, 2 * n_m, 3 * n_m
        rows: list[Any] = []
        cols: list[Any] = []
        vals: list[Any] = []
        lo: list[float] = []
        hi: list[float] = []

        def row(cc: Any, vv: Any, lower: float, upper: float) -> None:
            rows.append(np.full(len(cc), len(lo), dtype=np.int64))
            cols.append(np.asarray(cc, dtype=np.int64))
            vals.append(np.broadcast_to(np.asarray(vv, dtype=float), (len(cc),)))
            lo.append(lower)
            hi.append(upper)

        def block(rr: Any, cc: Any, vv: Any, lower: Any, upper: Any, count: int) -> None:
            base = len(lo)
            rows.append(np.asarray(rr, dtype=np.int64) + base)
            cols.append(np.asarray(cc, dtype=np.int64))
            vals.append(np.asarray(vv, dtype=float))
            lo.extend(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).tolist())
            hi.extend(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).tolist())

        m = np.arange(n_m)
        # site use and co-location: r - o <= 0, f - o <= 0, c - r <= 0, c - f <= 0
        for first_var, second_var in ((o_r, o_o), (o_f, o_o), (o_c, o_r), (o_c, o_f)):
            block(np.concatenate([m, m]), np.concatenate([first_var + m, second_var + m]),
                  np.concatenate([np.ones(n_m), -np.ones(n_m)]), -np.inf, 0.0, n_m)  # fmt: skip
        if st.colocation == "require":
            block(np.concatenate([m, m]), np.concatenate([o_r + m, o_f + m]),
                  np.concatenate([np.ones(n_m), -np.ones(n_m)]), -np.inf, 0.0, n_m)  # fmt: skip
        n_var = 4 * n_m
        unit_info: dict[str, Any] = {}
        if rc is not None:
            srg = np.asarray(self.site_region)[used] if self.site_region is not None else None
            n_var = self._centre_rows(
                minutes[:, used], is_c, srg, women, n_var, block, row, unit_info
            )
        if fo is not None:
            # forensic cover of every reachable settlement, identical rows merged
            cover = reach_f[:, used][f_reachable]
            packed = np.unique(np.packbits(cover, axis=1), axis=0)
            units = np.unpackbits(packed, axis=1, count=n_m).astype(bool)
            ui, hj = np.nonzero(units)
            block(ui, o_f + hj, np.ones(len(ui)), 1.0, np.inf, len(units))
        a = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(lo), n_var),
        )
        lb = np.zeros(n_var)
        ub = np.zeros(n_var)
        ub[o_r : o_r + n_m] = is_c
        ub[o_f : o_f + n_m] = is_f
        ub[o_o : o_o + n_m] = 1.0
        ub[o_c : o_c + n_m] = (is_c & is_f).astype(float)
        if rc is not None:
            ub[unit_info["ox"] : unit_info["ou"]] = unit_info["x_ub"]
            ub[unit_info["ou"] :] = unit_info["u_ub"]
        integrality = np.zeros(n_var, dtype=np.int_)
        integrality[: 3 * n_m] = 1
        cost = np.zeros(n_var)
        cost[o_o : o_o + n_m] = st.site_cost
        cost[o_r : o_r + n_m] = rc.cost if rc is not None else 0.0
        cost[o_f : o_f + n_m] = fo.cost if fo is not None else 0.0
        c = cost.copy()
        if st.colocation == "reward":
            c[o_c : o_c + n_m] = -st.colocation_bonus
        model = Milp(c=c, a=a, lb=lb, ub=ub, lo=np.asarray(lo), hi=np.asarray(hi),
                     integrality=integrality)  # fmt: skip
        built = time.perf_counter()
        res, fewest = self._search(model, c, o_r, used, started)
        if res.status not in (0, 1) or res.x is None:
            return self._infeasible(
                [f"the solver found no plan meeting the service targets: {res.message}"],
                f_reachable,
                built - started,
                time.perf_counter() - built,
            )
        x = np.asarray(res.x, dtype=float)
        centre = np.zeros(n_h, dtype=bool)
        forensic = np.zeros(n_h, dtype=bool)
        centre[used] = x[o_r : o_r + n_m] > 0.5
        forensic[used] = x[o_f : o_f + n_m] > 0.5
        value = float(c @ x)
        bound = min(float(res.mip_dual_bound) if res.mip_dual_bound is not None else value, value)
        gap = 0.0 if value == bound else (value - bound) / max(abs(value), 1e-9)
        assignments, unserved = self._assign(centre, women)
        solved = time.perf_counter()
        if assignments is None:
            return self._infeasible(
                ["the assignment of women to the chosen centres failed; please report this"],
                f_reachable,
                built - started,
                solved - built,
            )
        return ServicesResult(
            status="optimal" if res.status == 0 or gap <= opts.mip_gap else "time_limit",
            centre=centre,
            forensic=forensic,
            assignments=assignments,
            unserved_women=unserved,
            centre_travel_min=_nearest(minutes, centre),
            forensic_travel_min=_nearest(minutes, forensic),
            forensic_reachable=f_reachable,
            required_centres=self.required_centres,
            fewest_centres=fewest,
            objective=value,
            bound=bound,
            gap=gap,
            cost=float(cost @ x),
            build_seconds=built - started,
            solve_seconds=solved - built,
        )

    def _search(
        self, model: Milp, c: FloatArray, o_r: int, used: npt.NDArray[np.int64], started: float
    ) -> tuple[Any, int | None]:
        """Solve in two steps: the centres alone, then both services together.

        The centres alone are a capacitated set covering that
        :class:`~planner.optimize.SitingModel` solves well (rounded start,
        region-by-region search); with those centres fixed, forensic
        examination and co-location are quick to add. That plan starts the
        joint search, which may move centres to co-locate them and proves the
        bound. Also returns the fewest centres any plan needs, proven by the
        centres-alone search's bound (``None`` if unknown).
        """
        opts = self.options
        rc = opts.rape_crisis
        n_m = len(used)
        start = None
        fewest = None
        if rc is not None:
            cand = np.flatnonzero(self._candidates())
            st = opts.sites
            alone = SitingModel(
                np.asarray(self.minutes, dtype=float)[:, cand],
                self.women / rc.women_per_centre,
                np.zeros(0),
                demand_region=self.demand_region,
                site_region=(
                    np.asarray(self.site_region)[cand] if self.site_region is not None else None
                ),
                options=SitingOptions(
                    objective="min_cost",
                    tie_break="none",
                    max_travel_min=rc.max_travel_min,
                    served_share=rc.served_share,
                    one_per_region=rc.one_per_region,
                    sizes=(1.0,),
                    size_costs=(st.site_cost + rc.cost,),
                    time_limit_s=0.4 * opts.time_limit_s,
                    mip_gap=opts.mip_gap,
                ),
            ).solve()
            unit = opts.sites.site_cost + rc.cost
            if alone.feasible and unit > 0 and math.isfinite(alone.bound):
                fewest = max(math.ceil(alone.bound / unit - 1e-6), self.required_centres)
            if alone.feasible:
                chosen = np.isin(used, cand[alone.built]).astype(float)
                lb, ub = model.lb.copy(), model.ub.copy()
                lb[o_r : o_r + n_m] = chosen
                ub[o_r : o_r + n_m] = chosen
                left = opts.time_limit_s - (time.perf_counter() - started)
                fixed = solve_milp(
                    replace(model, lb=lb, ub=ub), c, max(0.1 * left, 1.0), opts.mip_gap, None
                )
                start = fixed.x
        if start is not None and self.site_region is not None:
            start = self._improve(model, c, start, used, n_m, started + 0.75 * opts.time_limit_s)
        left = opts.time_limit_s - (time.perf_counter() - started)
        res = solve_milp(model, c, max(left, 1.0), opts.mip_gap, start)
        if start is not None and (res.x is None or float(c @ res.x) > float(c @ start) + 1e-9):
            return replace(res, x=start, status=1), fewest
        return res, fewest

    def _improve(
        self,
        model: Milp,
        c: FloatArray,
        x: FloatArray,
        used: npt.NDArray[np.int64],
        n_m: int,
        deadline: float,
    ) -> FloatArray:
        """Re-optimise one region's hospitals at a time, the others fixed (both services).

        Moving a region's centres onto hospitals that also cover its forensic gaps
        is what the centres-alone start cannot see; each sub-problem is small.
        """
        region = np.asarray(self.site_region)[used]
        best = np.asarray(x, dtype=float).copy()
        value = float(c @ best)
        names, counts = np.unique(region.astype(str), return_counts=True)
        for g in names[np.argsort(-counts, kind="stable")]:
            left = deadline - time.perf_counter()
            if left < 0.5:
                break
            fixed = np.flatnonzero(region.astype(str) != g)
            cols = np.concatenate([b * n_m + fixed for b in range(4)])
            lb, ub = model.lb.copy(), model.ub.copy()
            lb[cols] = ub[cols] = np.round(best[cols])
            res = solve_milp(replace(model, lb=lb, ub=ub), c, min(left, 5.0), 0.0, best)
            if res.x is not None and float(c @ res.x) < value - 1e-9:
                best, value = np.asarray(res.x, dtype=float), float(c @ res.x)
        return best

    def _centre_rows(
        self,
        minutes: FloatArray,
        is_c: BoolArray,
        site_region: npt.NDArray[Any] | None,
        women: FloatArray,
        n_var: int,
        block: Any,
        row: Any,
        info: dict[str, Any],
    ) -> int:
        """Add the centres' demand, capacity, count and region rows; return the new n_var."""
        rc = self.options.rape_crisis
        assert rc is not None
        n_m = len(is_c)
        reach = (minutes <= rc.max_travel_min + 1e-9) & is_c[None, :] & (women > 0)[:, None]
        region = (
            np.unique(np.asarray(self.demand_region).astype(str), return_inverse=True)[1]
            if self.demand_region is not None
            else np.zeros(len(women), dtype=np.int64)
        )
        key = np.column_stack(
            [region.astype(np.uint32).view(np.uint8).reshape(len(women), -1),
             np.packbits(reach, axis=1)]
        )  # fmt: skip
        _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
        inv = inv.ravel()
        w_u = np.bincount(inv, weights=women, minlength=len(first))
        r_u = reach[first]
        n_u = len(first)
        pu, ph = np.nonzero(r_u)
        ox, ou = n_var, n_var + len(pu)
        n_var = ou + n_u
        k = rc.women_per_centre
        # demand balance of each unit
        block(np.concatenate([pu, np.arange(n_u)]), np.concatenate([ox + np.arange(len(pu)),
              ou + np.arange(n_u)]), np.ones(len(pu) + n_u), w_u, w_u, n_u)  # fmt: skip
        # capacity of each centre: sum x - K r <= 0
        block(np.concatenate([ph, np.arange(n_m)]), np.concatenate([ox + np.arange(len(pu)),
              np.arange(n_m)]), np.concatenate([np.ones(len(pu)), -k * np.ones(n_m)]),
              -np.inf, 0.0, n_m)  # fmt: skip
        allowance = (1 - rc.served_share) * women.sum()
        row(ou + np.arange(n_u), 1.0, -np.inf, allowance)
        row(np.flatnonzero(is_c), 1.0, float(self.required_centres), np.inf)
        # women with no candidate centre in reach are unserved anyway; the rest of
        # the allowance is all the slack any group of settlements can use
        free = allowance - float(w_u[~r_u.any(axis=1)].sum())
        if self.demand_region is not None and self.site_region is not None:
            dr = np.asarray(self.demand_region)[first]
            for g in sorted(set(dr.tolist())):
                in_g = np.flatnonzero(is_c & (site_region == g))
                if rc.one_per_region:
                    row(in_g, 1.0, 1.0, np.inf)
                # the women who can reach only this region's centres need ceil(. / K) of them
                closed = (dr == g) & ~(r_u & (site_region != g)[None, :]).any(axis=1)
                closed &= r_u.any(axis=1)
                need = math.ceil((w_u[closed].sum() - free) / k - 1e-9)
                if need > 1:
                    row(in_g, 1.0, float(need), np.inf)
        info.update(ox=ox, ou=ou, x_ub=w_u[pu], u_ub=w_u)
        return n_var

    def _assign(
        self, centre: BoolArray, women: FloatArray
    ) -> tuple[pd.DataFrame | None, FloatArray]:
        """Assign every settlement's women to the open centres, least travel first."""
        rc = self.options.rape_crisis
        empty = pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in
             [("demand", int), ("site", int), ("women", float), ("travel_min", float)]}
        )  # fmt: skip
        if rc is None or not centre.any():
            return empty, women.copy() if rc is not None else np.zeros(len(women))
        open_cols = np.flatnonzero(centre)
        k = rc.women_per_centre
        fixed = SitingModel(
            np.asarray(self.minutes, dtype=float)[:, open_cols],
            women / k,
            np.ones(len(open_cols)),
            options=SitingOptions(
                objective="min_travel",
                tie_break="none",
                max_travel_min=rc.max_travel_min,
                served_share=max(rc.served_share - 1e-9, 0.0),
                one_per_region=False,
                sizes=(1.0,),
                size_costs=(0.0,),
                time_limit_s=max(self.options.time_limit_s, 10.0),
                mip_gap=0.0,
            ),
        )
        res = fixed.solve()
        if not res.feasible:
            return None, women.copy()
        a = res.assignments
        out = pd.DataFrame(
            {
                "demand": a["demand"].to_numpy(int),
                "site": open_cols[a["site"].to_numpy(int)],
                "women": a["places"].to_numpy(float) * k,
                "travel_min": a["travel_min"].to_numpy(float),
            }
        )
        return out, res.unserved * k

    def _infeasible(
        self,
        reasons: list[str],
        f_reachable: BoolArray,
        build_s: float,
        solve_s: float = 0.0,
    ) -> ServicesResult:
        n_i, n_h = np.shape(self.minutes)
        return ServicesResult(
            status="infeasible",
            centre=np.zeros(n_h, dtype=bool),
            forensic=np.zeros(n_h, dtype=bool),
            assignments=pd.DataFrame(columns=["demand", "site", "women", "travel_min"]),
            unserved_women=self.women.copy(),
            centre_travel_min=np.full(n_i, np.inf),
            forensic_travel_min=np.full(n_i, np.inf),
            forensic_reachable=f_reachable,
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


def check_services(
    model: HospitalServicesModel, result: ServicesResult, *, tol: float = 1e-4
) -> list[str]:
    """Check a services plan against the standards, independently of the solver.

    Returns
    -------
    list[str]
        Every violated rule, in words; empty for a feasible plan.
    """
    problems: list[str] = []
    opts = model.options
    rc, fo = opts.rape_crisis, opts.forensic
    minutes = np.asarray(model.minutes, dtype=float)
    pop = np.asarray(model.population, dtype=float)
    centre, forensic = result.centre, result.forensic
    if rc is not None:
        women = model.women
        need = required_centres(float(women.sum()), rc.women_per_centre)
        if int(centre.sum()) < need:
            problems.append(f"{int(centre.sum())} centres, fewer than the {need} required")
        if not model._candidates()[centre].all():
            problems.append("a centre is at a hospital that is not a candidate")
        a = result.assignments
        site = a["site"].to_numpy(int)
        dem = a["demand"].to_numpy(int)
        got = a["women"].to_numpy(float)
        if len(a) and not centre[site].all():
            problems.append("women are assigned to a hospital without a centre")
        load = np.bincount(site, weights=got, minlength=len(centre))
        if (load > rc.women_per_centre * (1 + tol)).any():
            problems.append(f"a centre serves more than {rc.women_per_centre:,.0f} women")
        if len(a) and (minutes[dem, site] > rc.max_travel_min + 1e-9).any():
            problems.append("women are assigned to a centre beyond the travel limit")
        per = np.bincount(dem, weights=got, minlength=len(women))
        if (per > women * (1 + tol) + tol).any():
            problems.append("a settlement's assigned women exceed its women")
        share = float(per.sum()) / women.sum() if women.sum() > 0 else 1.0
        if share + tol < rc.served_share:
            problems.append(f"{share:.4f} of women served, below {rc.served_share:g}")
        if rc.one_per_region and model.demand_region is not None and model.site_region is not None:
            missing = set(np.asarray(model.demand_region).tolist()) - set(
                np.asarray(model.site_region)[centre].tolist()
            )
            if missing:
                problems.append(f"regions {sorted(missing)} have no rape crisis centre")
    if fo is not None:
        reach = minutes <= fo.max_travel_min + 1e-9
        must = reach.any(axis=1) & (pop > 0)
        have = (reach & forensic[None, :]).any(axis=1)
        if (must & ~have).any():
            problems.append(
                f"{int((must & ~have).sum())} settlements with a hospital within "
                f"{fo.max_travel_min:g} min have no 24/7 forensic hospital within it"
            )
    if opts.sites.colocation == "require" and (centre & ~forensic).any():
        problems.append("a rape crisis centre is at a hospital without 24/7 forensic examination")
    return problems


def _nearest(minutes: FloatArray, open_: BoolArray) -> FloatArray:
    if not open_.any():
        return np.full(minutes.shape[0], np.inf)
    return np.asarray(minutes[:, open_].min(axis=1), dtype=float)
