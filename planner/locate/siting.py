r"""The shelter siting model: capacitated facility location on a travel-time matrix.

:class:`SitingModel` is one capacitated facility-location model with five
objectives, solved exactly by HiGHS.

Notation: settlements :math:`i` with demand :math:`d_i` (family places);
existing sites :math:`e` with capacity :math:`c_e` (always open, optionally
expanded by :math:`0 \le z_e \le \bar z`); candidate sites :math:`j` with sizes
:math:`s_k` at cost :math:`f_k`; travel time :math:`t_{ij}`. Only the pairs
within the travel limit (:math:`t_{ij} \le T`, and road distance
:math:`\le D` when set) get a variable, so pairs across road-disconnected
parts never exist and each part is planned on its own.

Variables: :math:`y_{jk} \in \{0, 1\}` (site :math:`j` built at size
:math:`k`), :math:`x_{ij} \ge 0` (demand of :math:`i` served at site
:math:`j`; a settlement's demand may be split), :math:`u_i \ge 0` (unserved).
Each constraint family is one function of :mod:`planner.locate.formulation`
(``_add_*``) with its equation in its docstring:

.. math::

    \sum_j x_{ij} + u_i = d_i                          &\quad \forall i \\
    \sum_i x_{ie} \le c_e + z_e,\quad
    \sum_i x_{ij} \le \sum_k s_k y_{jk}                &\quad \text{capacity} \\
    x_{ij} \le d_i \sum_k y_{jk}                       &\quad \text{(linking, tightens the LP)} \\
    \sum_k y_{jk} \le 1                                &\quad \forall j \\
    \sum_i u_i \le (1 - \sigma) \sum_i d_i             &\quad \text{served share } \sigma \\
    |E_r| + \sum_{j \in r} \sum_k y_{jk} \ge 1         &\quad \text{one site per region } r \\
    \textstyle\sum_{e \in r} (c_e + z_e) + \sum_{j \in r} \sum_k s_k y_{jk}
        \ge \sum_{i \in r} d_i                         &\quad \text{regional capacity} \\
    \sum_{jk} y_{jk} \le p,\quad \sum_{jk} f_k y_{jk} + \phi \sum_e z_e \le B
                                                       &\quad \text{budget} \\
    v_i \le \sum_{j \in I_i} \sum_k y_{jk},\quad
    \textstyle\sum_i d_i v_i \ge \iota \sum_i d_i       &\quad \text{inclusive reach} \\
    \textstyle\sum_{i \in D} \sum_j (t_{ij} - B_D)\, x_{ij} \le 0
                                                       &\quad \text{no district worse off} \\
    x_{ij} = d_i w_{ij},\quad \sum_j w_{ij} \le 1        &\quad \text{single sourcing}

where :math:`I_i` are the inclusive candidates that count as "within reach"
of :math:`i` (``inclusive_cover``) and :math:`0 \le v_i \le 1`; a settlement
already within reach of an existing inclusive site has :math:`v_i` free.
:math:`B_D` is district :math:`D`'s mean travel to its nearest shelter today
(rows for districts within the travel limit, under the closest-assignment
rule); :math:`w_{ij} \in \{0, 1\}` exist only with ``single_source``. A
candidate with its own capacity and cost has one size option, its own;
:math:`s_k` and :math:`f_k` are then per candidate.

Objectives: ``min_cost`` minimises :math:`\sum f_k y_{jk} + \phi \sum z_e`
(capacitated set covering); ``max_coverage`` minimises :math:`\sum u_i`
(capacitated maximum covering); ``min_travel`` minimises
:math:`\sum t_{ij} x_{ij}` (capacitated p-median); ``fixed_charge``
minimises :math:`\sum f_k y_{jk} + \phi \sum z_e + w \sum t_{ij} x_{ij}`
with the stated weight :math:`w` (``objective.travel_weight``, cost units per
family place-minute; capacitated fixed-charge facility location); ``min_worst_travel``
finds the smallest :math:`T` for which the constraints are feasible, by
bisection over the distinct travel times (p-centre). A tie-break objective is
then minimised with the first held at its optimum (lexicographic).

After the site decision, settlements are assigned to the open sites (least
travel, nearest first, :mod:`planner.locate._assign`). For ``min_cost`` under
the closest-assignment rule with districts, every district's mean travel must
then be within the tolerance of its mean travel to the nearest open site
(:math:`\bar t_D \le \bar n_D + \tau`, which depends on which sites are open,
so it is not a row of the model above): where the capacities chosen do not
allow it, :mod:`planner.locate._repair` grows sites until they do and says what
it added, and :mod:`planner.locate._trim` then makes every new site as small as
the settlements themselves allow (the site decision, on merged settlements, may
build more than they need); the bound proven for the site decision still bounds
the result. Where
the repair gives up, or on a small model where its plan is not proven within the
gap, :mod:`planner.locate._exact` writes the rule into the site decision exactly
(a ladder of each settlement's nearest open site), a search whose bound holds for
every plan keeping the rule.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner._i18n import Fixed, Note, Place, Share
from planner._progress import stage
from planner.locate._assign import ASSIGNMENT_CUT, AssignmentStopped, assign_to_open_sites
from planner.locate._exact import ExactSearch, exact_rule_applies, plan_exactly, small_enough
from planner.locate._milp import (
    TOL_FLOW,
    BoolArray,
    Deadline,
    FloatArray,
    IntArray,
    Milp,
    Outcome,
    Termination,
    feasible,
    solve_milp,
)
from planner.locate._repair import (
    DistrictRepair,
    Repaired,
    candidate_costs,
    repair_districts,
    repairs_districts,
    revise_districts,
)
from planner.locate._search import (
    Background,
    final_outcome,
    held_outside,
    improve_by_groups,
    integral_bound,
    search_deeper,
    spare_core,
)
from planner.locate._trim import trim_sites
from planner.locate.explain import budget_reason, explain_reach_capacity, explain_siting
from planner.locate.formulation import (
    _VECTOR_OF,
    SitingFormulation,
    SitingLayout,
    district_codes,
)
from planner.locate.options import BudgetOptions, ObjectiveOptions, SolverOptions
from planner.locate.result import (
    PlanResult,
    PlanStatus,
    empty_frame,
    objective_bound_gap,
    published_gap,
)

__all__ = ["SitingModel"]

#: Nodes the first search of ``min_cost`` may explore when the LP gives no start.
_FIRST_SEARCH_NODES = 200

#: What a search by HiGHS in full says at its checkpoints (:func:`planner._progress.stage`).
_SEARCH = "progress.search"


def _proven_infeasible(
    res: Outcome,
    model: SitingFormulation,
    solved: SitingFormulation | None = None,
    left_s: float = 0.0,
) -> list[str]:
    """Say why no plan meets the targets.

    A group of settlements short of room within reach, else the rule that no
    district be worse off than today when it alone stands in the way
    (:func:`_district_rule`, on ``solved``, the model as solved, in at most
    ``left_s`` seconds), else that the solver proved it; a solve that was not
    proven says its own message.
    """
    if res.termination != Termination.INFEASIBLE:
        return [Note("message.no_solution", reason=str(res.message))]
    return (
        explain_reach_capacity(model)
        or _district_rule(solved or model, left_s)
        or [Note("message.infeasible_proven")]
    )


def _district_rule(model: SitingFormulation, left_s: float) -> list[str]:
    """Say when the rule that no district be worse off than today is what no plan can meet.

    The model is searched again with its district rows made elastic: each
    district may exceed today's mean by a slack (in place-minutes), and the
    search minimises the slack in all (bounded by work, so the same answer on
    every machine). If a plan exists, the rule is the reason, and the
    districts that plan leaves worse off are named: those the rule cannot
    hold, as far as the bounded search finds.
    """
    limits = model.district_limit
    if limits is None or model.demand_district is None or left_s < 1.0:
        return []
    layout = replace(model, district_limit=None).build(model.options.targets.max_travel_min)
    milp, pi = layout.milp, layout.pi
    limit = np.asarray(limits, dtype=float)[pi]
    held = np.flatnonzero(np.isfinite(limit))
    code, _ = district_codes(model)
    districts, row = np.unique(code[pi[held]], return_inverse=True)
    n, n_s = len(milp.lb), len(districts)
    # per district: sum of (t_ij - B_D) x_ij - s_D <= 0, with the slack s_D >= 0 in new columns
    values = np.concatenate(
        [np.asarray(model.minutes)[pi, layout.pj][held] - limit[held], -np.ones(n_s)]
    )
    rows = np.concatenate([row, np.arange(n_s)])
    cols = np.concatenate([layout.x.start + held, n + np.arange(n_s)])
    excess = sp.csr_matrix((values, (rows, cols)), shape=(n_s, n + n_s))
    elastic = Milp(
        np.zeros(n + n_s),
        sp.hstack([milp.a, sp.csr_matrix((milp.a.shape[0], n_s))]).tocsr(),
        np.concatenate([milp.lb, np.zeros(n_s)]),
        np.concatenate([milp.ub, np.full(n_s, np.inf)]),
        milp.lo,
        milp.hi,
        np.concatenate([milp.integrality, np.zeros(n_s, dtype=milp.integrality.dtype)]),
    ).with_rows(excess, np.full(n_s, -np.inf), np.zeros(n_s))
    total = max(float(np.asarray(model.demand, dtype=float).sum()), 1.0)
    c = np.concatenate([np.zeros(n), np.full(n_s, 1.0 / total)])
    res = solve_milp(elastic, c, left_s, 0.0, None, _FIRST_SEARCH_NODES)
    if res.x is None:
        return []
    ids = np.unique(np.asarray(model.demand_district).astype(str))
    labels = model.district_names or {}
    worse = [
        Place("district", str(ids[k]), labels.get(str(ids[k])))
        for k in districts[np.asarray(res.x)[n:] > 1e-6 * total]
    ]
    if not worse:  # cannot happen with the rows the reason; say nothing rather than guess
        return []
    shown = (*worse[:5], "...") if len(worse) > 5 else tuple(worse)
    return [Note("message.district_rule", districts=len(worse), names=shown)]


def _merged_lossily(merged: SitingFormulation, model: SitingFormulation) -> bool:
    """Whether merging settlements restricted the model: district rows on shared units.

    A unit's settlements reach the same sites, so without district rows any
    split of its flows can be undone exactly; with them, where a settlement
    goes changes its district's mean travel, and the unit's proportional
    split is one choice among many.
    """
    return merged.district_limit is not None and len(merged.demand) < len(model.demand)


def _stopped(limit_s: float) -> str:
    return Note("message.time_no_plan", seconds=float(limit_s))


def _worse(a: Termination, b: Termination) -> Termination:
    """Return the termination of two steps in a row: a time limit anywhere shows."""
    for t in (Termination.LIMIT, Termination.WORK_LIMIT):
        if t in (a, b):
            return t
    return b


@dataclass(frozen=True)
class SitingModel(SitingFormulation):
    """Capacitated siting of new sites on a travel-time matrix, with its solve strategies.

    The one real constructor takes the cost matrix (as spopt's
    ``from_cost_matrix``); :func:`planner.planning.plan` builds it from a
    dataset and a scenario. The parameters are those of
    :class:`~planner.locate.formulation.SitingFormulation`; the mathematics is
    in the module docstring. ``solve()`` returns an immutable
    :class:`~planner.locate.PlanResult`.

    Examples
    --------
    >>> import numpy as np
    >>> from planner.locate import SitingModel, SitingOptions, SupplyOptions, TargetOptions
    >>> opts = SitingOptions(
    ...     targets=TargetOptions(one_per_region=False),
    ...     supply=SupplyOptions(sizes=(5.0,), size_costs=(1.0,)),
    ... )
    >>> model = SitingModel(np.array([[10.0, 20.0]]), np.array([3.0]), np.zeros(0), options=opts)
    >>> r = model.solve()
    >>> r.built.tolist(), str(r.status)
    ([False, True], 'optimal')
    """

    def explain(self, limit_min: float | None = None) -> list[str]:
        """Say in words why the targets cannot be met, before any solving.

        Parameters
        ----------
        limit_min
            Travel limit to check (default: the targets').

        Returns
        -------
        list[str]
            One sentence per problem found; empty if none is evident.
        """
        return explain_siting(self, limit_min)

    def solve(self) -> PlanResult:
        """Solve the model to the gap and time limit of the options.

        For ``min_cost`` and ``max_coverage`` only which sites each settlement
        can reach matters, so settlements of one region with the same set of
        reachable sites are merged into one demand unit, the site decisions
        are solved on the merged model, and every settlement is then assigned
        to the open sites by a linear programme that minimises
        demand-weighted travel (the tie-break). The merge is exact without
        district rows; with them (the closest-assignment rule) a unit splits
        its flows in proportion to its settlements, a restriction, so a plan
        it proves optimal, or a model it finds infeasible, is decided again on
        the settlements themselves. ``min_travel``, ``fixed_charge`` and
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
        target = opts.inclusive_served_share
        if target is None or self.inclusive_cover is None:
            return self._solve_with_targets(start)
        # lazily: a plan optimal without the inclusive-reach rows that meets the
        # target anyway is optimal with them (and its bound holds for both)
        relaxed = replace(self, options=replace(opts, inclusive_served_share=None)).solve()
        if not relaxed.feasible or self.inclusive_share(relaxed.open_sizes) >= target - 1e-9:
            return relaxed
        # with the rows, in what is left of the same time limit (measured from ``start``)
        spent = time.perf_counter() - start
        out = self._solve_with_targets(start)
        if out.build_seconds >= spent:  # the relaxed solve was solving, not building
            out = replace(
                out,
                build_seconds=out.build_seconds - spent,
                solve_seconds=out.solve_seconds + spent,
            )
        return out

    def _solve_with_targets(self, start: float) -> PlanResult:
        opts = self.options
        if opts.objective.type == "min_worst_travel":
            return self._solve_worst(start)
        if opts.objective.type in ("min_travel", "fixed_charge"):
            return self._solve_full(start)
        merged, _ = self.merged()
        layout = merged.build(opts.targets.max_travel_min)
        lossy = _merged_lossily(merged, self)
        proof = _proof_model(self, layout) if lossy else None
        built_at = time.perf_counter()
        second = (
            "cost"
            if (opts.objective.type == "max_coverage" and opts.objective.tie_break == "cost")
            else None
        )
        res, value, bound, gap = merged._lexicographic(
            layout, opts.objective.type, second, Deadline(start, opts.solver.time_limit_s), proof
        )
        if not res.has_solution or res.x is None:
            if res.termination == Termination.INFEASIBLE and lossy:
                # units split their flows in proportion to their settlements, a restriction
                # under the district rows: unless the model without them (merged exactly) is
                # infeasible too, only the settlements themselves can prove it
                relaxed = replace(merged, district_limit=None).build(opts.targets.max_travel_min)
                check = solve_milp(
                    relaxed.milp,
                    np.zeros(len(relaxed.milp.lb)),
                    Deadline(start, opts.solver.time_limit_s).left(),
                    0.0,
                    None,
                    _FIRST_SEARCH_NODES,
                )
                if check.termination != Termination.INFEASIBLE:
                    return self._solve_full(start, assign=True)
            return self._no_plan(res, merged, built_at - start, time.perf_counter() - built_at)
        status = PlanStatus.of(res, gap, opts.solver.mip_gap)  # the proven gap decides
        if lossy and (res.restricted or status == PlanStatus.OPTIMAL):
            # the search ended, but on merged units: the settlements may allow a better plan
            # (a drawn instance: 36 "optimal" on them, 32 possible), or another as cheap
            # whose referrals keep the districts nearer; they decide, and prove it
            return self._solve_full(start, assign=True)
        return _assign_decided(
            self, merged, layout, (np.asarray(res.x), status, value, bound, gap), (start, built_at)
        )

    def _solve_full(self, start: float, *, assign: bool = False) -> PlanResult:
        """Solve the model on every settlement (no merge); ``assign``: then refer them anew.

        ``min_travel`` and ``fixed_charge`` keep their solution's referrals;
        ``min_cost`` and ``max_coverage`` decide the sites here when the merged
        model cannot (``assign``), and settlements are then referred as after
        a merged decision (:func:`_assign_decided`).
        """
        opts = self.options
        model = self.with_district_limits()  # no district worse off than today
        layout = model.build(opts.targets.max_travel_min)
        built_at = time.perf_counter()
        second = "cost" if opts.objective.tie_break == "cost" else None
        res, value, bound, gap = model._lexicographic(
            layout, opts.objective.type, second, Deadline(start, opts.solver.time_limit_s)
        )
        solved = time.perf_counter()
        if not res.has_solution or res.x is None:
            return self._no_plan(res, model, built_at - start, solved - built_at)
        status = PlanStatus.of(res, gap, opts.solver.mip_gap)
        if assign:
            return _assign_decided(
                self,
                model,
                layout,
                (np.asarray(res.x), status, value, bound, gap),
                (start, built_at),
            )
        return _read_solution(
            self, res.x, layout, status, (value, bound, gap), (built_at - start, solved - built_at)
        )

    def _region_groups(self, n_c: int) -> list[IntArray]:
        """Candidate groups for the neighbourhood search: one per region, largest first."""
        if self.site_region is not None:
            regions = np.asarray(self.site_region)[self.n_existing :]
            groups = [np.flatnonzero(regions == r) for r in sorted(set(regions.tolist()))]
        else:
            groups = [np.arange(i, min(i + 10, n_c)) for i in range(0, n_c, 10)]
        return sorted(groups, key=len, reverse=True)

    def _min_cost_search(
        self, layout: SitingLayout, c1: FloatArray, deadline: Deadline, proof: Milp | None
    ) -> Outcome:
        """Start from a rounded LP, improve it region by region, and search in full.

        The full search is HiGHS to ``solver.node_limit`` nodes. At one node
        (the root, the default) it proves the bound and needs no plan to start
        from, so it runs from the beginning on a second thread
        (:class:`~planner.locate._search.Background`) while the rounded LP and
        the region search find the plan; a deeper search starts after them,
        from their plan. The cheaper plan found is kept (the full search's on a
        tie), so the result is the same on one core or many. With
        ``solver.plan_search_nodes``, HiGHS with its own heuristics then searches
        the whole model from the region search's plan (:func:`search_deeper`).
        Every step is
        bounded by work (nodes), not time, so the plan is the same on any
        machine; the deadline is only a safety net, and a result it cut short
        says so (:attr:`Termination.LIMIT`). ``proof``, a relaxation of the
        model with its columns (:func:`_proof_model`), is what the full search
        solves, so that its bound holds beyond the model; its plan is kept
        only if the model holds it (:func:`_held`).
        """
        opts = self.options.solver
        model = layout.milp
        proving = model if proof is None else proof

        def full_search(start: FloatArray | None, left: float) -> Outcome:
            # the LP of the full model (linking rows) is large and degenerate:
            # the interior-point method solves it in a fraction of the simplex's time
            return solve_milp(
                proving,
                c1,
                left,
                opts.mip_gap,
                start,
                opts.node_limit,
                interior=True,
                stall_checks=opts.stall_checks,
            )

        left = deadline.left()
        root = (
            Background(lambda: full_search(None, left))
            if opts.root_search and opts.node_limit == 1
            else None
        )
        begin, lp_bound = _rounded_start(self, layout, deadline.left())
        if begin is None:
            first = solve_milp(model, c1, deadline.left(), opts.mip_gap, None, _FIRST_SEARCH_NODES)
            done = first.termination == Termination.OPTIMAL and proof is None
            if done or first.termination == Termination.LIMIT or first.x is None:
                if root is not None:
                    root.join()  # not needed: wait for its thread (bounded by its work budget)
                return first
            begin = first.x
        groups = self._region_groups(len(layout.y.cols))
        better, cut = _find_plan(layout, c1, (begin, groups), deadline, root, opts)
        if root is not None:
            res = root.result()
        elif not opts.root_search and lp_bound is not None:
            res = _lp_outcome(better, (model, proof), c1, (lp_bound, deadline))
        else:
            res = full_search(better, deadline.left())
        return final_outcome(_held(model, res) if proof is not None else res, better, c1, cut)

    def _lexicographic(
        self,
        layout: SitingLayout,
        primary: str,
        second: str | None,
        deadline: Deadline,
        proof: Milp | None = None,
    ) -> tuple[Outcome, float, float, float]:
        opts = self.options.solver
        c1 = layout.vector(primary)
        if primary == "min_cost":
            res = self._min_cost_search(layout, c1, deadline, proof)
        else:
            # p-median and coverage searches run HiGHS in full (its heuristics find their
            # plans); only the time limit, a safety net, bounds them; the spinner says how far
            res = solve_milp(layout.milp, c1, deadline.left(), opts.mip_gap, said=_SEARCH)
        if not res.has_solution or res.x is None:
            return res, math.nan, math.nan, math.nan
        value, bound, gap = objective_bound_gap(c1, res)
        if second and _VECTOR_OF[second] != _VECTOR_OF.get(primary):
            tol = max(abs(value) * max(gap, 1e-9), 1e-6)
            held = layout.milp.with_row(c1, -np.inf, value + tol)
            res2 = solve_milp(held, layout.vector(second), deadline.left(), opts.mip_gap, res.x)
            if res2.has_solution:
                worse = _worse(res.termination, res2.termination)
                res = replace(res2, termination=worse, restricted=res.restricted)
            elif res2.termination == Termination.LIMIT:
                res = replace(res, termination=Termination.LIMIT)
        return res, value, bound, gap

    def _solve_worst(self, start: float) -> PlanResult:
        """p-centre: bisection over the distinct travel times, then the tie-break."""
        opts = self.options
        deadline = Deadline(start, opts.solver.time_limit_s)
        pi, pj = self.pairs(opts.targets.max_travel_min)
        levels = np.unique(np.asarray(self.minutes)[pi, pj])
        base = self.with_district_limits()  # no district worse off than today
        probe = replace(
            base,
            options=replace(opts, objective=ObjectiveOptions(type="min_cost", tie_break="none")),
        )
        build_s = 0.0
        best: tuple[FloatArray, SitingLayout, float] | None = None
        lo_i, hi_i = 0, len(levels) - 1
        proven = True
        layout = None
        last: Outcome | None = None  # the last probe's answer
        # the largest level is feasible iff the whole problem is
        while lo_i <= hi_i:
            mid = (lo_i + hi_i) // 2
            t0 = time.perf_counter()
            layout = probe.build(float(levels[mid]))
            build_s += time.perf_counter() - t0
            zero = np.zeros(len(layout.milp.lb))
            res = last = solve_milp(layout.milp, zero, deadline.left(), opts.solver.mip_gap)
            if res.termination == Termination.OPTIMAL and res.x is not None:
                best = (np.asarray(res.x, dtype=float), layout, float(levels[mid]))
                hi_i = mid - 1
            else:
                proven = proven and res.termination == Termination.INFEASIBLE
                lo_i = mid + 1
        if best is None:
            solve_s = time.perf_counter() - start - build_s
            if not proven:  # a limit stopped a probe: nothing is proven
                return self._infeasible(
                    [_stopped(opts.solver.time_limit_s)], build_s, solve_s, PlanStatus.TIME_LIMIT
                )
            if last is None:  # no pair within any level: the whole model answers
                whole = probe.build(opts.targets.max_travel_min).milp
                last = solve_milp(
                    whole, np.zeros(len(whole.lb)), deadline.left(), opts.solver.mip_gap
                )
            return self._infeasible(
                _why_infeasible(probe, last, deadline.left(), self), build_s, solve_s
            )
        worst = best[2]
        # tie-break among plans with this worst case
        final = replace(
            base,
            options=replace(
                opts,
                targets=replace(opts.targets, max_travel_min=worst),
                objective=replace(opts.objective, type="min_cost"),
            ),
        )
        t0 = time.perf_counter()
        layout = final.build(worst)
        build_s += time.perf_counter() - t0
        second = opts.objective.tie_break if opts.objective.tie_break != "none" else "travel"
        res = solve_milp(layout.milp, layout.vector(second), deadline.left(), opts.solver.mip_gap)
        if res.has_solution and res.x is not None:
            x = np.asarray(res.x, dtype=float)
        else:  # the tie-break found nothing in time: the probe's plan has the same worst case
            x, layout = best[0], best[1]
        solve_s = time.perf_counter() - start - build_s
        # the worst case may be proven while the limit stopped the choice among its plans:
        # another machine may choose other sites, so the status says so
        tie_broken = res.termination == Termination.OPTIMAL
        status = PlanStatus.OPTIMAL if proven and tie_broken else PlanStatus.TIME_LIMIT
        figures = (worst, worst if proven else math.nan, 0.0 if proven else math.nan)
        return _read_solution(self, x, layout, status, figures, (build_s, solve_s))

    def _no_plan(
        self, res: Outcome, model: SitingModel, build_s: float, solve_s: float
    ) -> PlanResult:
        """No plan came back: proven infeasible, or stopped by the limit before finding one."""
        if res.termination == Termination.INFEASIBLE:
            left = self.options.solver.time_limit_s - build_s - solve_s
            return self._infeasible(_why_infeasible(model, res, left, self), build_s, solve_s)
        if res.termination == Termination.WORK_LIMIT:
            return self._infeasible(
                [Note("message.work_no_plan", nodes=self.options.solver.node_limit)],
                build_s,
                solve_s,
                PlanStatus.WORK_LIMIT,
            )
        return self._infeasible(
            [_stopped(self.options.solver.time_limit_s)], build_s, solve_s, PlanStatus.TIME_LIMIT
        )

    def _infeasible(
        self,
        reasons: list[str],
        build_s: float,
        solve_s: float,
        status: PlanStatus = PlanStatus.INFEASIBLE,
    ) -> PlanResult:
        """Return a result without a plan: existing sites keep their capacity, none is built."""
        existing = np.asarray(self.existing_capacity, dtype=float)
        return PlanResult(
            status=status,
            open_sizes=np.concatenate([existing, np.zeros(self.n_candidates)]),
            built=np.zeros(self.n_candidates, dtype=bool),
            assignments=empty_frame(
                {
                    "demand": int,
                    "site": int,
                    "places": float,
                    "travel_min": float,
                    "travel_km": float,
                }
            ),
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


def _assign_decided(
    model: SitingModel,
    decided: SitingModel,
    layout: SitingLayout,
    outcome: tuple[FloatArray, PlanStatus, float, float, float],
    times: tuple[float, float],
) -> PlanResult:
    """Refer every settlement to the sites ``decided`` (merged or not) chose; read the plan.

    ``outcome`` is the site decision's solution vector, its status,
    objective, bound and gap; ``times`` the start and the end of the
    model's build.
    """
    opts = model.options
    x, status, value, bound, gap = outcome
    start, built_at = times
    sites = _read_solution(decided, x, layout, PlanStatus.OPTIMAL, (value, bound, gap))
    served = float(np.asarray(model.demand).sum()) - float(sites.unserved.sum())
    stage("progress.assign")
    try:
        assigned = assign_to_open_sites(
            model, sites.open_sizes, served, deadline=start + opts.solver.time_limit_s
        )
    except AssignmentStopped:  # sites chosen, nobody referred: no plan to show
        return model._infeasible(
            [Note("message.assignment_stopped", seconds=float(opts.solver.time_limit_s))],
            built_at - start,
            time.perf_counter() - built_at,
            PlanStatus.TIME_LIMIT,
        )
    solved = time.perf_counter()
    if assigned is None:  # cannot happen for a correct model; say so rather than guess
        return model._infeasible(
            [Note("message.assignment_failed")],
            built_at - start,
            solved - built_at,
        )
    search = (decided, layout, decided._region_groups(decided.n_candidates))
    return _assigned_plan(
        model, sites, served, assigned, (status, value, bound, gap), (start, built_at), search
    )


def _proof_model(model: SitingModel, layout: SitingLayout) -> Milp | None:
    """Build the relaxation that proves a lossily merged cheapest-plan model's bound.

    Merged units under district rows split their flows in proportion to their
    settlements (a restriction): the bound proven on them need not hold for
    the settlements. The same units with their members' least travel to each
    site (:meth:`~planner.locate.formulation.SitingFormulation.merged` with
    ``least``) hold every split: a relaxation with the same columns, whose
    bound does. ``None`` for other objectives (they do not search this way).
    """
    if model.options.objective.type != "min_cost":
        return None
    least, _ = model.merged(least=True)
    other = least.build(model.options.targets.max_travel_min)
    same = (
        np.array_equal(other.pi, layout.pi)
        and np.array_equal(other.pj, layout.pj)
        and other.milp.a.shape == layout.milp.a.shape
    )
    return other.milp if same else None


def _find_plan(
    layout: SitingLayout,
    c1: FloatArray,
    search: tuple[FloatArray, list[IntArray]],
    deadline: Deadline,
    root: Background[Outcome] | None,
    opts: SolverOptions,
) -> tuple[FloatArray, bool]:
    """Improve a starting plan region by region, then, if asked, search deeper.

    ``search`` is the starting plan and the candidate groups (regions);
    ``root`` the root search running beside it, if any. Returns the plan and
    whether the deadline cut a step short.
    """
    end = deadline.at(1.0)
    begin, groups = search
    # without the linking rows (implied once sites are integer) each
    # sub-problem's LP solves in a fraction of a second
    light = layout.milp.rows(layout.core_rows)
    fixed = held_outside(layout.y.cols, groups)
    # the region search solves its next region ahead once the root search's core is free
    better, cut = improve_by_groups(
        light, c1, begin, fixed, end, solve_milp, spare=spare_core(root)
    )
    if opts.plan_search_nodes and not cut:
        better, cut = search_deeper(
            layout.milp, c1, better, opts.plan_search_nodes, end, opts.mip_gap
        )
    if root is not None and not root.done():
        stage("progress.bound")  # the plan is found; the root search still proves the bound
    return better, cut


def _lp_outcome(
    plan: FloatArray,
    models: tuple[Milp, Milp | None],
    c: FloatArray,
    lp: tuple[float, Deadline],
) -> Outcome:
    """Return the plan of a search without its final step, with the LP relaxation's bound.

    ``models`` are the model searched and its relaxation for the bound (or
    ``None``: the model's own); ``lp`` the model's LP value and the deadline.
    """
    model, proof = models
    lp_bound, deadline = lp
    if proof is not None:  # the bound of the relaxation, which holds beyond the model
        res = solve_milp(proof.relaxed(), c, deadline.left(), 0.0)
        lp_bound = float(c @ res.x) if res.x is not None else -np.inf
    skipped = "no final search (solver.root_search = false): the LP relaxation's bound"
    bound = integral_bound(lp_bound, c, model.integrality)
    return Outcome(Termination.WORK_LIMIT, plan, bound, None, skipped)


def _held(model: Milp, res: Outcome) -> Outcome:
    """Keep a relaxation's solution only where the model searched for plans holds it.

    The relaxation's bound stands; a solution the model does not hold is
    dropped, and if the relaxation was solved to optimality the outcome says
    so (:attr:`Outcome.restricted`): the model's plans may all be worse.
    """
    if res.x is None or feasible(model, np.asarray(res.x, dtype=float)):
        return res
    return replace(res, x=None, restricted=res.termination == Termination.OPTIMAL)


def _assigned_plan(
    model: SitingModel,
    sites: PlanResult,
    served: float,
    assigned: tuple[FloatArray, SitingLayout, tuple[str, ...]],
    figures: tuple[PlanStatus, float, float, float],
    times: tuple[float, float],
    search: tuple[SitingFormulation, SitingLayout, list[IntArray]],
) -> PlanResult:
    """Read the plan of the chosen sites and their assignment (grown for the district rule).

    When :func:`~planner.locate._repair.repairs_districts`, the sites first grow until
    every district keeps to the rule (:func:`planner.locate._repair.repair_districts`), then
    the regions the repair changed are searched again for a cheaper plan that
    keeps every district near help (:func:`~planner.locate._repair.revise_districts`,
    on the merged model of ``search``), and every new site is made as small as the
    settlements allow (:func:`~planner.locate._trim.trim_sites`); the plan then
    carries its new sizes, cost and gap, and says what changed.
    """
    start, built_at = times
    chosen = (sites.open_sizes, sites.built, sites.cost, sites.site_costs)
    extra: tuple[str, ...] = ()
    if repairs_districts(model):
        deadline = start + model.options.solver.time_limit_s
        chosen, assigned, extra, figures = _grown(
            model, sites, served, assigned, figures, search, deadline
        )
    status, value, bound, gap = figures
    x, fixed_layout, notes = assigned
    if any(getattr(n, "key", "") == ASSIGNMENT_CUT for n in notes):
        status = PlanStatus.TIME_LIMIT  # the safety net stopped the referral of settlements
    out = _read_solution(
        model,
        x,
        fixed_layout,
        status,
        (value, bound, gap),
        (built_at - start, time.perf_counter() - built_at),
    )
    return replace(
        out,
        open_sizes=chosen[0],
        built=chosen[1],
        cost=chosen[2],
        site_costs=chosen[3],
        messages=out.messages + notes + extra,
    )


def _grown(
    model: SitingModel,
    sites: PlanResult,
    served: float,
    assigned: tuple[FloatArray, SitingLayout, tuple[str, ...]],
    figures: tuple[PlanStatus, float, float, float],
    search: tuple[SitingFormulation, SitingLayout, list[IntArray]],
    deadline: float,
) -> tuple[
    tuple[FloatArray, BoolArray, float, FloatArray],
    tuple[FloatArray, SitingLayout, tuple[str, ...]],
    tuple[str, ...],
    tuple[PlanStatus, float, float, float],
]:
    """Grow the chosen sites for the district rule: sizes, assignment, notes and figures.

    ``deadline`` (``time.perf_counter()``) is the plan's safety net, shared with the site
    decision: past it no step of the repair or of the revision starts, and the status
    says ``time_limit``.
    """
    status, value, bound, gap = figures
    n_e = model.n_existing
    before = np.asarray(
        sites.site_costs if sites.site_costs is not None else np.zeros(len(sites.open_sizes)),
        dtype=float,
    )
    fixed_cost = float(before[:n_e].sum())
    capacity, assigned, repair, left = repair_districts(
        model, sites.open_sizes, served, assigned, fixed_cost, deadline=deadline
    )
    cut = repair.cut  # the safety net stopped the repair: another machine may go further
    exact: ExactSearch | None = None
    found = None
    expansion = before[:n_e]
    if left and not cut and exact_rule_applies(model):
        # the repair gave up: the site decision again, the rule written in exactly
        exact, found, cut = plan_exactly(model, sites.open_sizes, served, deadline)
    elif not left and not cut:
        (capacity, assigned, repair), served, cut = _revised(
            model, search, served, (capacity, assigned, repair), (fixed_cost, deadline)
        )
        if not cut and repair.changed and _search_again(model, repair, fixed_cost, bound):
            exact, found, cut = _search_small(
                model,
                (sites.open_sizes, served, deadline),
                (capacity, assigned, repair),
                fixed_cost,
            )
    if found is not None and exact is not None and exact.expansion_cost is not None:
        (capacity, assigned, repair), left = found, 0
        expansion = exact.expansion_cost
    if cut:  # the safety net stopped the repair or the revision: another machine may do better
        status = PlanStatus.TIME_LIMIT
    _, costs, _ = model.size_options()
    site_costs = before.copy()
    site_costs[:n_e] = expansion
    built = repair.sizes >= 0
    site_costs[n_e:] = candidate_costs(costs, repair.sizes)
    cost = float(site_costs.sum())
    notes: tuple[str, ...] = ()
    if exact is not None and not left:  # the search's plan, or the repaired plan it proves
        return _exactly(
            model,
            (capacity, built, cost, site_costs),
            assigned,
            (exact, repair, cut),
            figures,
            cost - sites.cost,
        )
    if repair.changed:
        value = cost if model.options.objective.type == "min_cost" else value
        gap = max(value - bound, 0.0) / max(abs(value), 1e-9) if math.isfinite(bound) else gap
        if gap > model.options.solver.mip_gap and status == PlanStatus.OPTIMAL:
            status = PlanStatus.WORK_LIMIT
        notes += (_repair_note(repair, cost - sites.cost, gap),)
    if cut:
        seconds = Fixed(model.options.solver.time_limit_s, 0)
        key = "message.repair_cut" if left else "message.revision_cut"
        notes += (Note(key, seconds=seconds, districts=left),)
    elif left:
        notes += (Note("message.repair_left", districts=left),)
        if exact is not None:  # what the search with the rule written in proved
            proven = exact.termination == Termination.INFEASIBLE
            notes += (
                Note("message.exact_none")
                if proven
                else Note("message.exact_unfound", nodes=exact.nodes),
            )
    return (capacity, built, cost, site_costs), assigned, notes, (status, value, bound, gap)


def _revised(
    model: SitingModel,
    search: tuple[SitingFormulation, SitingLayout, list[IntArray]],
    served: float,
    repaired: Repaired,
    run: tuple[float, float],
) -> tuple[Repaired, float, bool]:
    """Revise the regions the repair changed, then trim every site the settlements do not need.

    ``run`` is the cost the repair does not change (expansions) and the plan's deadline.
    Returns the plan, the demand it serves and whether the deadline stopped a step (said,
    not skipped quietly).
    """
    fixed_cost, deadline = run
    if repaired[2].changed:
        if time.perf_counter() > deadline:  # no time left to revise
            return repaired, served, True
        stage("progress.revise")
        repaired, cut = revise_districts(
            model, search, served, repaired, fixed_cost, (solve_milp, deadline)
        )
        if cut:
            return repaired, served, True
    stage("progress.trim")
    return trim_sites(model, repaired, served, (solve_milp, deadline))


def _search_again(
    model: SitingModel, repair: DistrictRepair, fixed_cost: float, bound: float
) -> bool:
    """Whether a repaired plan not proven within the requested gap is searched exactly.

    On a small model (:func:`~planner.locate._exact.small_enough`) where the rule can be
    written exactly (:func:`~planner.locate._exact.exact_rule_applies`).
    """
    if not (exact_rule_applies(model) and small_enough(model)):
        return False
    cost = _sites_cost(model, repair.sizes, fixed_cost)
    if not math.isfinite(bound):
        return True
    return (cost - bound) / max(abs(cost), 1e-9) > model.options.solver.mip_gap


def _search_small(
    model: SitingModel,
    decided: tuple[FloatArray, float, float],
    repaired: Repaired,
    fixed_cost: float,
) -> tuple[ExactSearch | None, Repaired | None, bool]:
    """Search a small model's repaired plan again exactly, from that plan.

    ``decided`` is the site decision's capacities, the demand it served and the plan's
    deadline. Returns the search (``None``: the repaired plan stays, its notes as they
    are), the plan it found (``None``: the repaired plan stays) and whether the time limit
    stopped it. A plan costlier than the repaired one (possible without a start: single
    sourcing, inclusive reach) is dropped; an as cheap one only proves the repaired plan.
    """
    open_sizes, served, deadline = decided
    capacity, assigned, repair = repaired
    exact, found, cut = plan_exactly(
        model, open_sizes, served, deadline, start=(capacity, assigned)
    )
    change = None if found is None else _change(model, found[2], repair, fixed_cost, exact)
    if change is None or change > 1e-9:
        return None, None, cut
    return exact, (found if change < -1e-9 else None), cut


def _change(
    model: SitingModel,
    found: DistrictRepair,
    repaired: DistrictRepair,
    fixed_cost: float,
    exact: ExactSearch,
) -> float:
    """Return what the exact search's plan costs more than the repaired plan (negative: less)."""
    expansion = float(exact.expansion_cost.sum()) if exact.expansion_cost is not None else 0.0
    mine = _sites_cost(model, found.sizes, expansion)
    return mine - _sites_cost(model, repaired.sizes, fixed_cost)


def _sites_cost(model: SitingModel, sizes: IntArray, fixed_cost: float) -> float:
    """Return a plan's cost: its candidates at ``sizes`` plus ``fixed_cost`` (expansions)."""
    _, costs, _ = model.size_options()
    return fixed_cost + float(candidate_costs(costs, sizes).sum())


def _exactly(
    model: SitingModel,
    chosen: tuple[FloatArray, BoolArray, float, FloatArray],
    assigned: tuple[FloatArray, SitingLayout, tuple[str, ...]],
    search: tuple[ExactSearch, DistrictRepair, bool],
    figures: tuple[PlanStatus, float, float, float],
    change: float,
) -> tuple[
    tuple[FloatArray, BoolArray, float, FloatArray],
    tuple[FloatArray, SitingLayout, tuple[str, ...]],
    tuple[str, ...],
    tuple[PlanStatus, float, float, float],
]:
    """Return the plan, notes and figures after the search with the district rule written in.

    ``search`` is that search, the plan's change from the site decision and whether the
    time limit stopped it; ``change`` the cost the change added (negative: saved). The search's
    bound holds for every plan keeping the rule, so it may raise the site decision's; a
    plan it found within ``solver.mip_gap`` of the bound is proven, whatever the site
    decision's status.
    """
    exact, repair, cut = search
    status, value, bound, gap = figures
    seconds = Fixed(model.options.solver.time_limit_s, 0)
    cost = chosen[2]
    value = cost
    if math.isfinite(exact.bound):
        bound = max(bound, exact.bound) if math.isfinite(bound) else exact.bound
    gap = max(value - bound, 0.0) / max(abs(value), 1e-9) if math.isfinite(bound) else math.inf
    if cut or status == PlanStatus.TIME_LIMIT:
        status = PlanStatus.TIME_LIMIT
    else:
        within = gap <= model.options.solver.mip_gap + 1e-9  # the bound's round-off
        status = PlanStatus.OPTIMAL if within else PlanStatus.WORK_LIMIT
    notes: tuple[str, ...] = (
        Note(
            _by_change("message.exact", change),
            grown=repair.grown,
            opened=repair.opened,
            reduced=repair.reduced,
            cost=Fixed(abs(change), 0),
            gap=Share(published_gap(gap), 2),
        ),
    )
    if cut:
        notes += (Note("message.revision_cut", seconds=seconds, districts=0),)
    return chosen, assigned, notes, (status, value, bound, gap)


def _by_change(key: str, change: float) -> str:
    """Return the note's key for a change of cost: adding (``key``), ``_saving`` or ``_same``."""
    if abs(change) < 1e-6:
        return key + "_same"
    return key + "_saving" if change < 0 else key


def _repair_note(repair: DistrictRepair, change: float, gap: float) -> Note:
    """Say what the district repair changed and what it cost (or saved).

    A revision that moves, shrinks or closes sites may end cheaper than the
    site decision (when a safety net cut that short): it then says "saving".
    """
    key = "message.repaired"
    if repair.reduced and not (repair.grown or repair.opened):
        key = "message.trimmed"  # only made smaller: every site the settlements need
    elif repair.reduced:
        key = _by_change("message.revised", change)
    return Note(
        key,
        grown=repair.grown,
        opened=repair.opened,
        reduced=repair.reduced,
        cost=Fixed(abs(change), 0),
        gap=Share(published_gap(gap), 2),
    )


def _read_solution(
    model: SitingModel,
    x: FloatArray,
    layout: SitingLayout,
    status: PlanStatus,
    figures: tuple[float, float, float],
    seconds: tuple[float, float] = (0.0, 0.0),
) -> PlanResult:
    """Read a solution: ``figures`` is (objective, bound, gap), ``seconds`` (build, solve)."""
    y = x[layout.y.cols] > 0.5  # (n_c, n_k)
    caps, costs, _ = model.size_options()
    if caps.shape != y.shape:  # an assignment layout (no candidates): replaced by the caller
        caps, costs = np.zeros(y.shape), np.zeros(y.shape)
    ext = np.asarray(model.existing_capacity, dtype=float).copy()
    ext_cost = np.zeros(len(ext))
    if layout.z.size:
        ext += np.round(x[layout.z.slice], 6)
        ext_cost = np.round(x[layout.z.slice], 6) * model.options.supply.expand_cost_per_place
    flows = x[layout.x.slice]
    used = flows > TOL_FLOW
    pi, pj = layout.pi[used], layout.pj[used]
    km = np.asarray(model.km)[pi, pj] if model.km is not None else np.full(len(pi), np.nan)
    assignments = pd.DataFrame(
        {
            "demand": pi,
            "site": pj,
            "places": flows[used],
            "travel_min": np.asarray(model.minutes)[pi, pj],
            "travel_km": km,
        }
    )
    total = float(np.asarray(model.demand, dtype=float).sum())
    return PlanResult(
        status=status,
        open_sizes=np.concatenate([ext, (y * caps).sum(axis=1)]),
        built=np.asarray(y.any(axis=1), dtype=bool),
        assignments=assignments,
        unserved=np.clip(x[layout.u.slice], 0, None),
        objective=figures[0],
        bound=figures[1],
        gap=figures[2],
        cost=float(layout.cost @ x),
        served_share=float(flows[used].sum()) / total if total > 0 else 1.0,
        max_travel_min=float(assignments["travel_min"].max()) if len(assignments) else math.nan,
        build_seconds=seconds[0],
        solve_seconds=seconds[1],
        site_costs=np.concatenate([ext_cost, (y * costs).sum(axis=1)]),
    )


def _rounded_start(
    siting: SitingModel, layout: SitingLayout, limit_s: float
) -> tuple[FloatArray | None, float | None]:
    """Make a feasible starting solution from the LP relaxation, rounded up.

    Every candidate the LP opens at all is built at the smallest size that
    holds the flow the LP sends to it (and its fractional capacity), so
    the LP's flows stay feasible. Returns the start (``None`` if rounding
    breaks a row, e.g. a budget) and the LP's value, a bound on the optimum
    (``None`` if the LP was not solved).
    """
    caps, _, ok = siting.size_options()
    model = layout.milp
    stage("progress.start")
    res = solve_milp(model.relaxed(), layout.cost, limit_s, 0.0)
    if res.x is None or res.termination != Termination.OPTIMAL:
        return None, None
    bound = float(layout.cost @ res.x)
    x = np.asarray(res.x, dtype=float).copy()
    y_cols = layout.y.cols
    n_e = siting.n_existing
    flows = np.bincount(layout.pj, weights=x[layout.x.slice], minlength=n_e + len(y_cols))
    for j in range(len(y_cols)):
        frac = x[y_cols[j]]
        x[y_cols[j]] = 0.0
        if frac.sum() <= 1e-7:
            continue
        sizes = np.where(ok[j], caps[j], -np.inf)
        need = max(flows[n_e + j], float(frac @ caps[j])) - 1e-7
        fits = np.flatnonzero(sizes >= need)
        k = int(fits[np.argmin(sizes[fits])]) if len(fits) else int(np.argmax(sizes))
        x[y_cols[j][k]] = 1.0
    viol = model.a @ x
    tol = 1e-6 * max(1.0, float(np.abs(model.hi[np.isfinite(model.hi)]).max(initial=1.0)))
    if np.any(viol < model.lo - tol) or np.any(viol > model.hi + tol):
        return None, bound
    whole = x[model.integrality > 0]  # e.g. single sourcing's referrals, not rounded here
    if np.any(np.abs(whole - np.round(whole)) > 1e-6):
        return None, bound
    return x, bound


def _why_infeasible(
    model: SitingModel, res: Outcome, left_s: float, whole: SitingModel | None = None
) -> list[str]:
    """Say why a proven infeasible model has no plan: its budget, or its targets.

    With a budget, the plan without it is made as any cheapest plan is (the
    site decision bounded by work, the referrals, the district repair;
    ``left_s`` is its safety net): what lifting the budget would give. Found,
    the budget is too small, and the message gives that plan's cost and
    sites (the cheapest only when proven so); proven impossible, the budget
    is not the cause, and that plan's reasons follow. ``whole`` is the model
    before settlements were merged (default: ``model``): the plan is made on
    it, and its settlements are the ones named.
    """
    opts = model.options
    if not opts.has_budget:
        return _proven_infeasible(res, whole or model, model, left_s)
    if left_s < 1.0:  # the plan's time limit is spent: the budget alone is said
        return [budget_reason(opts.budget, None)]
    base = whole or model
    free = replace(
        base,
        options=replace(
            base.options,
            objective=ObjectiveOptions(type="min_cost", tie_break="none"),
            budget=BudgetOptions(),
            solver=replace(base.options.solver, time_limit_s=left_s),
        ),
    )
    plan = free.solve()
    if plan.status == PlanStatus.INFEASIBLE:
        return [Note("message.not_the_budget"), *plan.messages]
    cheapest = None
    if plan.feasible:
        proven = plan.cost if plan.status == PlanStatus.OPTIMAL else math.nan
        bound = plan.bound if math.isfinite(plan.bound) else proven
        cheapest = (int(np.sum(plan.built)), float(plan.cost), float(bound))
    return [budget_reason(opts.budget, cheapest)]
