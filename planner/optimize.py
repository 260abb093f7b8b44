r"""Optimize stage: where new shelters should go, exactly, on the road network.

:class:`SitingModel` is one capacitated facility-location model with four
objectives, solved exactly by HiGHS through :func:`scipy.optimize.milp`.

Notation: settlements :math:`i` with demand :math:`d_i` (family places);
existing shelters :math:`e` with capacity :math:`c_e` (always open, optionally
expanded by :math:`0 \le z_e \le \bar z`); candidate sites :math:`j` with sizes
:math:`s_k` at cost :math:`f_k`; travel time :math:`t_{ij}`. Only the pairs
within the travel limit (:math:`t_{ij} \le T`, and road distance
:math:`\le D` when set) get a variable, so pairs across road-disconnected
parts (the Nakhchivan exclave) never exist and each part is planned on its own.

Variables: :math:`y_{jk} \in \{0, 1\}` (site :math:`j` built at size
:math:`k`), :math:`x_{ij} \ge 0` (demand of :math:`i` served at site
:math:`j`; a settlement's demand may be split), :math:`u_i \ge 0` (unserved).

.. math::

    \sum_j x_{ij} + u_i = d_i                          &\quad \forall i \\
    \sum_i x_{ie} \le c_e + z_e,\quad
    \sum_i x_{ij} \le \sum_k s_k y_{jk}                &\quad \text{capacity} \\
    x_{ij} \le d_i \sum_k y_{jk}                       &\quad \text{(linking, tightens the LP)} \\
    \sum_k y_{jk} \le 1                                &\quad \forall j \\
    \sum_i u_i \le (1 - \sigma) \sum_i d_i             &\quad \text{served share } \sigma \\
    |E_r| + \sum_{j \in r} \sum_k y_{jk} \ge 1         &\quad \text{one shelter per region } r \\
    \textstyle\sum_{e \in r} (c_e + z_e) + \sum_{j \in r} \sum_k s_k y_{jk}
        \ge \sum_{i \in r} d_i                         &\quad \text{regional capacity} \\
    \sum_{jk} y_{jk} \le p,\quad \sum_{jk} f_k y_{jk} + \phi \sum_e z_e \le B
                                                       &\quad \text{budget} \\
    v_i \le \sum_{j \in I_i} \sum_k y_{jk},\quad
    \textstyle\sum_i d_i v_i \ge \iota \sum_i d_i       &\quad \text{inclusive reach}

where :math:`I_i` are the inclusive candidates that count as "within reach"
of :math:`i` (``inclusive_cover``) and :math:`0 \le v_i \le 1`; a settlement
already within reach of an existing inclusive shelter has :math:`v_i` free.

Objectives: ``min_cost`` minimises :math:`\sum f_k y_{jk} + \phi \sum z_e`
(capacitated set covering); ``max_coverage`` minimises :math:`\sum u_i`
(capacitated maximum covering); ``min_travel`` minimises
:math:`\sum t_{ij} x_{ij}` (capacitated p-median); ``min_worst_travel``
finds the smallest :math:`T` for which the constraints are feasible, by
bisection over the distinct travel times (p-centre). A tie-break objective is
then minimised with the first held at its optimum (lexicographic).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from planner._milp import Milp, Outcome, solve_milp
from planner.scenario import Scenario, ScenarioError

__all__ = ["PlanResult", "SitingModel", "SitingOptions"]

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-6


@dataclass(frozen=True)
class SitingOptions:
    """Targets, supply and budget of a :class:`SitingModel` (see :mod:`planner.scenario`)."""

    objective: Literal["min_cost", "max_coverage", "min_travel", "min_worst_travel"] = "min_cost"
    tie_break: Literal["travel", "cost", "none"] = "travel"
    max_travel_min: float = 120.0
    max_travel_km: float | None = None
    served_share: float = 1.0
    one_per_region: bool = True
    regional_capacity: bool = False
    expand_existing: bool = False
    expand_max_places: float = 20.0
    expand_cost_per_place: float = 1.0
    sizes: tuple[float, ...] = (10.0, 20.0, 40.0)
    size_costs: tuple[float, ...] = (10.0, 18.0, 32.0)
    max_new_sites: int | None = None
    max_cost: float | None = None
    inclusive_served_share: float | None = None
    time_limit_s: float = 60.0
    mip_gap: float = 0.005

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> SitingOptions:
        """Take the options of a scenario."""
        t, s, b, o, v = (
            scenario.targets,
            scenario.supply,
            scenario.budget,
            scenario.objective,
            scenario.solver,
        )
        return cls(
            objective=o.type,
            tie_break=o.tie_break,
            max_travel_min=t.max_travel_min,
            max_travel_km=t.max_travel_km,
            served_share=t.served_share,
            one_per_region=t.one_per_region,
            regional_capacity=t.regional_capacity,
            expand_existing=s.existing == "expand",
            expand_max_places=s.expand_max_places,
            expand_cost_per_place=s.expand_cost_per_place,
            sizes=s.sizes,
            size_costs=s.size_costs,
            max_new_sites=b.max_new_sites,
            max_cost=b.max_cost,
            inclusive_served_share=scenario.inclusive.served_share,
            time_limit_s=v.time_limit_s,
            mip_gap=v.mip_gap,
        )


@dataclass(frozen=True)
class PlanResult:
    """The outcome of :meth:`SitingModel.solve`.

    Attributes
    ----------
    status
        ``"optimal"`` (within the gap), ``"time_limit"`` (best found, gap
        reported), or ``"infeasible"`` (see ``messages``).
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
        Largest travel time over the assignments.
    build_seconds, solve_seconds
        Time to build the model and to solve it (all solver calls).
    messages
        Why a target cannot be met, in words (empty when feasible).
    """

    status: str
    open_sizes: FloatArray
    built: npt.NDArray[np.bool_]
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

    @property
    def feasible(self) -> bool:
        """Whether a solution meeting every constraint was found."""
        return self.status in ("optimal", "time_limit")


@dataclass(frozen=True)
class SitingModel:
    """Capacitated siting of new shelters on a travel-time matrix.

    The one real constructor takes the cost matrix; :meth:`from_dataset`
    builds it from a dataset and a scenario. The model's mathematics is in the
    module docstring.

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
        settlement within reach of an LGBTQ+-inclusive shelter (an inclusive
        site close enough). Needed for ``options.inclusive_served_share``.
    """

    minutes: FloatArray
    demand: FloatArray
    existing_capacity: FloatArray
    km: FloatArray | None = None
    demand_region: npt.NDArray[Any] | None = None
    site_region: npt.NDArray[Any] | None = None
    options: SitingOptions = field(default_factory=SitingOptions)
    demand_names: Sequence[str] | None = None
    inclusive_cover: npt.NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        n_i, n_j = np.shape(self.minutes)
        if len(self.demand) != n_i:
            raise ValueError(f"demand has {len(self.demand)} values for {n_i} matrix rows")
        if len(self.existing_capacity) > n_j:
            raise ValueError(
                f"existing_capacity has {len(self.existing_capacity)} values for {n_j} sites"
            )
        if self.km is not None and np.shape(self.km) != (n_i, n_j):
            raise ValueError(f"km has shape {np.shape(self.km)}; expected {(n_i, n_j)}")
        if np.any(np.asarray(self.demand) < 0):
            raise ValueError("demand must not be negative")
        if self.options.max_travel_km is not None and self.km is None:
            raise ValueError("max_travel_km needs the km matrix")
        if (self.demand_region is None) != (self.site_region is None):
            raise ValueError("give both demand_region and site_region, or neither")
        if self.inclusive_cover is not None and np.shape(self.inclusive_cover) != (n_i, n_j):
            raise ValueError(
                f"inclusive_cover has shape {np.shape(self.inclusive_cover)}; "
                f"expected {(n_i, n_j)}"
            )
        if self.options.inclusive_served_share is not None and self.inclusive_cover is None:
            raise ValueError("inclusive_served_share needs the inclusive_cover matrix")

    # ------------------------------------------------------------------ sizes

    @property
    def n_existing(self) -> int:
        """Number of existing sites (the first columns)."""
        return len(self.existing_capacity)

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return int(np.shape(self.minutes)[1]) - self.n_existing

    def _pairs(self, limit_min: float) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        ok = np.asarray(self.minutes) <= limit_min + 1e-9
        if self.options.max_travel_km is not None and self.km is not None:
            ok &= np.asarray(self.km) <= self.options.max_travel_km + 1e-9
        ok &= (np.asarray(self.demand) > 0)[:, None]
        pi, pj = np.nonzero(ok)
        return pi.astype(np.int64), pj.astype(np.int64)

    # ------------------------------------------------------------ diagnostics

    def explain(self, limit_min: float | None = None) -> list[str]:
        """Say in words why the targets cannot be met, before any solving.

        Returns
        -------
        list[str]
            One sentence per problem found; empty if none is evident.
        """
        opts = self.options
        limit = opts.max_travel_min if limit_min is None else limit_min
        d = np.asarray(self.demand, dtype=float)
        pi, _ = self._pairs(limit)
        reach = np.zeros(len(d), dtype=bool)
        reach[pi] = True
        lost = (~reach) & (d > 0)
        msgs = []
        allowed = (1 - opts.served_share) * d.sum()
        if opts.objective != "max_coverage" and d[lost].sum() > allowed + 1e-9:
            names = list(self.demand_names) if self.demand_names is not None else None
            order = np.argsort(-d[lost], kind="stable")[:5]
            idx = np.flatnonzero(lost)[order]
            examples = ", ".join(names[i] for i in idx) if names else f"rows {idx.tolist()}"
            lim = f"{limit:g} min" + (
                f" / {opts.max_travel_km:g} km" if opts.max_travel_km is not None else ""
            )
            msgs.append(
                f"{int(lost.sum())} settlements with {d[lost].sum():.1f} family places of demand "
                f"have no existing or candidate site within {lim} (largest: {examples}); "
                f"at most {allowed:.1f} may go unserved (served_share {opts.served_share:g}). "
                "Add candidate sites near them, raise the travel limit or lower served_share."
            )
        if self.demand_region is not None and self.site_region is not None:
            dr, srg = np.asarray(self.demand_region), np.asarray(self.site_region)
            for region in sorted(set(dr.tolist())):
                sites = srg == region
                if opts.one_per_region and not sites.any():
                    msgs.append(
                        f"region {region} has no existing shelter and no candidate site, so "
                        "'one shelter per region' cannot hold; add a candidate there or turn "
                        "targets.one_per_region off."
                    )
                if opts.regional_capacity:
                    need = d[dr == region].sum()
                    cap = np.asarray(self.existing_capacity, dtype=float)[
                        sites[: self.n_existing]
                    ].sum()
                    if opts.expand_existing:
                        cap += opts.expand_max_places * int(sites[: self.n_existing].sum())
                    cap += max(opts.sizes) * int(sites[self.n_existing :].sum())
                    if cap + 1e-9 < need:
                        msgs.append(
                            f"region {region} needs {need:.1f} family places but can reach "
                            "at most "
                            f"{cap:.1f} with every candidate at the largest size; add candidates "
                            "or larger sizes, or turn targets.regional_capacity off."
                        )
        if opts.inclusive_served_share is not None and self.inclusive_cover is not None:
            cover = np.asarray(self.inclusive_cover)
            best = float(d[cover.any(axis=1)].sum()) / d.sum() if d.sum() > 0 else 1.0
            if best + 1e-9 < opts.inclusive_served_share:
                msgs.append(
                    f"at most {best:.1%} of the demand can be within reach of an inclusive "
                    f"shelter even with every inclusive candidate open, below the target "
                    f"inclusive.served_share {opts.inclusive_served_share:g}; make new shelters "
                    "inclusive (supply.new_inclusive), add candidates or lower the target."
                )
        return msgs

    # ------------------------------------------------------------- the model

    def _build(
        self, limit_min: float, *, budget: bool = True, linking: bool = True
    ) -> tuple[Milp, dict[str, Any]]:
        opts = self.options
        d = np.asarray(self.demand, dtype=float)
        cap_e = np.asarray(self.existing_capacity, dtype=float)
        n_i, n_e, n_c = len(d), self.n_existing, self.n_candidates
        sizes = np.asarray(opts.sizes, dtype=float)
        costs = np.asarray(opts.size_costs, dtype=float)
        n_k = len(sizes)
        pi, pj = self._pairs(limit_min)
        n_p = len(pi)
        n_z = n_e if opts.expand_existing else 0
        # variable blocks: y (n_c * n_k), z (n_z), x (n_p), u (n_i)
        oy, oz, ox, ou = 0, n_c * n_k, n_c * n_k + n_z, n_c * n_k + n_z + n_p
        n_var = ou + n_i
        rows: list[npt.NDArray[np.int64]] = []
        cols: list[npt.NDArray[np.int64]] = []
        vals: list[FloatArray] = []
        lo: list[FloatArray] = []
        hi: list[FloatArray] = []
        r = 0

        def add(rr: Any, cc: Any, vv: Any, lower: Any, upper: Any, count: int) -> None:
            nonlocal r
            rows.append(np.asarray(rr, dtype=np.int64) + r)
            cols.append(np.asarray(cc, dtype=np.int64))
            vals.append(np.asarray(vv, dtype=float))
            lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy())
            hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy())
            r += count

        y_index = oy + np.arange(n_c)[:, None] * n_k + np.arange(n_k)[None, :]  # (n_c, n_k)
        # demand balance: sum_j x_ij + u_i = d_i
        add(
            np.concatenate([pi, np.arange(n_i)]),
            np.concatenate([ox + np.arange(n_p), ou + np.arange(n_i)]),
            np.ones(n_p + n_i),
            d,
            d,
            n_i,
        )
        # capacity of existing sites: sum_i x_ie - z_e <= c_e
        is_e = pj < n_e
        add(
            np.concatenate([pj[is_e], np.arange(n_z)]),
            np.concatenate([ox + np.flatnonzero(is_e), oz + np.arange(n_z)]),
            np.concatenate([np.ones(int(is_e.sum())), -np.ones(n_z)]),
            -np.inf,
            cap_e,
            n_e,
        )
        # capacity of candidates: sum_i x_ij - sum_k s_k y_jk <= 0
        is_c = ~is_e
        add(
            np.concatenate([pj[is_c] - n_e, np.repeat(np.arange(n_c), n_k)]),
            np.concatenate([ox + np.flatnonzero(is_c), y_index.ravel()]),
            np.concatenate([np.ones(int(is_c.sum())), -np.tile(sizes, n_c)]),
            -np.inf,
            0.0,
            n_c,
        )
        # one size per candidate
        add(np.repeat(np.arange(n_c), n_k), y_index.ravel(), np.ones(n_c * n_k), -np.inf, 1.0, n_c)
        # linking: x_ij - d_i sum_k y_jk <= 0
        link_start = r
        cp = np.flatnonzero(is_c) if linking else np.zeros(0, dtype=np.int64)
        m = len(cp)
        add(
            np.concatenate([np.arange(m), np.repeat(np.arange(m), n_k)]),
            np.concatenate([ox + cp, y_index[pj[cp] - n_e].ravel()]),
            np.concatenate([np.ones(m), -np.repeat(d[pi[cp]], n_k)]),
            -np.inf,
            0.0,
            m,
        )
        # served share (max_coverage optimises it instead)
        if opts.objective != "max_coverage" and opts.served_share < 1:
            add(
                np.zeros(n_i),
                ou + np.arange(n_i),
                np.ones(n_i),
                -np.inf,
                (1 - opts.served_share) * d.sum(),
                1,
            )
        # per-region targets
        if self.demand_region is not None and self.site_region is not None:
            srg, dr = np.asarray(self.site_region), np.asarray(self.demand_region)
            for region in sorted(set(dr.tolist())):
                cand = np.flatnonzero(srg[n_e:] == region)
                ex = np.flatnonzero(srg[:n_e] == region)
                if opts.one_per_region and len(ex) == 0:
                    add(
                        np.zeros(len(cand) * n_k),
                        y_index[cand].ravel(),
                        np.ones(len(cand) * n_k),
                        1.0,
                        np.inf,
                        1,
                    )
                if opts.regional_capacity:
                    zc = oz + ex if opts.expand_existing else np.zeros(0, dtype=np.int64)
                    add(
                        np.zeros(len(cand) * n_k + len(zc)),
                        np.concatenate([y_index[cand].ravel(), zc]),
                        np.concatenate([np.tile(sizes, len(cand)), np.ones(len(zc))]),
                        d[dr == region].sum() - cap_e[ex].sum(),
                        np.inf,
                        1,
                    )
        # valid capacity rows that expose integer rounding to the solver: demand that can
        # only reach a set of sites (a road-connected part, or one region's sites) must fit
        # in their capacity, less what may go unserved
        allowance = (1 - opts.served_share) * d.sum() if opts.objective != "max_coverage" else None
        if allowance is not None:
            # demand with no site in reach is unserved anyway: only the rest of the
            # allowance can go to any one group
            reached = np.zeros(n_i, dtype=bool)
            reached[pi] = True
            allowance -= float(d[~reached].sum())
            for units, sites_in in self._closed_groups(pi, pj, n_i):
                need = d[units].sum() - cap_e[sites_in[sites_in < n_e]].sum() - allowance
                cand = sites_in[sites_in >= n_e] - n_e
                if need <= 1e-9 or len(cand) == 0:
                    continue
                ex = sites_in[sites_in < n_e]
                zc = oz + ex if opts.expand_existing else np.zeros(0, dtype=np.int64)
                add(
                    np.zeros(len(cand) * n_k + len(zc)),
                    np.concatenate([y_index[cand].ravel(), zc]),
                    np.concatenate([np.tile(sizes, len(cand)), np.ones(len(zc))]),
                    need,
                    np.inf,
                    1,
                )
        # inclusive reach: v_i <= sum of open inclusive candidates covering i
        n_v = 0
        if opts.inclusive_served_share is not None and self.inclusive_cover is not None:
            cover = np.asarray(self.inclusive_cover, dtype=bool)
            done: npt.NDArray[np.bool_] = np.asarray(cover[:, :n_e].any(axis=1), dtype=bool)
            ci, cj = np.nonzero(cover[:, n_e:] & ~done[:, None])
            rows_i = np.flatnonzero(~done & (d > 0))
            row_of = np.full(n_i, -1, dtype=np.int64)
            row_of[rows_i] = np.arange(len(rows_i))
            keep = row_of[ci] >= 0
            ci, cj = ci[keep], cj[keep]
            n_v = n_i
            ov = n_var
            n_var += n_v
            add(
                np.concatenate([row_of[ci].repeat(n_k), np.arange(len(rows_i))]),
                np.concatenate([y_index[cj].ravel(), ov + rows_i]),
                np.concatenate([-np.ones(len(ci) * n_k), np.ones(len(rows_i))]),
                -np.inf,
                0.0,
                len(rows_i),
            )
            add(
                np.zeros(n_i),
                ov + np.arange(n_i),
                d,
                opts.inclusive_served_share * d.sum() - 1e-9 * max(d.sum(), 1.0),
                np.inf,
                1,
            )
        # budget
        cost_vec = np.zeros(n_var)
        cost_vec[y_index.ravel()] = np.tile(costs, n_c)
        cost_vec[oz : oz + n_z] = opts.expand_cost_per_place
        if budget and opts.max_new_sites is not None:
            add(
                np.zeros(n_c * n_k),
                y_index.ravel(),
                np.ones(n_c * n_k),
                -np.inf,
                opts.max_new_sites,
                1,
            )
        if budget and opts.max_cost is not None:
            nz = np.flatnonzero(cost_vec)
            add(np.zeros(len(nz)), nz, cost_vec[nz], -np.inf, opts.max_cost, 1)

        a = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_var)
        )
        lb = np.zeros(n_var)
        ub = np.full(n_var, np.inf)
        ub[oy : oy + n_c * n_k] = 1.0
        ub[oz : oz + n_z] = opts.expand_max_places
        ub[ox : ox + n_p] = d[pi]
        allow_unserved = opts.objective == "max_coverage" or opts.served_share < 1
        ub[ou : ou + n_i] = d if allow_unserved else 0.0
        ub[ou + n_i :] = 1.0
        integrality = np.zeros(n_var, dtype=np.int_)
        integrality[oy : oy + n_c * n_k] = 1
        t = np.asarray(self.minutes)[pi, pj]
        travel = np.zeros(n_var)
        travel[ox : ox + n_p] = t
        unserved = np.zeros(n_var)
        unserved[ou : ou + n_i] = 1.0
        model = Milp(
            c=np.zeros(n_var),
            a=a,
            lb=lb,
            ub=ub,
            lo=np.concatenate(lo),
            hi=np.concatenate(hi),
            integrality=integrality,
        )
        core_rows = np.concatenate([np.arange(link_start), np.arange(link_start + m, r)])
        info = {
            "core_rows": core_rows,
            "pi": pi, "pj": pj, "oy": oy, "oz": oz, "ox": ox, "ou": ou, "n_z": n_z, "n_i": n_i,
            "y_index": y_index, "cost": cost_vec, "travel": travel, "unserved": unserved,
        }  # fmt: skip
        return model, info

    def _closed_groups(
        self, pi: npt.NDArray[np.int64], pj: npt.NDArray[np.int64], n_i: int
    ) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """Find groups of settlements whose demand can only go to a known set of sites.

        The road-connected parts of the settlement-site reachability graph, and,
        per region, the settlements that reach only that region's sites.
        """
        n_j = int(np.shape(self.minutes)[1])
        graph = sp.coo_matrix(
            (np.ones(len(pi)), (pi, n_i + pj)), shape=(n_i + n_j, n_i + n_j)
        ).tocsr()
        n_comp, labels = sp.csgraph.connected_components(graph, directed=False)
        groups = []
        if n_comp > 1:
            for c in range(n_comp):
                members = np.flatnonzero(labels == c)
                units, sites_in = members[members < n_i], members[members >= n_i] - n_i
                if len(units) and len(sites_in):
                    groups.append((units, sites_in.astype(np.int64)))
        if self.site_region is not None:
            srg = np.asarray(self.site_region)
            names = sorted(set(srg.tolist()))
            code = np.searchsorted(names, srg)
            # which regions' sites each settlement reaches, as a bit mask
            masks = np.zeros(n_i, dtype=np.int64)
            np.bitwise_or.at(masks, pi, np.left_shift(1, code[pj]).astype(np.int64))
            reach = np.zeros(n_i, dtype=bool)
            reach[pi] = True
            sets = [1 << a for a in range(len(names))]
            sets += [
                (1 << a) | (1 << b) for a in range(len(names)) for b in range(a + 1, len(names))
            ]
            for region_set in sets:
                units = np.flatnonzero(reach & ((masks & ~region_set) == 0))
                if len(units):
                    in_set = np.flatnonzero((np.left_shift(1, code) & region_set) != 0)
                    groups.append((units, in_set.astype(np.int64)))
        return groups

    def _objective(self, info: dict[str, Any], which: str) -> FloatArray:
        vec = {"min_cost": "cost", "cost": "cost", "travel": "travel", "min_travel": "travel"}
        if which == "max_coverage":
            return np.asarray(info["unserved"], dtype=float)
        return np.asarray(info[vec[which]], dtype=float)

    def _run(
        self,
        model: Milp,
        c: FloatArray,
        time_limit: float,
        gap: float,
        start: FloatArray | None = None,
    ) -> Outcome:
        return solve_milp(model, c, max(time_limit, 1.0), gap, start)

    def _improve(
        self, model: Milp, info: dict[str, Any], c: FloatArray, x: FloatArray, deadline: float
    ) -> FloatArray:
        """Improve a solution by re-optimising one region's sites at a time, the rest fixed.

        A large-neighbourhood search: each sub-problem frees only the candidates of
        one region (or a block of candidates without regions), so it solves in
        moments; a better solution replaces the incumbent.
        """
        y_index = info["y_index"]
        if self.site_region is not None:
            regions = np.asarray(self.site_region)[self.n_existing :]
            groups = [np.flatnonzero(regions == r) for r in sorted(set(regions.tolist()))]
        else:
            groups = [np.arange(i, min(i + 10, len(y_index))) for i in range(0, len(y_index), 10)]
        best = np.asarray(x, dtype=float).copy()
        value = float(c @ best)
        for group in sorted(groups, key=len, reverse=True):
            left = deadline - time.perf_counter()
            if left < 0.5:
                break
            lb, ub = model.lb.copy(), model.ub.copy()
            fixed = np.setdiff1d(np.arange(len(y_index)), group)
            cols = y_index[fixed].ravel()
            lb[cols] = np.round(best[cols])
            ub[cols] = np.round(best[cols])
            sub = replace(model, lb=lb, ub=ub)
            res = self._run(sub, c, min(left, 5.0), 0.0, best)
            if res.x is not None and float(c @ res.x) < value - 1e-9:
                best, value = np.asarray(res.x, dtype=float), float(c @ res.x)
        return best

    def _rounded_start(self, model: Milp, info: dict[str, Any]) -> FloatArray | None:
        """Make a feasible starting solution from the LP relaxation, rounded up.

        Every candidate the LP opens at all is built at the smallest size that
        holds the flow the LP sends to it (and its fractional capacity), so
        the LP's flows stay feasible. Returns None if rounding breaks a budget.
        """
        if len(self.options.sizes) == 1:
            # one size: rounding opens every site the LP touches, a worse start than
            # HiGHS finds by itself (capacitated covering: 31 s without it, 38-45 s with)
            return None
        relaxed = replace(model, integrality=np.zeros_like(model.integrality))
        res = self._run(relaxed, info["cost"], self.options.time_limit_s, 0.0)
        if res.x is None:
            return None
        x = np.asarray(res.x, dtype=float).copy()
        sizes = np.asarray(self.options.sizes, dtype=float)
        y_index = info["y_index"]
        n_e = self.n_existing
        pj = info["pj"]
        flows = np.bincount(pj, weights=x[info["ox"] : info["ou"]], minlength=n_e + len(y_index))
        for j in range(len(y_index)):
            frac = x[y_index[j]]
            if frac.sum() <= 1e-7:
                x[y_index[j]] = 0.0
                continue
            need = max(flows[n_e + j], float(frac @ sizes)) - 1e-7
            fits = np.flatnonzero(sizes >= need)
            k = int(fits[np.argmin(sizes[fits])]) if len(fits) else int(np.argmax(sizes))
            x[y_index[j]] = 0.0
            x[y_index[j][k]] = 1.0
        viol = model.a @ x
        tol = 1e-6 * max(1.0, float(np.abs(model.hi[np.isfinite(model.hi)]).max(initial=1.0)))
        if np.any(viol < model.lo - tol) or np.any(viol > model.hi + tol):
            return None
        return x

    def _lexicographic(
        self, model: Milp, info: dict[str, Any], primary: str, second: str | None, started: float
    ) -> tuple[Any, float, float, float]:
        opts = self.options
        c1 = self._objective(info, primary)
        if primary == "min_cost":
            # a rounded LP start, improved region by region, then the full search
            begin = self._rounded_start(model, info)
            first = self._run(model, c1, 0.3 * opts.time_limit_s, opts.mip_gap, begin)
            if first.status == 0 or first.x is None:
                res = first
            else:
                # without the linking rows (implied once sites are integer) each
                # sub-problem's LP solves in a fraction of a second
                light = replace(
                    model,
                    a=model.a[info["core_rows"]],
                    lo=model.lo[info["core_rows"]],
                    hi=model.hi[info["core_rows"]],
                )
                better = self._improve(light, info, c1, first.x, started + 0.7 * opts.time_limit_s)
                remaining = opts.time_limit_s - (time.perf_counter() - started)
                res = self._run(model, c1, remaining, opts.mip_gap, better)
                if res.x is None or c1 @ res.x > c1 @ better + 1e-9:
                    res = replace(res, x=better, status=1)
        else:
            remaining = opts.time_limit_s - (time.perf_counter() - started)
            res = self._run(model, c1, remaining, opts.mip_gap)
        if res.status not in (0, 1) or res.x is None:
            return res, math.nan, math.nan, math.nan
        value = float(c1 @ res.x)
        bound = float(res.mip_dual_bound) if res.mip_dual_bound is not None else value
        bound = min(bound, value)
        # the relative gap of the solution returned (which may be the search's start)
        gap = 0.0 if value == bound else (value - bound) / max(abs(value), 1e-9)
        if second and second != {"min_cost": "cost", "min_travel": "travel"}.get(primary):
            remaining = opts.time_limit_s - (time.perf_counter() - started)
            if remaining > 1:
                tol = max(abs(value) * max(gap, 1e-9), 1e-6)
                extra = sp.csr_matrix(c1.reshape(1, -1))
                held = replace(
                    model,
                    a=sp.vstack([model.a, extra]).tocsr(),
                    lo=np.append(model.lo, -np.inf),
                    hi=np.append(model.hi, value + tol),
                )
                res2 = self._run(held, self._objective(info, second), remaining, opts.mip_gap)
                if res2.status in (0, 1) and res2.x is not None:
                    res = res2
        return res, value, bound, gap

    def solve(self) -> PlanResult:
        """Solve the model to the gap and time limit of the options.

        For ``min_cost`` and ``max_coverage`` only which sites each settlement
        can reach matters, so settlements of one region with the same set of
        reachable sites are merged into one demand unit (exact), the site
        decisions are solved on the merged model, and every settlement is then
        assigned to the open sites by a linear programme that minimises
        demand-weighted travel (the tie-break). ``min_travel`` and
        ``min_worst_travel`` solve the full model.

        Returns
        -------
        PlanResult
            The sites opened, the assignments, objective, bound, gap and
            timings; for an infeasible target, the reasons in ``messages``.
        """
        opts = self.options
        start = time.perf_counter()
        reasons = self.explain()
        if reasons:
            return self._infeasible(reasons, time.perf_counter() - start, 0.0)
        if opts.inclusive_served_share is not None and self.inclusive_cover is not None:
            # lazily: a plan optimal without the inclusive-reach rows that meets the
            # target anyway is optimal with them (and its bound holds for both)
            relaxed = replace(self, options=replace(opts, inclusive_served_share=None)).solve()
            if relaxed.status == "infeasible" or self.inclusive_share(relaxed.open_sizes) >= (
                opts.inclusive_served_share - 1e-9
            ):
                return relaxed
            spent = time.perf_counter() - start
            left = max(opts.time_limit_s - spent, 0.5 * opts.time_limit_s)
            held = replace(self, options=replace(opts, time_limit_s=left))
            out = held._solve_with_targets(start)
            return replace(out, solve_seconds=out.solve_seconds + spent)
        return self._solve_with_targets(start)

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
        near = (np.asarray(self.inclusive_cover) & (open_sizes > _EPS)[None, :]).any(axis=1)
        return float(d[near].sum() / d.sum())

    def _solve_with_targets(self, start: float) -> PlanResult:
        opts = self.options
        if opts.objective == "min_worst_travel":
            return self._solve_worst(start, [])
        if opts.objective == "min_travel":
            model, info = self._build(opts.max_travel_min)
            built_at = time.perf_counter()
            second = "cost" if opts.tie_break == "cost" else None
            res, value, bound, gap = self._lexicographic(
                model, info, "min_travel", second, built_at
            )
            solved = time.perf_counter()
            if res.status not in (0, 1) or res.x is None:
                return self._infeasible(
                    self._budget_reason(res), built_at - start, solved - built_at
                )
            status = "optimal" if res.status == 0 or gap <= opts.mip_gap else "time_limit"
            return self._result(
                res.x, info, status, value, bound, gap, built_at - start, solved - built_at
            )
        merged, _ = self.merged()
        model, info = merged._build(opts.max_travel_min)
        built_at = time.perf_counter()
        second = (
            "cost" if (opts.objective == "max_coverage" and opts.tie_break == "cost") else None
        )
        res, value, bound, gap = merged._lexicographic(
            model, info, opts.objective, second, built_at
        )
        if res.status not in (0, 1) or res.x is None:
            solved = time.perf_counter()
            return self._infeasible(
                merged._budget_reason(res), built_at - start, solved - built_at
            )
        sites = merged._result(np.asarray(res.x), info, "optimal", value, bound, gap, 0.0, 0.0)
        served = float(np.asarray(self.demand).sum()) - float(sites.unserved.sum())
        x, ainfo = self._assign(sites.open_sizes, served)
        solved = time.perf_counter()
        if x is None:  # cannot happen for a correct model; say so rather than guess
            return self._infeasible(
                ["the assignment of settlements to the chosen sites failed; please report this"],
                built_at - start,
                solved - built_at,
            )
        # the proven gap decides: a time-limited search may return the region search's
        # plan, which the final search's bound shows to be within the requested gap
        status = "optimal" if res.status == 0 or gap <= opts.mip_gap else "time_limit"
        out = self._result(
            x, ainfo, status, value, bound, gap, built_at - start, solved - built_at
        )
        return replace(out, open_sizes=sites.open_sizes, built=sites.built, cost=sites.cost)

    def merged(self) -> tuple[SitingModel, npt.NDArray[np.int64]]:
        """Merge settlements of one region that reach the same sites within the limits.

        Returns
        -------
        tuple[SitingModel, numpy.ndarray]
            The merged model (travel 0 on reachable pairs, ``inf`` elsewhere)
            and each settlement's unit.
        """
        opts = self.options
        reach = np.asarray(self.minutes) <= opts.max_travel_min + 1e-9
        if opts.max_travel_km is not None and self.km is not None:
            reach &= np.asarray(self.km) <= opts.max_travel_km + 1e-9
        region = (
            np.unique(np.asarray(self.demand_region).astype(str), return_inverse=True)[1]
            if self.demand_region is not None
            else np.zeros(len(reach), dtype=np.int64)
        )
        parts = [region.astype(np.uint32).view(np.uint8).reshape(len(reach), -1),
                 np.packbits(reach, axis=1)]  # fmt: skip
        if self.inclusive_cover is not None:
            parts.append(np.packbits(np.asarray(self.inclusive_cover, dtype=bool), axis=1))
        key = np.column_stack(parts)
        _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
        inv = inv.ravel().astype(np.int64)
        demand = np.bincount(
            inv, weights=np.asarray(self.demand, dtype=float), minlength=len(first)
        )
        names = None
        if self.demand_names is not None:
            names = [str(self.demand_names[i]) for i in first]
        merged = replace(
            self,
            minutes=np.where(reach[first], 0.0, np.inf),
            demand=np.asarray(demand, dtype=np.float64),
            km=None,
            demand_region=(
                np.asarray(self.demand_region)[first] if self.demand_region is not None else None
            ),
            options=replace(opts, max_travel_km=None),
            demand_names=names,
            inclusive_cover=(
                np.asarray(self.inclusive_cover)[first]
                if self.inclusive_cover is not None
                else None
            ),
        )
        return merged, inv

    def _assign(
        self, capacity: FloatArray, served: float
    ) -> tuple[FloatArray | None, dict[str, Any]]:
        """Assign every settlement to open sites with fixed capacities, least travel first."""
        opts = self.options
        open_cols = np.flatnonzero(capacity > _EPS)
        fixed = replace(
            self,
            minutes=np.asarray(self.minutes)[:, open_cols],
            km=None if self.km is None else np.asarray(self.km)[:, open_cols],
            existing_capacity=np.asarray(capacity, dtype=float)[open_cols],
            site_region=None,
            demand_region=None,
            options=replace(
                opts,
                objective="min_travel",
                expand_existing=False,
                one_per_region=False,
                regional_capacity=False,
                max_new_sites=None,
                max_cost=None,
                served_share=1.0,
                inclusive_served_share=None,
            ),
            inclusive_cover=None,
        )
        model, info = fixed._build(opts.max_travel_min, linking=False)
        total = float(np.asarray(self.demand).sum())
        # serve what the site decision served (small slack for round-off)
        model.ub[info["ou"] : info["ou"] + info["n_i"]] = np.asarray(self.demand, dtype=float)
        extra = sp.csr_matrix(
            (np.ones(len(self.demand)), (np.zeros(len(self.demand), dtype=np.int64),
             info["ou"] + np.arange(len(self.demand)))),
            shape=(1, len(model.lb)),
        )  # fmt: skip
        held = replace(
            model,
            a=sp.vstack([model.a, extra]).tocsr(),
            lo=np.append(model.lo, -np.inf),
            hi=np.append(model.hi, max(total - served, 0.0) + 1e-9 * max(total, 1.0)),
        )
        res = self._run(held, info["travel"], max(opts.time_limit_s, 10.0), 0.0)
        if res.x is None:
            return None, info
        # map pair sites back to the full column numbering
        info = dict(info)
        info["pj"] = open_cols[info["pj"]]
        info["y_index"] = np.zeros((0, len(opts.sizes)), dtype=np.int64)
        info["n_z"] = 0
        return np.asarray(res.x, dtype=float), info

    def _budget_reason(self, res: Any) -> list[str]:
        opts = self.options
        if opts.max_new_sites is None and opts.max_cost is None:
            return [f"the solver found no solution: {res.message}"]
        free = replace(self, options=replace(opts, objective="min_cost", tie_break="none",
                                             max_new_sites=None, max_cost=None))  # fmt: skip
        model, info = free._build(opts.max_travel_min, budget=False)
        alt = free._run(model, info["cost"], opts.time_limit_s, opts.mip_gap)
        limits = []
        if opts.max_new_sites is not None:
            limits.append(f"at most {opts.max_new_sites} new sites")
        if opts.max_cost is not None:
            limits.append(f"a cost of at most {opts.max_cost:g}")
        msg = f"the budget ({' and '.join(limits)}) is too small to meet the targets"
        if alt.status in (0, 1) and alt.x is not None:
            y = alt.x[info["y_index"].ravel()] > 0.5
            msg += (
                f"; without it the cheapest plan needs {int(y.sum())} new sites at a cost of "
                f"{float(info['cost'] @ alt.x):g}"
            )
        return [msg + "."]

    def _solve_worst(self, start: float, reasons: list[str]) -> PlanResult:
        opts = self.options
        if reasons:
            return self._infeasible(reasons, 0.0, 0.0)
        pi, pj = self._pairs(opts.max_travel_min)
        levels = np.unique(np.asarray(self.minutes)[pi, pj])
        build_s = 0.0
        best: tuple[Any, dict[str, Any], float] | None = None
        lo_i, hi_i = 0, len(levels) - 1
        proven = True
        # the largest level is feasible iff the whole problem is
        while lo_i <= hi_i:
            mid = (lo_i + hi_i) // 2
            t0 = time.perf_counter()
            probe = replace(self, options=replace(opts, objective="min_cost", tie_break="none"))
            model, info = probe._build(float(levels[mid]))
            build_s += time.perf_counter() - t0
            remaining = opts.time_limit_s - (time.perf_counter() - start)
            res = probe._run(model, np.zeros(len(model.lb)), remaining, opts.mip_gap)
            if res.status == 0 and res.x is not None:
                best = (res, info, float(levels[mid]))
                hi_i = mid - 1
            elif res.status == 2:
                lo_i = mid + 1
            else:
                proven = False
                lo_i = mid + 1
        if best is None:
            solve_s = time.perf_counter() - start - build_s
            res_any = probe._run(model, np.zeros(len(model.lb)), 1.0, opts.mip_gap)
            return self._infeasible(self._budget_reason(res_any), build_s, solve_s)
        worst = best[2]
        # tie-break among plans with this worst case
        final = replace(self, options=replace(opts, max_travel_min=worst, objective="min_cost"))
        t0 = time.perf_counter()
        model, info = final._build(worst)
        build_s += time.perf_counter() - t0
        second = opts.tie_break if opts.tie_break != "none" else "travel"
        remaining = opts.time_limit_s - (time.perf_counter() - start)
        res = final._run(model, final._objective(info, second), remaining, opts.mip_gap)
        if res.status not in (0, 1) or res.x is None:
            res, info = best[0], best[1]
        solve_s = time.perf_counter() - start - build_s
        status = "optimal" if proven else "time_limit"
        x_final = np.asarray(res.x, dtype=float)
        return self._result(x_final, info, status, worst, worst if proven else math.nan,
                            0.0 if proven else math.nan, build_s, solve_s)  # fmt: skip

    def _infeasible(self, reasons: list[str], build_s: float, solve_s: float) -> PlanResult:
        n_j = int(np.shape(self.minutes)[1])
        empty = pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in
             [("demand", int), ("site", int), ("places", float), ("travel_min", float),
              ("travel_km", float)]}
        )  # fmt: skip
        return PlanResult(
            status="infeasible",
            open_sizes=np.zeros(n_j),
            built=np.zeros(self.n_candidates, dtype=bool),
            assignments=empty,
            unserved=np.asarray(self.demand, dtype=float).copy(),
            objective=math.nan,
            bound=math.nan,
            gap=math.nan,
            cost=math.nan,
            served_share=0.0,
            max_travel_min=math.nan,
            build_seconds=build_s,
            solve_seconds=solve_s,
            messages=tuple(reasons),
        )

    def _result(
        self,
        x: FloatArray,
        info: dict[str, Any],
        status: str,
        value: float,
        bound: float,
        gap: float,
        build_s: float,
        solve_s: float,
    ) -> PlanResult:
        opts = self.options
        sizes = np.asarray(opts.sizes, dtype=float)
        y = x[info["y_index"]] > 0.5  # (n_c, n_k)
        cand_size = (y * sizes[None, :]).sum(axis=1)
        ext = np.asarray(self.existing_capacity, dtype=float).copy()
        if info["n_z"]:
            ext += np.round(x[info["oz"] : info["oz"] + info["n_z"]], 6)
        flows = x[info["ox"] : info["ou"]]
        used = flows > _EPS
        pi, pj = info["pi"][used], info["pj"][used]
        km = np.asarray(self.km)[pi, pj] if self.km is not None else np.full(len(pi), np.nan)
        assignments = pd.DataFrame(
            {
                "demand": pi,
                "site": pj,
                "places": flows[used],
                "travel_min": np.asarray(self.minutes)[pi, pj],
                "travel_km": km,
            }
        )
        unserved = np.clip(x[info["ou"] : info["ou"] + info["n_i"]], 0, None)
        d = np.asarray(self.demand, dtype=float)
        total = d.sum()
        served = float(flows[used].sum())
        return PlanResult(
            status=status,
            open_sizes=np.concatenate([ext, cand_size]),
            built=y.any(axis=1),
            assignments=assignments,
            unserved=unserved,
            objective=value,
            bound=bound,
            gap=gap,
            cost=float(info["cost"] @ x),
            served_share=served / total if total > 0 else 1.0,
            max_travel_min=float(assignments["travel_min"].max()) if len(assignments) else 0.0,
            build_seconds=build_s,
            solve_seconds=solve_s,
        )


def check_solution(model: SitingModel, result: PlanResult, *, tol: float = 1e-5) -> list[str]:
    """Check a solution against the model's rules, independently of the solver.

    Returns
    -------
    list[str]
        Every violated rule, in words; empty for a feasible solution.
    """
    opts = model.options
    problems = []
    a = result.assignments
    d = np.asarray(model.demand, dtype=float)
    cap = result.open_sizes
    n_e = model.n_existing
    load = np.bincount(a["site"], weights=a["places"], minlength=len(cap))
    over = np.flatnonzero(load > cap + tol)
    if len(over):
        problems.append(f"sites {over.tolist()} serve more than their capacity")
    if (cap[:n_e] + tol < np.asarray(model.existing_capacity)).any():
        problems.append("an existing site lost capacity")
    if len(a) and (a["travel_min"] > opts.max_travel_min + 1e-9).any():
        problems.append("an assignment exceeds the travel limit")
    t = np.asarray(model.minutes)[a["demand"], a["site"]] if len(a) else np.zeros(0)
    if len(a) and not np.allclose(t, a["travel_min"]):
        problems.append("assignment travel times do not match the matrix")
    got = np.bincount(a["demand"], weights=a["places"], minlength=len(d))
    if (got > d + tol).any():
        problems.append("a settlement receives more than its demand")
    served = got.sum() / d.sum() if d.sum() > 0 else 1.0
    if opts.objective != "max_coverage" and served + tol < opts.served_share:
        problems.append(f"served share {served:.4f} is below {opts.served_share:g}")
    built_sizes = cap[n_e:][result.built]
    if not np.isin(np.round(built_sizes, 6), np.round(opts.sizes, 6)).all():
        problems.append("a new site has a size that is not allowed")
    if len(a) and (cap[a["site"]] <= tol).any():
        problems.append("demand is assigned to a site that is not open")
    if opts.max_new_sites is not None and result.built.sum() > opts.max_new_sites:
        problems.append("more new sites than the budget allows")
    if model.demand_region is not None and model.site_region is not None and opts.one_per_region:
        open_regions = set(np.asarray(model.site_region)[cap > tol].tolist())
        missing = set(np.asarray(model.demand_region).tolist()) - open_regions
        if missing:
            problems.append(f"regions {sorted(missing)} have no shelter")
    if opts.inclusive_served_share is not None and model.inclusive_cover is not None:
        share = model.inclusive_share(cap) if d.sum() > 0 else 1.0
        if share + tol < opts.inclusive_served_share:
            problems.append(
                f"only {share:.4f} of the demand is within reach of an open inclusive shelter, "
                f"below {opts.inclusive_served_share:g}"
            )
    return problems


def _check_scenario_against_candidates(scenario: Scenario, n_candidates: int) -> None:
    if n_candidates == 0:
        raise ScenarioError(
            "no candidate sites remain after candidates.exclude_districts; nothing can be built"
        )
