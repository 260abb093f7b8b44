from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planner.locate.siting as siting_module
from planner._errors import OptionError
from planner.locate import (
    BudgetOptions,
    ObjectiveOptions,
    PlanResult,
    SitingModel,
    SitingOptions,
    SolverOptions,
    SupplyOptions,
    TargetOptions,
    check_solution,
)
from planner.locate._milp import Deadline, FloatArray, Outcome, Termination
from planner.locate._search import search_deeper
from planner.locate.explain import explain_reach_capacity
from planner.locate.result import REPAIR_NOTES
from tests import brute

INF = math.inf
BIG = 1e6  # "uncapacitated" size for comparisons with spopt


_TABLE_OF = {
    **dict.fromkeys(
        [
            "max_travel_min",
            "max_travel_km",
            "served_share",
            "one_per_region",
            "regional_capacity",
            "nearest_tolerance_min",
            "single_source",
        ],
        "targets",
    ),
    **dict.fromkeys(
        ["existing", "expand_max_places", "expand_cost_per_place", "sizes", "size_costs"],
        "supply",
    ),
    **dict.fromkeys(["max_new_sites", "max_cost"], "budget"),
    "objective": "objective",
    "tie_break": "objective",
    "travel_weight": "objective",
    **dict.fromkeys(
        ["time_limit_s", "mip_gap", "node_limit", "root_search", "plan_search_nodes"], "solver"
    ),
}
_TYPES: dict[str, Any] = {
    "targets": TargetOptions,
    "supply": SupplyOptions,
    "budget": BudgetOptions,
    "objective": ObjectiveOptions,
    "solver": SolverOptions,
}


def _opts(**kw: Any) -> SitingOptions:
    """Small-instance options from flat keys (each goes to its option table)."""
    base: dict[str, Any] = {
        "one_per_region": False,
        # the textbook models (the closest-assignment rule has tests of its own)
        "nearest_tolerance_min": None,
        "tie_break": "none",
        "time_limit_s": 30.0,
        "mip_gap": 0.0,
    }
    base.update(kw)
    inclusive = base.pop("inclusive_served_share", None)
    if base.pop("expand_existing", False):
        base["existing"] = "expand"
    tables: dict[str, dict[str, Any]] = {t: {} for t in _TYPES}
    for key, value in base.items():
        table = _TABLE_OF[key]
        tables[table]["type" if key == "objective" else key] = value
    return SitingOptions(
        **{t: _TYPES[t](**v) for t, v in tables.items()}, inclusive_served_share=inclusive
    )


# --- tiny instances solved by hand ---------------------------------------------


def test_min_cost_by_hand() -> None:
    # one existing site (column 0, 5 places) and two candidates (columns 1, 2)
    # settlement a (4 places) reaches 0 and 1; b (6) reaches 1 and 2; c (3) only 2
    minutes = np.array([[10.0, 20.0, INF], [INF, 30.0, 40.0], [INF, INF, 15.0]])
    demand = np.array([4.0, 6.0, 3.0])
    model = SitingModel(
        minutes, demand, np.array([5.0]), options=_opts(sizes=(5.0, 10.0), size_costs=(6.0, 10.0))
    )
    r = model.solve()
    # c forces candidate 2; it takes b and c (9 places) at size 10 (cost 10), a goes to the
    # existing site: total 10. Anything using candidate 1 costs at least 16.
    assert r.status == "optimal"
    assert r.objective == pytest.approx(10.0)
    assert r.built.tolist() == [False, True]
    assert r.open_sizes.tolist() == [5.0, 0.0, 10.0]
    assert r.served_share == pytest.approx(1.0)
    assert check_solution(model, r) == []


def test_inclusive_reach_target_by_hand() -> None:
    # an existing, not inclusive, shelter (column 0) has room for everyone; candidate 1
    # is inclusive and near settlement b only, candidate 2 inclusive and near a and b
    minutes = np.array([[10.0, INF, 50.0], [20.0, 30.0, 60.0]])
    demand = np.array([3.0, 1.0])
    inclusive = np.array([False, True, True])
    cover = (minutes <= 60) & inclusive[None, :]
    sizes = {"sizes": (5.0,), "size_costs": (10.0,)}
    plain = SitingModel(minutes, demand, np.array([10.0]), options=_opts(**sizes))
    assert plain.solve().built.tolist() == [False, False]  # nothing to build
    for target in (0.25, 0.9):
        model = SitingModel(
            minutes,
            demand,
            np.array([10.0]),
            options=_opts(inclusive_served_share=target, **sizes),
            inclusive_cover=cover,
        )
        r = model.solve()
        # a quarter of the demand (b) is reached by either candidate; 90 % needs the one
        # that reaches a too. Costs tie at 10, so the choice shows the reach rule.
        assert r.status == "optimal", target
        assert r.objective == pytest.approx(10.0)
        if target == 0.25:
            assert r.built.sum() == 1
        else:
            assert r.built.tolist() == [False, True]
        assert check_solution(model, r) == []
        assert model.inclusive_share(r.open_sizes) >= target
    # no inclusive site can reach a: a 90 % target is impossible, and said so
    blind = SitingModel(
        minutes,
        demand,
        np.array([10.0]),
        options=_opts(inclusive_served_share=0.9, **sizes),
        inclusive_cover=cover & np.array([[False], [True]]),
    )
    r = blind.solve()
    assert r.status == "infeasible"
    assert "inclusive" in r.messages[0] and "25.0%" in r.messages[0]


def test_the_inclusive_rows_are_added_within_the_same_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the plan without the inclusive-reach rows misses the target, so the model is solved
    # again with them: in what is left of one limit, measured from the same start (it once
    # got at least half a limit more of its own)
    minutes = np.array([[10.0, INF, 50.0], [20.0, 30.0, 60.0]])
    cover = (minutes <= 60) & np.array([False, True, True])[None, :]
    model = SitingModel(
        minutes,
        np.array([3.0, 1.0]),
        np.array([10.0]),
        options=_opts(inclusive_served_share=0.9, sizes=(5.0,), size_costs=(10.0,)),
        inclusive_cover=cover,
    )
    seen: list[tuple[float, float, bool]] = []
    real = SitingModel._solve_with_targets

    def record(self: SitingModel, start: float) -> PlanResult:
        rows = self.options.inclusive_served_share is not None
        seen.append((start, self.options.solver.time_limit_s, rows))
        return real(self, start)

    monkeypatch.setattr(SitingModel, "_solve_with_targets", record)
    r = model.solve()
    assert r.built.tolist() == [False, True]
    assert [rows for *_, rows in seen] == [False, True]  # without the rows, then with them
    # one limit, from the plan's start (the relaxed solve started a moment after it)
    assert seen[1][1] == seen[0][1] == 30.0 and seen[1][0] <= seen[0][0]
    assert r.build_seconds >= 0 and r.solve_seconds >= 0


def test_inclusive_violation_is_caught() -> None:
    minutes = np.array([[10.0, 20.0]])
    model = SitingModel(
        minutes,
        np.array([1.0]),
        np.array([5.0]),
        options=_opts(inclusive_served_share=1.0, sizes=(5.0,), size_costs=(1.0,)),
        inclusive_cover=np.array([[False, True]]),
    )
    r = model.solve()
    assert r.built.tolist() == [True]
    closed = PlanResult(**{**r.__dict__, "open_sizes": np.array([5.0, 0.0])})
    problems = check_solution(model, closed)
    assert any("inclusive" in p for p in problems)


def test_split_demand_and_travel_tie_break() -> None:
    # one settlement of 8 places, two existing sites of 5: demand must be split,
    # and the nearer site is filled first
    minutes = np.array([[10.0, 50.0]])
    model = SitingModel(
        minutes, np.array([8.0]), np.array([5.0, 5.0]), options=_opts(tie_break="travel")
    )
    r = model.solve()
    places = dict(zip(r.assignments["site"], r.assignments["places"], strict=True))
    assert places == pytest.approx({0: 5.0, 1: 3.0})
    assert r.max_travel_min == pytest.approx(50.0)
    assert not r.built.any()


def test_max_coverage_with_budget() -> None:
    # three isolated settlements of 5, 7, 2 places, each with its own candidate
    minutes = np.array([[5.0, INF, INF], [INF, 5.0, INF], [INF, INF, 5.0]])
    model = SitingModel(
        minutes,
        np.array([5.0, 7.0, 2.0]),
        np.zeros(0),
        options=_opts(objective="max_coverage", max_new_sites=2, sizes=(10.0,), size_costs=(1.0,)),
    )
    r = model.solve()
    assert r.objective == pytest.approx(2.0)  # the 2-place settlement stays unserved
    assert r.built.tolist() == [True, True, False]
    assert r.served_share == pytest.approx(12 / 14)


def test_nobody_served_has_no_worst_travel() -> None:
    """No shelter and no new site (the 'current' scenario of an area without one): the
    worst travel of those served is undefined, not 0 minutes."""
    model = SitingModel(
        np.array([[5.0], [8.0]]),
        np.array([5.0, 7.0]),
        np.zeros(0),
        options=_opts(objective="max_coverage", max_new_sites=0, sizes=(10.0,), size_costs=(1.0,)),
    )
    r = model.solve()
    assert r.served_share == 0.0 and r.assignments.empty
    assert math.isnan(r.max_travel_min)


def test_p_median_and_p_centre_by_hand() -> None:
    # line of 4 settlements at 0, 1, 2, 10 (minutes along a road); candidates at each
    pos = np.array([0.0, 1.0, 2.0, 10.0])
    minutes = np.abs(pos[:, None] - pos[None, :])
    demand = np.array([1.0, 1.0, 1.0, 1.0])
    kw = {"max_new_sites": 2, "sizes": (BIG,), "size_costs": (1.0,), "max_travel_min": 100.0}
    median = SitingModel(
        minutes, demand, np.zeros(0), options=_opts(objective="min_travel", **kw)
    ).solve()
    assert median.objective == pytest.approx(2.0)  # sites at 1 and 10
    centre = SitingModel(
        minutes, demand, np.zeros(0), options=_opts(objective="min_worst_travel", **kw)
    ).solve()
    assert centre.objective == pytest.approx(1.0)
    assert centre.max_travel_min == pytest.approx(1.0)


def test_expansion_of_existing_sites() -> None:
    minutes = np.array([[10.0, 30.0]])
    model = SitingModel(
        minutes,
        np.array([9.0]),
        np.array([5.0]),
        options=_opts(
            expand_existing=True,
            expand_max_places=10.0,
            expand_cost_per_place=0.5,
            sizes=(10.0,),
            size_costs=(10.0,),
        ),
    )
    r = model.solve()
    assert not r.built.any()  # adding 4 places (cost 2) beats a new site (cost 10)
    assert r.open_sizes[0] == pytest.approx(9.0)
    assert r.cost == pytest.approx(2.0)


def test_regions_need_a_shelter() -> None:
    minutes = np.array([[5.0, 50.0, 60.0], [60.0, 50.0, 5.0]])
    model = SitingModel(
        minutes,
        np.array([1.0, 1.0]),
        np.array([10.0]),
        demand_region=np.array(["A", "B"]),
        site_region=np.array(["A", "A", "B"]),
        options=_opts(one_per_region=True, sizes=(10.0,), size_costs=(1.0,)),
    )
    r = model.solve()
    assert r.built.tolist() == [False, True]  # region B gets its own site though A could serve


# --- infeasible targets are explained --------------------------------------------


def test_unreachable_settlement_is_named() -> None:
    minutes = np.array([[10.0, 20.0], [INF, 200.0]])
    model = SitingModel(
        minutes,
        np.array([1.0, 2.0]),
        np.zeros(0),
        options=_opts(),
        demand_names=["Near", "Farvillage"],
    )
    r = model.solve()
    assert r.status == "infeasible"
    assert "Farvillage" in r.messages[0] and "within 120 min" in r.messages[0]
    # no road path at all: the closest-assignment rule is not what keeps it out of reach
    ruled = SitingModel(
        np.array([[10.0, 20.0], [INF, INF]]),
        np.array([1.0, 2.0]),
        np.array([5.0]),
        options=_opts(nearest_tolerance_min=15.0),
        demand_names=["Near", "Cut off"],
    )
    said = ruled.solve().messages[0]
    assert "Cut off" in said and "nearest_tolerance_min" not in said


def test_region_without_candidates_is_named() -> None:
    minutes = np.array([[10.0], [10.0]])
    model = SitingModel(
        minutes,
        np.array([1.0, 1.0]),
        np.zeros(0),
        demand_region=np.array(["North", "South"]),
        site_region=np.array(["North"]),
        options=_opts(one_per_region=True),
    )
    r = model.solve()
    assert r.status == "infeasible"
    assert any("region South has no existing shelter and no candidate" in m for m in r.messages)


def test_too_few_places_in_all_is_said_before_solving() -> None:
    # 30 places needed (95 % of 31.6); one existing shelter of 5 and two sites of at most 10
    minutes = np.array([[10.0, 20.0, 30.0], [20.0, 10.0, 30.0]])
    model = SitingModel(
        minutes,
        np.array([16.6, 15.0]),
        np.array([5.0]),
        options=_opts(served_share=0.95, sizes=(5.0, 10.0), size_costs=(1.0, 2.0)),
    )
    r = model.solve()
    assert r.status == "infeasible"
    assert r.messages[0] == (
        "serving 95.0% of the demand needs 30.0 family places, but the existing shelters and "
        "all 2 candidate sites at their largest size hold at most 25.0; add candidates or "
        "larger sizes, or lower served_share."
    )
    # room enough once the existing shelter may grow by 10: no such message
    grown = _opts(served_share=0.95, sizes=(5.0, 10.0), size_costs=(1.0, 2.0),
                  expand_existing=True, expand_max_places=10.0)  # fmt: skip
    model = SitingModel(minutes, np.array([16.6, 15.0]), np.array([5.0]), options=grown)
    assert model.explain() == []


def test_a_region_with_nobody_in_it_needs_no_shelter() -> None:
    # South's only settlement has no demand: one shelter, in North, meets every rule
    minutes = np.array([[10.0, 50.0], [50.0, 10.0]])
    model = SitingModel(
        minutes,
        np.array([1.0, 0.0]),
        np.zeros(0),
        demand_region=np.array(["North", "South"]),
        site_region=np.array(["North", "South"]),
        options=_opts(one_per_region=True, sizes=(10.0,), size_costs=(1.0,)),
    )
    r = model.solve()
    assert r.status == "optimal" and r.built.tolist() == [True, False]
    assert check_solution(model, r) == []
    # nor is a region with nobody and no candidate a reason to call the plan impossible
    alone = SitingModel(
        minutes[:, :1],
        np.array([1.0, 0.0]),
        np.zeros(0),
        demand_region=np.array(["North", "South"]),
        site_region=np.array(["North"]),
        options=_opts(one_per_region=True, sizes=(10.0,), size_costs=(1.0,)),
    )
    assert alone.explain() == [] and alone.solve().status == "optimal"


def test_small_budget_says_what_is_needed() -> None:
    minutes = np.array([[5.0, INF, INF], [INF, 5.0, INF], [INF, INF, 5.0]])
    model = SitingModel(
        minutes,
        np.array([1.0, 1.0, 1.0]),
        np.zeros(0),
        options=_opts(max_new_sites=1, sizes=(10.0,), size_costs=(3.0,)),
    )
    r = model.solve()
    assert r.status == "infeasible"
    assert "the budget (new sites: at most 1) is too small" in r.messages[0]
    assert "the cheapest plan without it: new sites 3, cost 9" in r.messages[0]
    # with the plan's time limit spent, the budget alone is said (nothing unproven)
    from planner.locate._milp import Outcome, Termination
    from planner.locate.siting import _why_infeasible

    none = Outcome(Termination.INFEASIBLE, None, None, None, "infeasible")
    assert (
        _why_infeasible(model, none, 0.0)[0]
        == "the budget (new sites: at most 1) is too small to meet the targets."
    )


def test_a_plan_without_the_budget_is_called_the_cheapest_only_when_proven() -> None:
    from planner.locate.explain import budget_reason
    from planner.locate.options import BudgetOptions

    budget = BudgetOptions(max_new_sites=5)
    proven = budget_reason(budget, (34, 1778.0, 1778.0))
    assert proven.endswith("the cheapest plan without it: new sites 34, cost 1778.")
    found = budget_reason(budget, (34, 1778.0, 1770.0))
    assert found.endswith(
        "without it a plan with new sites 34 costs 1778, and no plan costs less than 1770 "
        "(the cheapest is not proven)."
    )
    unbounded = budget_reason(budget, (34, 1778.0, math.nan))
    assert unbounded.endswith("costs 1778 (not proven the cheapest).")


def _short_of_room(**kw: Any) -> SitingModel:
    """A (4 places) reaches only the existing site (5); B and C (3 each) reach only the one
    candidate, whose largest size is 5: 10 places fit in all, but B and C do not."""
    minutes = np.array([[10.0, INF], [INF, 20.0], [INF, 30.0]])
    return SitingModel(
        minutes,
        np.array([4.0, 3.0, 3.0]),
        np.array([5.0]),
        demand_names=["A", "B", "C"],
        options=_opts(sizes=(5.0,), size_costs=(1.0,), **kw),
    )


def test_a_group_short_of_room_within_reach_is_named() -> None:
    # no single settlement, region or total is short, but B and C together are: the
    # maximum flow's minimum cut names them before any solving
    expected = (
        "2 settlements with 6.0 family places of demand can reach only 1 site within the "
        "limit, which holds at most 5.0 at its largest size (largest: B, C); at most 0.0 may "
        "go unserved (served_share 1)."
    )
    for objective in ("min_cost", "min_worst_travel", "min_travel"):
        model = _short_of_room(objective=objective)
        assert [m.split(" Add candidate")[0] for m in model.explain()] == [expected]
        r = model.solve()
        assert r.status == "infeasible", objective
        assert [m.split(" Add candidate")[0] for m in r.messages] == [expected], objective
    # a budget is not what is named: the group is
    r = _short_of_room(max_new_sites=0).solve()
    assert r.status == "infeasible" and len(r.messages) == 1
    assert r.messages[0].startswith(expected)
    # a rule that removes no pair of the group is not named: B and C reach no existing site
    said = _short_of_room(nearest_tolerance_min=15.0).solve().messages[0]
    assert said.startswith(expected) and "nearest existing site" not in said
    # one that does is named, with the option to raise: without it candidate 2 (60 and
    # 70 min, beyond 30 + 15) would take B and C
    ruled = SitingModel(
        np.array([[10.0, INF, INF], [30.0, 20.0, 60.0], [30.0, 30.0, 70.0]]),
        np.array([4.0, 3.0, 3.0]),
        np.array([4.0]),
        demand_names=["A", "B", "C"],
        options=_opts(sizes=(5.0,), size_costs=(1.0,), nearest_tolerance_min=15.0),
    )
    said = ruled.solve().messages[0]
    assert "within the limit and within 15 min of their nearest existing site" in said
    assert "raise the travel limit, raise targets.nearest_tolerance_min or lower" in said
    assert ruled.solve().status == "infeasible"
    unruled = replace(
        ruled.options, targets=replace(ruled.options.targets, nearest_tolerance_min=None)
    )
    assert (
        SitingModel(ruled.minutes, ruled.demand, ruled.existing_capacity, options=unruled)
        .solve()
        .status
        == "optimal"
    )
    # half a place may go unserved: still short; one place: a plan
    assert _short_of_room(served_share=0.95).solve().status == "infeasible"
    assert _short_of_room(served_share=0.9).solve().status == "optimal"
    # the check answers too when a solve is proven infeasible by other means
    from planner.locate.siting import _proven_infeasible

    proven = Outcome(Termination.INFEASIBLE, None, None, None, "infeasible")
    assert _proven_infeasible(proven, _short_of_room())[0].startswith(expected)
    stopped = Outcome(Termination.LIMIT, None, None, None, "time limit reached")
    assert _proven_infeasible(stopped, _short_of_room()) == [
        "the solver found no solution: time limit reached"
    ]


def test_small_amounts_of_places_are_not_shown_as_zero() -> None:
    # 0.1 places out of reach, 0.047 allowed unserved (0.1 % of 47): "at most 0.0" would read
    # as nothing allowed
    model = SitingModel(
        np.array([[10.0], [INF]]),
        np.array([46.9, 0.1]),
        np.array([50.0]),
        demand_names=["Town", "Hamlet"],
        options=_opts(served_share=0.999, sizes=(5.0,), size_costs=(1.0,)),
    )
    said = model.explain()
    assert len(said) == 1
    assert "1 settlement with 0.10 family places of demand has no existing" in said[0]
    assert "at most 0.047 may go unserved" in said[0]


def test_reach_capacity_check_finds_nothing_to_say_on_a_feasible_model() -> None:
    assert explain_reach_capacity(_short_of_room(served_share=0.5)) == []
    # the group is the settlements short of room, not all of them: A is fine
    said = explain_reach_capacity(_short_of_room())
    assert len(said) == 1 and "(largest: B, C)" in said[0]
    # without names the rows are given
    model = replace(_short_of_room(), demand_names=None)
    assert "(largest: rows 1, 2)" in explain_reach_capacity(model)[0]


def test_infeasible_targets_that_no_check_explains_say_the_solver_proved_it() -> None:
    # single sourcing: three settlements of 3 places, two sites of 5 that all reach; each
    # settlement fits a site and all fit in total, but no site holds two of them whole
    model = SitingModel(
        np.full((3, 2), 10.0),
        np.array([3.0, 3.0, 3.0]),
        np.zeros(0),
        options=_opts(single_source=True, sizes=(5.0,), size_costs=(1.0,)),
    )
    assert model.explain() == []
    assert explain_reach_capacity(model) == []
    r = model.solve()
    assert r.status == "infeasible"
    assert r.messages[0].startswith("no plan meets all the targets together (the solver proved")
    # nor is a budget blamed for what no plan can do
    for budget in ({"max_new_sites": 2}, {"max_cost": 1.5}):
        tight = replace(model, options=replace(model.options, budget=BudgetOptions(**budget)))
        r = tight.solve()
        assert r.status == "infeasible"
        assert r.messages[0] == (
            "the budget is not what makes the targets impossible: no plan meets them even "
            "without it."
        )
        assert r.messages[1].startswith("no plan meets all the targets together")


def test_regional_capacity_impossible() -> None:
    minutes = np.array([[10.0]])
    model = SitingModel(
        minutes,
        np.array([50.0]),
        np.zeros(0),
        demand_region=np.array(["R"]),
        site_region=np.array(["R"]),
        options=_opts(regional_capacity=True, sizes=(10.0, 20.0), size_costs=(1.0, 2.0)),
    )
    assert any("needs 50.0 family places" in m for m in model.solve().messages)


def test_regional_capacity_counts_an_existing_sites_growth_in_its_own_region_only() -> None:
    # s1 (12 places, region R1) is 10 min from the existing site E (R1, 10 places, may grow
    # by 5 at 1 a place); s2 (3 places, R2) is 30 min from E and 10 from candidate C2 (R2).
    # Without the rule E grows to 15 and takes both (cost 5); with it R1's 12 places are
    # held by E grown by 2, and R2 needs C2 (10): cost 12, not a new site in R1 (20)
    minutes = np.array([[10.0, 20.0, INF], [30.0, INF, 10.0]])
    regions: dict[str, Any] = {
        "demand_region": np.array(["R1", "R2"]),
        "site_region": np.array(["R1", "R1", "R2"]),
    }
    costs: dict[str, Any] = {"existing": "expand", "expand_max_places": 5.0, "node_limit": 1000}
    plans = []
    for rule in (False, True):
        opts = _opts(regional_capacity=rule, sizes=(10.0,), size_costs=(10.0,), **costs)
        model = SitingModel(minutes, np.array([12.0, 3.0]), np.array([10.0]), options=opts,
                            **regions)  # fmt: skip
        r = model.solve()
        assert r.status == "optimal" and check_solution(model, r) == []
        plans.append(r)
    free, held = plans
    assert free.cost == pytest.approx(5.0) and free.open_sizes == pytest.approx([15.0, 0, 0])
    assert held.cost == pytest.approx(12.0) and held.open_sizes == pytest.approx([12.0, 0, 10.0])


# --- properties --------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn) -> SitingModel:
    n_i = draw(st.integers(2, 8))
    n_e = draw(st.integers(0, 2))
    n_c = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    minutes = rng.uniform(5, 200, size=(n_i, n_e + n_c))
    minutes[rng.random((n_i, n_e + n_c)) < 0.15] = INF
    demand = rng.uniform(0.1, 6, size=n_i).round(2)
    existing = rng.uniform(1, 8, size=n_e).round(1)
    objective = draw(st.sampled_from(["min_cost", "max_coverage", "min_travel"]))
    opts = _opts(
        objective=objective,
        max_travel_min=draw(st.sampled_from([60.0, 120.0, 250.0])),
        served_share=draw(st.sampled_from([0.5, 0.9, 1.0])),
        max_new_sites=draw(st.sampled_from([None, 1, 2])) if objective != "min_cost" else None,
        sizes=(5.0, 10.0),
        size_costs=(6.0, 10.0),
        tie_break="travel",
        mip_gap=0.0,
    )
    return SitingModel(minutes, demand, existing, km=minutes / 1.2, options=opts)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solutions_are_feasible_when_checked_independently(model: SitingModel) -> None:
    r: PlanResult = model.solve()
    if r.status == "infeasible":
        assert r.messages  # always says why
        return
    assert check_solution(model, r) == []
    a = r.assignments
    load = np.bincount(a["site"], weights=a["places"], minlength=len(r.open_sizes))
    assert (load <= r.open_sizes + 1e-6).all()  # no capacity exceeded
    limit = model.options.targets.max_travel_min
    assert (a["travel_min"] <= limit + 1e-9).all()  # no limit exceeded
    n_e = model.n_existing
    assert (r.open_sizes[:n_e] >= model.existing_capacity - 1e-9).all()  # existing stay open
    got = np.bincount(a["demand"], weights=a["places"], minlength=len(model.demand))
    assert got + r.unserved == pytest.approx(model.demand, abs=1e-5)


@st.composite
def rich_instances(draw: st.DrawFn) -> SitingModel:
    """Small instances with every rule of the shelter model drawn: each objective, single
    sourcing, the closest-assignment rule with districts, budgets, expansion, a distance
    limit, regions with one shelter each or regional capacity."""
    n_i, n_e, n_c = draw(st.integers(3, 7)), draw(st.integers(0, 2)), draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    minutes = rng.uniform(2, 150, size=(n_i, n_e + n_c)).round(1)
    minutes[rng.random(minutes.shape) < 0.15] = INF
    objective = draw(
        st.sampled_from(["min_cost", "max_coverage", "min_travel", "fixed_charge",
                         "min_worst_travel"])
    )  # fmt: skip
    budget = objective != "min_cost" and draw(st.booleans())
    expand = n_e > 0 and draw(st.booleans())
    opts = _opts(
        objective=objective,
        sizes=(5.0, 10.0),
        size_costs=(6.0, 10.0),
        max_travel_min=draw(st.sampled_from([60.0, 120.0])),
        served_share=draw(st.sampled_from([0.8, 1.0])),
        nearest_tolerance_min=draw(st.sampled_from([None, 15.0])),
        single_source=draw(st.booleans()),
        max_new_sites=(1 if objective == "max_coverage" else draw(st.sampled_from([1, 2])))
        if budget or objective == "max_coverage"
        else None,
        existing="expand" if expand else "keep",
        expand_max_places=5.0,
        expand_cost_per_place=1.2,
        max_travel_km=draw(st.sampled_from([None, 100.0])),
        one_per_region=draw(st.booleans()),
        regional_capacity=draw(st.booleans()),
        node_limit=10_000,
        mip_gap=0.0,
    )
    region = np.array(list("AB"))
    return SitingModel(
        minutes,
        rng.uniform(0.5, 8, size=n_i).round(1),
        rng.uniform(1, 8, size=n_e).round(1),
        km=(minutes * rng.uniform(0.8, 1.5, size=minutes.shape)).round(1),
        options=opts,
        demand_region=region[rng.integers(0, 2, n_i)],
        site_region=region[rng.integers(0, 2, n_e + n_c)],
        demand_district=np.array(list("XYZ"))[rng.integers(0, 3, n_i)],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_instances())
def test_every_rule_holds_when_checked_independently(model: SitingModel) -> None:
    """Whatever the objective and rules, a plan keeps every rule of the model as the
    independent check sees them, ends by proof (these instances are small), and a plan
    that is not found says why."""
    r = model.solve()
    assert r.status in ("optimal", "infeasible", "work_limit"), r.messages
    if not r.feasible:
        assert r.messages
        return
    assert check_solution(model, r) == []


def _drawn_instance(
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """4-8 settlements in districts A-C, one shelter of 4-11 places, 2-4 candidates."""
    n_i, n_c = int(rng.integers(4, 9)), int(rng.integers(2, 5))
    minutes = rng.uniform(2, 110, size=(n_i, 1 + n_c)).round(1)
    demand = rng.uniform(2, 12, size=n_i).round(1)
    district = np.array(list("ABC"))[rng.integers(0, 3, n_i)]
    existing = np.array([float(rng.integers(4, 12))])
    return minutes, demand, district, existing


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 100_000))
def test_the_cheapest_plan_under_the_district_rule_agrees_with_the_brute_force(
    seed: int,
) -> None:
    """Drawn instances of the cheapest plan with districts and the 15-minute rule, against
    every choice of sizes enumerated (tests/brute.py): a plan called optimal costs the
    optimum, one called infeasible has none, and the gap bounds the excess. Drawn so, 450
    instances found the two faults tested by hand above."""
    _agrees_with_the_brute_force(seed, node_limit=10_000)


def _agrees_with_the_brute_force(seed: int, **solver: Any) -> None:
    """Plan a drawn instance under the district rule and hold it to the brute force."""
    rng = np.random.default_rng(seed)
    minutes, demand, district, existing = _drawn_instance(rng)
    sizes = ((10.0, 20.0, 40.0), (10.0, 18.0, 32.0))
    opts = _opts(sizes=sizes[0], size_costs=sizes[1], nearest_tolerance_min=15.0,
                 tie_break="travel", **solver)  # fmt: skip
    model = SitingModel(minutes, demand, existing, options=opts, demand_district=district)
    r = model.solve()
    best, _ = brute.district_rule_optimum(
        minutes, demand, existing, list(district), sizes, (120.0, 15.0)
    )
    if r.status == "infeasible":
        assert not np.isfinite(best)
        return
    assert r.feasible and check_solution(model, r) == []
    assert r.cost >= best - 1e-6
    if r.status == "optimal":
        assert r.cost == pytest.approx(best)
    assert (r.cost - best) / r.cost <= r.gap + 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 100_000))
def test_the_widest_plan_under_the_district_rule_agrees_with_the_brute_force(seed: int) -> None:
    """Drawn covering plans (one or two new sites) with districts and the 15-minute rule,
    against every choice of sizes enumerated (tests/brute.py): a plan called optimal serves
    the most demand that keeps every district at most at today's mean, and every plan keeps
    the rules. Drawn so, 1,500 instances found the fault tested in test_locate_assign.py
    (the site decision kept to the solver's tolerance) and none since."""
    rng = np.random.default_rng(seed)
    minutes, demand, district, existing = _drawn_instance(rng)
    most = int(rng.integers(1, 3))
    opts = _opts(objective="max_coverage", sizes=(10.0, 20.0, 40.0),
                 size_costs=(10.0, 18.0, 32.0), nearest_tolerance_min=15.0,
                 max_new_sites=most, node_limit=10_000, mip_gap=0.0)  # fmt: skip
    model = SitingModel(minutes, demand, existing, options=opts, demand_district=district)
    r = model.solve()
    best = brute.coverage_rule_optimum(
        minutes, demand, existing, list(district), ((10.0, 20.0, 40.0), most), (120.0, 15.0)
    )
    assert r.feasible and check_solution(model, r) == []
    served = float(demand.sum() - r.unserved.sum())
    # the rows' round-off slack (1e-6 of the demand, in place-minutes) may serve a hair more
    assert served <= best + 1e-3
    if r.status == "optimal":
        assert served == pytest.approx(best, abs=1e-3)


def _room_within_reach(model: SitingModel) -> float:
    """The most demand the sites can serve within reach, every site at its largest: an LP
    solved here on its own (not the planner's maximum flow)."""
    from scipy.optimize import linprog

    reach = model.allowed(model.options.targets.max_travel_min)
    pi, pj = np.nonzero(reach)
    if not len(pi):
        return 0.0
    n_i, n_j = reach.shape
    largest = np.concatenate(
        [np.asarray(model.existing_capacity, float), np.full(model.n_candidates, 10.0)]
    )
    rows_i = np.zeros((n_i, len(pi)))
    rows_i[pi, np.arange(len(pi))] = 1.0
    rows_j = np.zeros((n_j, len(pi)))
    rows_j[pj, np.arange(len(pi))] = 1.0
    res = linprog(
        -np.ones(len(pi)),
        A_ub=np.vstack([rows_i, rows_j]),
        b_ub=np.concatenate([np.asarray(model.demand, float), largest]),
        bounds=(0, None),
        method="highs",
    )
    assert res.status == 0 and res.fun is not None
    return -float(res.fun)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_group_check_fires_exactly_when_room_within_reach_is_short(
    model: SitingModel,
) -> None:
    # the cheapest plan with no budget and no region rule: it exists exactly when the sites
    # within reach, all at their largest, hold the demand that must be served
    opts = replace(
        model.options,
        objective=ObjectiveOptions(type="min_cost", tie_break="none"),
        budget=BudgetOptions(),
    )
    model = replace(model, options=opts)
    d = np.asarray(model.demand, float)
    need = opts.targets.served_share * d.sum()
    short = _room_within_reach(model) < need - 1e-6
    said = explain_reach_capacity(model)
    assert bool(said) == short
    r = model.solve()
    assert (r.status == "infeasible") == short
    if short:  # said before solving (unreachable settlements are said as such first)
        assert list(r.messages) == model.explain() != []


def test_check_solution_catches_violations() -> None:
    minutes = np.array([[10.0, 20.0]])
    model = SitingModel(minutes, np.array([4.0]), np.array([5.0]), options=_opts())
    r = model.solve()
    from dataclasses import replace

    broken = replace(r, open_sizes=np.array([1.0, 0.0]))
    assert any("capacity" in p for p in check_solution(model, broken))


# --- the same optimum as PySAL spopt ---------------------------------------------


def _spopt() -> tuple[Any, Any]:
    spopt = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    return spopt, pulp.PULP_CBC_CMD(msg=False)


@pytest.fixture(scope="module")
def matrix() -> np.ndarray:
    rng = np.random.default_rng(42)
    demand_xy = rng.uniform(0, 100, size=(25, 2))
    site_xy = rng.uniform(0, 100, size=(8, 2))
    return np.asarray(np.hypot(*(demand_xy[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1)))


@pytest.fixture(scope="module")
def weights() -> np.ndarray:
    return np.random.default_rng(7).integers(1, 20, size=25).astype(float)


def test_same_as_spopt_set_covering(matrix: np.ndarray) -> None:
    spopt, cbc = _spopt()
    radius = float(matrix.min(axis=1).max()) + 5.0  # every settlement can be covered
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = spopt.LSCP.from_cost_matrix(matrix, service_radius=radius).solve(cbc)
    n_ref = len(ref.fac2cli) - sum(1 for f in ref.fac2cli if len(f) == 0)
    ours = SitingModel(
        matrix,
        np.ones(len(matrix)),
        np.zeros(0),
        options=_opts(max_travel_min=radius, sizes=(BIG,), size_costs=(1.0,)),
    ).solve()
    assert ours.objective == pytest.approx(n_ref)
    assert n_ref >= 2  # a real covering problem, not one site for all


def test_same_as_spopt_max_covering(matrix: np.ndarray, weights: np.ndarray) -> None:
    spopt, cbc = _spopt()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = spopt.MCLP.from_cost_matrix(
            matrix, weights, service_radius=25.0, p_facilities=3
        ).solve(cbc)
    covered_ref = ref.problem.objective.value()
    ours = SitingModel(
        matrix,
        weights,
        np.zeros(0),
        options=_opts(
            objective="max_coverage",
            max_travel_min=25.0,
            max_new_sites=3,
            sizes=(BIG,),
            size_costs=(1.0,),
        ),
    ).solve()
    assert weights.sum() - ours.objective == pytest.approx(covered_ref)


def test_same_as_spopt_p_median(matrix: np.ndarray, weights: np.ndarray) -> None:
    spopt, cbc = _spopt()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = spopt.PMedian.from_cost_matrix(matrix, weights, p_facilities=3).solve(cbc)
    ours = SitingModel(
        matrix,
        weights,
        np.zeros(0),
        options=_opts(
            objective="min_travel",
            max_travel_min=1e9,
            max_new_sites=3,
            sizes=(BIG,),
            size_costs=(1.0,),
        ),
    ).solve()
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-6)


def test_same_as_spopt_p_centre(matrix: np.ndarray) -> None:
    spopt, cbc = _spopt()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = spopt.PCenter.from_cost_matrix(matrix, p_facilities=3).solve(cbc)
    ours = SitingModel(
        matrix,
        np.ones(len(matrix)),
        np.zeros(0),
        options=_opts(
            objective="min_worst_travel",
            max_travel_min=1e9,
            max_new_sites=3,
            sizes=(BIG,),
            size_costs=(1.0,),
        ),
    ).solve()
    assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-6)


def _stopped_solver(*args: object, **kwargs: object) -> Outcome:
    """A solve that a time limit stopped before any solution (no clock needed)."""
    return Outcome(Termination.LIMIT, None, None, None, "Time limit reached")


def _small_model() -> SitingModel:
    """Two settlements, one existing site of 5 places, two candidates."""
    minutes = np.array([[10.0, 20.0, INF], [INF, 30.0, 40.0]])
    return SitingModel(
        minutes,
        np.array([4.0, 6.0]),
        np.array([5.0]),
        options=_opts(sizes=(10.0,), size_costs=(1.0,)),
    )


def test_a_limit_before_any_plan_is_not_called_infeasible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import planner.locate.siting as siting

    monkeypatch.setattr(siting, "solve_milp", _stopped_solver)
    r = _small_model().solve()
    assert r.status == "time_limit" and not r.feasible
    assert "time limit" in r.messages[0] and "nothing is proven" in r.messages[0]
    # existing sites keep their capacity: never zero, never negative
    assert r.open_sizes.tolist() == [5.0, 0.0, 0.0]


@pytest.mark.parametrize("keep", [True, False])
def test_a_p_centre_tie_break_the_limit_stops_is_not_called_optimal(
    keep: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst travel is proven by the probes; when the limit stops the tie-break that
    chooses among its plans (with or without one found), the plan may differ on another
    machine: status time_limit, the proven worst case kept. It once said optimal."""
    import planner.locate._milp as milp_module
    import planner.locate.siting as siting

    minutes, demand = _small(1)
    model = SitingModel(minutes, demand, np.zeros(0), options=_opts(objective="min_worst_travel"))
    done = model.solve()
    assert done.status == "optimal"
    real = milp_module.solve_milp

    def tie_break_stopped(*args: Any, **kwargs: Any) -> Any:
        res = real(*args, **kwargs)
        if np.any(np.asarray(args[1]) != 0):  # the probes have no objective; the tie-break has
            res = replace(res, termination=Termination.LIMIT, x=res.x if keep else None)
        return res

    monkeypatch.setattr(siting, "solve_milp", tie_break_stopped)
    r = model.solve()
    assert r.status == "time_limit" and r.feasible
    assert r.objective == pytest.approx(done.objective)  # the worst case, proven
    assert check_solution(model, r) == []


# --- closest assignment: nobody sent far past a nearer shelter --------------------


def test_a_city_whose_shelter_is_full_gets_a_shelter_nearby() -> None:
    # village: 5 min from candidate 2, out of reach of the shelter and candidate 1
    minutes = np.array([[1.0, 5.0, 100.0], [INF, 130.0, 5.0]])
    demand = np.array([5.0, 1.0])

    def solve(tolerance: float | None) -> PlanResult:
        opts = SitingOptions(
            targets=TargetOptions(
                max_travel_min=120.0, one_per_region=False, nearest_tolerance_min=tolerance
            ),
            supply=SupplyOptions(sizes=(10.0,), size_costs=(10.0,)),
            objective=ObjectiveOptions(type="min_cost", tie_break="none"),
            solver=SolverOptions(mip_gap=0.0),
        )
        model = SitingModel(minutes, demand, np.array([1.0]), options=opts)
        r = model.solve()
        assert check_solution(model, r) == []
        return r

    # without the rule one new site does: candidate 2 takes the village and the city's
    # overflow, 100 minutes from the city
    free = solve(None)
    assert free.status == "optimal" and free.built.tolist() == [False, True]
    assert free.assignments["travel_min"].max() == 100.0
    # with the rule the city (1 min from today's shelter) may not be sent more than
    # 15 min beyond it: candidate 1 must open, and the village still needs candidate 2
    kept = solve(15.0)
    assert kept.status == "optimal"
    assert kept.built.tolist() == [True, True]
    city = kept.assignments[kept.assignments["demand"] == 0]
    assert (city["travel_min"] <= 16.0).all()
    assert kept.messages == ()


def test_closest_rule_among_new_sites_or_a_note_when_capacity_forbids() -> None:
    # no existing site; villages A (12 places) and B (2) each next to one candidate of
    # 10 places: A's overflow must travel to B's site, past its own
    minutes = np.array([[5.0, 60.0], [60.0, 5.0]])
    opts = SitingOptions(
        targets=TargetOptions(max_travel_min=120.0, one_per_region=False),
        supply=SupplyOptions(sizes=(10.0,), size_costs=(10.0,)),
        objective=ObjectiveOptions(type="min_cost", tie_break="none"),
        solver=SolverOptions(mip_gap=0.0),
    )
    r = SitingModel(minutes, np.array([12.0, 2.0]), np.zeros(0), options=opts).solve()
    assert r.status == "optimal" and r.built.tolist() == [True, True]
    assert len(r.messages) == 1 and "2.0 family places in 1 settlement are" in r.messages[0]
    # with room at the near site nobody is referred past it, and nothing is said
    r = SitingModel(minutes, np.array([8.0, 3.0]), np.zeros(0), options=opts).solve()
    assert r.messages == ()
    assert sorted(r.assignments["travel_min"].tolist()) == [5.0, 5.0]


def test_check_solution_catches_a_referral_far_past_todays_shelter() -> None:
    minutes = np.array([[1.0, 50.0]])
    opts = SitingOptions(
        targets=TargetOptions(max_travel_min=120.0, one_per_region=False),
        supply=SupplyOptions(sizes=(10.0,), size_costs=(10.0,)),
    )
    model = SitingModel(minutes, np.array([1.0]), np.array([5.0]), options=opts)
    r = model.solve()
    assert check_solution(model, r) == []
    moved = r.assignments.assign(site=1, travel_min=50.0)
    bad = PlanResult(**{**r.__dict__, "assignments": moved, "open_sizes": np.array([5.0, 10.0])})
    assert any(
        "beyond the settlement's nearest existing site" in p for p in check_solution(model, bad)
    )


def test_a_work_limit_before_any_plan_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.locate.siting as siting

    def budget_spent(*args: object, **kwargs: object) -> Outcome:
        return Outcome(Termination.WORK_LIMIT, None, None, None, "Node limit reached")

    monkeypatch.setattr(siting, "solve_milp", budget_spent)
    r = _small_model().solve()
    assert r.status == "work_limit" and not r.feasible
    assert "solver.node_limit" in r.messages[0]
    assert r.open_sizes.tolist() == [5.0, 0.0, 0.0]


def test_node_limit_is_validated() -> None:
    with pytest.raises(OptionError, match=r"solver.node_limit is -1"):
        SolverOptions(node_limit=-1)
    with pytest.raises(OptionError, match=r"solver.stall_checks is 2.5; expected a whole number"):
        SolverOptions(stall_checks=2.5)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"targets.nearest_tolerance_min is -5"):
        TargetOptions(nearest_tolerance_min=-5.0)
    with pytest.raises(OptionError, match=r"solver.plan_search_nodes is -1; expected a whole"):
        SolverOptions(plan_search_nodes=-1)


def test_the_same_model_gives_the_same_plan() -> None:
    rng = np.random.default_rng(7)
    minutes = rng.uniform(5, 150, size=(40, 12))
    demand = rng.uniform(0.5, 4, size=40)
    opts = SitingOptions(
        targets=TargetOptions(max_travel_min=120.0, one_per_region=False, served_share=0.9),
        supply=SupplyOptions(sizes=(5.0, 10.0), size_costs=(6.0, 10.0)),
    )
    runs = [
        SitingModel(minutes, demand, np.array([3.0, 2.0]), options=opts).solve() for _ in range(2)
    ]
    assert runs[0].built.tolist() == runs[1].built.tolist()
    assert runs[0].objective == runs[1].objective
    assert runs[0].assignments.equals(runs[1].assignments)


def test_when_nearest_open_is_full_districts_stay_no_worse_than_today() -> None:
    # a village 40 min from today's shelter (5 places) and 10 min from the one candidate
    # (5 places): the candidate fills up, so 3 places go 40 min, past the 15-min
    # tolerance of the nearest open site; the district's mean (21.25 min) stays below
    # today's 40, so only the referral note is given
    minutes = np.array([[40.0, 10.0]])
    opts = SitingOptions(
        targets=TargetOptions(max_travel_min=120.0, one_per_region=False),
        supply=SupplyOptions(sizes=(5.0,), size_costs=(1.0,)),
        objective=ObjectiveOptions(type="min_cost", tie_break="none"),
        solver=SolverOptions(mip_gap=0.0),
    )
    model = SitingModel(
        minutes, np.array([8.0]), np.array([5.0]), options=opts, demand_district=np.array(["Y"])
    )
    r = model.solve()
    assert r.status == "optimal" and r.built.tolist() == [True]
    assert len(r.messages) == 1 and "3.0 family places in 1 settlement are" in r.messages[0]
    a = r.assignments
    mean = float((a["places"] * a["travel_min"]).sum() / a["places"].sum())
    assert mean == pytest.approx(21.25)
    assert check_solution(model, r) == []
    with pytest.raises(OptionError, match=r"demand_district has 2 values for 1 matrix row$"):
        SitingModel(
            minutes, np.array([8.0]), np.array([5.0]), demand_district=np.array(["Y", "Z"])
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"demand": np.array([1.0, np.nan])},
            r"^demand\[1\] is nan; expected family places >= 0$",
        ),
        ({"demand": np.array([-2.0, 1.0])}, r"^demand\[0\] is -2\.0; expected family places"),
        (
            {"minutes": np.array([[10.0, 20.0], [np.nan, 30.0]])},
            r"^minutes\[1, 0\] is nan; expected minutes >= 0, or inf where there is no road path$",
        ),
        ({"minutes": np.array([[10.0, -20.0], [5.0, 30.0]])}, r"^minutes\[0, 1\] is -20\.0;"),
        ({"minutes": np.array([[10.0, 20.0], [5.0, -np.inf]])}, r"^minutes\[1, 1\] is -inf;"),
        ({"minutes": np.array([["a", "b"], ["c", "d"]])}, r"^minutes holds values that are not"),
        ({"existing_capacity": np.array([np.nan])}, r"^existing_capacity\[0\] is nan;"),
        ({"existing_capacity": np.array([-3.0])}, r"^existing_capacity\[0\] is -3\.0;"),
        ({"km": np.array([[1.0, np.nan], [2.0, 3.0]])}, r"^km\[0, 1\] is nan; expected km >= 0"),
        ({"existing_capacity": np.ones(3)}, r"^existing_capacity has 3 values for 2 sites$"),
        ({"demand": np.ones(3)}, r"^demand has 3 values for 2 matrix rows$"),
        ({"demand_region": np.array(["a", "b"])}, r"^give both demand_region and site_region"),
        ({"max_travel_km": 50.0}, r"^max_travel_km needs the km matrix$"),
        ({"inclusive_served_share": 0.5}, r"^inclusive_served_share needs the inclusive_cover"),
    ],
)
def test_bad_model_inputs_name_the_argument_and_entry(
    change: dict[str, Any], message: str
) -> None:
    """NaN demand, a negative travel time or capacity once gave "the targets cannot be met"
    with a nonsense shortfall ("needs - family places"); now the entry at fault is named."""
    args: dict[str, Any] = {
        "minutes": np.array([[10.0, 20.0], [5.0, np.inf]]),
        "demand": np.array([1.0, 1.0]),
        "existing_capacity": np.array([1.0]),
    }
    option_keys = {"max_travel_km", "inclusive_served_share"}
    args.update({k: v for k, v in change.items() if k not in option_keys})
    opts = _opts(**{k: v for k, v in change.items() if k in option_keys})
    with pytest.raises(OptionError, match=message):
        SitingModel(
            args.pop("minutes"), args.pop("demand"), args.pop("existing_capacity"),
            options=opts, **args,
        )  # fmt: skip


@pytest.mark.parametrize("name", ["km", "inclusive_cover"])
def test_a_matrix_of_the_wrong_shape_is_named(name: str) -> None:
    minutes = np.array([[10.0, 20.0]])
    wrong: dict[str, Any] = {
        name: np.ones((2, 2), dtype=bool if name == "inclusive_cover" else float)
    }
    with pytest.raises(OptionError, match=rf"^{name} has shape \(2, 2\); expected \(1, 2\)$"):
        SitingModel(minutes, np.array([1.0]), np.zeros(0), **wrong)


def test_required_candidate_is_opened_and_checked() -> None:
    # both candidates reach both settlements at the same cost: the cheapest plan opens one
    minutes = np.array([[10.0, 50.0], [12.0, 40.0]])
    demand = np.array([5.0, 5.0])
    opts = _opts(sizes=(10.0,), size_costs=(10.0,))
    free = SitingModel(minutes, demand, np.zeros(0), options=opts).solve()
    assert free.built.sum() == 1
    other = ~free.built
    required = SitingModel(minutes, demand, np.zeros(0), options=opts, required=other)
    res = required.solve()
    # the other alone serves everyone, so the cheapest plan with it required opens it only
    assert res.status == "optimal" and res.built.tolist() == other.tolist()
    assert res.objective == pytest.approx(10.0)
    assert check_solution(required, res) == []
    assert check_solution(required, free) == [
        f"required candidate sites {np.flatnonzero(other).tolist()} are not opened"
    ]
    # both required: both open although one would do
    both = SitingModel(minutes, demand, np.zeros(0), options=opts, required=np.ones(2, bool))
    assert both.solve().built.tolist() == [True, True]
    with pytest.raises(OptionError, match="required has 3 values for 2 candidate sites"):
        SitingModel(minutes, demand, np.zeros(0), options=opts, required=np.ones(3, dtype=bool))


# --- fixed-charge objective, per-site sizes and single sourcing against brute force ------


def _small(seed: int) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    minutes = rng.uniform(5, 100, size=(4, 3)).round(1)
    minutes[rng.random((4, 3)) < 0.15] = INF
    minutes[:, 0] = np.minimum(minutes[:, 0], 90.0)  # candidate 0 reaches everyone
    return minutes, rng.uniform(1, 6, size=4).round(1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weight", [0.01, 0.2])
def test_fixed_charge_matches_brute_force(seed: int, weight: float) -> None:
    minutes, demand = _small(seed)
    sizes, costs = (5.0, 10.0, 20.0), (6.0, 10.0, 16.0)
    opts = _opts(
        objective="fixed_charge",
        travel_weight=weight,
        sizes=sizes,
        size_costs=costs,
        max_travel_min=120.0,
    )
    model = SitingModel(minutes, demand, np.zeros(0), options=opts)
    res = model.solve()
    best, _ = brute.fixed_charge_optimum(minutes, demand, [sizes] * 3, [costs] * 3, weight)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, abs=1e-6)
    travel = float((res.assignments["places"] * res.assignments["travel_min"]).sum())
    assert res.cost + weight * travel == pytest.approx(best, abs=1e-6)
    assert check_solution(model, res) == []


@pytest.mark.parametrize("seed", range(6))
def test_own_capacity_and_cost_match_brute_force(seed: int) -> None:
    minutes, demand = _small(seed)
    sizes, costs = (5.0, 10.0), (6.0, 10.0)
    # candidate 1 is a given building: 8 places for a rent of 3; the others use the table
    own_cap = np.array([np.nan, 8.0, np.nan])
    own_cost = np.array([np.nan, 3.0, np.nan])
    for objective, weight in (("min_cost", 0.0), ("fixed_charge", 0.05)):
        opts = _opts(
            objective=objective,
            travel_weight=weight or 0.01,
            sizes=sizes,
            size_costs=costs,
            max_travel_min=120.0,
        )
        model = SitingModel(
            minutes, demand, np.zeros(0), options=opts, site_capacity=own_cap, site_cost=own_cost
        )
        res = model.solve()
        site_sizes = [sizes, (8.0,), sizes]
        site_costs = [costs, (3.0,), costs]
        best, _ = brute.fixed_charge_optimum(minutes, demand, site_sizes, site_costs, weight)
        if not math.isfinite(best):
            assert res.status == "infeasible"
            continue
        assert res.objective == pytest.approx(best, abs=1e-6)
        assert check_solution(model, res) == []
        if res.built[1]:
            assert res.open_sizes[1] == pytest.approx(8.0)
            assert res.site_costs is not None and res.site_costs[1] == pytest.approx(3.0)
        assert res.site_costs is not None and res.cost == pytest.approx(res.site_costs.sum())


def test_own_sizes_are_checked() -> None:
    minutes = np.array([[10.0, 20.0]])
    opts = _opts()
    with pytest.raises(OptionError, match="give both site_capacity and site_cost"):
        SitingModel(minutes, np.ones(1), np.zeros(0), options=opts, site_capacity=np.ones(2))
    with pytest.raises(OptionError, match="candidate 1 has only one of its own capacity"):
        SitingModel(
            minutes,
            np.ones(1),
            np.zeros(0),
            options=opts,
            site_capacity=np.array([np.nan, 5.0]),
            site_cost=np.array([np.nan, np.nan]),
        )
    with pytest.raises(OptionError, match="own capacity must be > 0"):
        SitingModel(
            minutes,
            np.ones(1),
            np.zeros(0),
            options=opts,
            site_capacity=np.array([0.0, 5.0]),
            site_cost=np.array([1.0, 1.0]),
        )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("objective", ["min_cost", "fixed_charge"])
def test_single_sourcing_matches_brute_force(seed: int, objective: str) -> None:
    minutes, demand = _small(seed)
    sizes, costs = (5.0, 10.0), (6.0, 10.0)
    weight = 0.05 if objective == "fixed_charge" else 0.0
    opts = _opts(
        objective=objective,
        travel_weight=0.05,
        sizes=sizes,
        size_costs=costs,
        max_travel_min=120.0,
        single_source=True,
        node_limit=100_000,  # a work budget, far beyond what these instances need
    )
    model = SitingModel(minutes, demand, np.zeros(0), options=opts)
    res = model.solve()
    best, _ = brute.fixed_charge_optimum(
        minutes, demand, [sizes] * 3, [costs] * 3, weight, single_source=True
    )
    if not math.isfinite(best):
        assert res.status == "infeasible" and res.messages
        return
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, abs=1e-6)
    assert check_solution(model, res) == []
    a = res.assignments
    assert (a.groupby("demand")["site"].nunique() == 1).all()
    assert a.groupby("demand")["places"].sum().to_numpy() == pytest.approx(demand)


def test_single_sourcing_costs_more_when_a_settlement_must_not_be_split() -> None:
    # an existing shelter of 4 places and two candidates of 10 reach both settlements of 6.
    # Split, 4 + 10 places hold the 12 (one new site); whole, neither settlement fits in the
    # existing 4, and 12 do not fit in one site of 10: two new sites.
    minutes = np.array([[10.0, 20.0, 30.0], [10.0, 30.0, 20.0]])
    demand = np.array([6.0, 6.0])
    kw: dict[str, Any] = {"sizes": (10.0,), "size_costs": (10.0,), "node_limit": 10_000}
    split_model = SitingModel(minutes, demand, np.array([4.0]), options=_opts(**kw))
    whole_model = SitingModel(
        minutes, demand, np.array([4.0]), options=_opts(single_source=True, **kw)
    )
    split, whole = split_model.solve(), whole_model.solve()
    assert split.objective == pytest.approx(10.0) and split.built.sum() == 1
    assert whole.objective == pytest.approx(20.0) and whole.built.sum() == 2
    assert check_solution(whole_model, whole) == []
    # the split plan breaks the single-sourcing rule, and the check says so
    assert check_solution(whole_model, split) == ["1 settlement is split between sites"]


def test_single_sourcing_explains_a_settlement_too_large_for_any_site() -> None:
    minutes = np.array([[10.0, 20.0], [15.0, 25.0]])
    model = SitingModel(
        minutes,
        np.array([30.0, 2.0]),
        np.zeros(0),
        options=_opts(sizes=(10.0, 20.0), size_costs=(10.0, 18.0), single_source=True),
        demand_names=["Big city", "Village"],
    )
    res = model.solve()
    assert res.status == "infeasible"
    assert (
        "single sourcing: 1 settlement needs more family places than any site" in (res.messages[0])
    )
    assert "Big city" in res.messages[0]


def test_no_district_worse_off_than_today_is_part_of_the_site_decision() -> None:
    # district A (a1, a2) lives around the existing shelter E (10 places, full with a1);
    # district B (b1) is beyond the travel limit from E today. Candidates: F between them
    # (12 min from A, 20 from B), G in A, H in B; sizes 10 (cost 10) and 20 (cost 18).
    minutes = np.array(
        [
            [1.0, 12.0, 2.0, INF],  # a1
            [5.0, 12.0, 4.0, INF],  # a2
            [130.0, 20.0, INF, 5.0],  # b1
        ]
    )
    demand = np.array([10.0, 10.0, 10.0])
    opts = _opts(
        sizes=(10.0, 20.0), size_costs=(10.0, 18.0), nearest_tolerance_min=15.0, node_limit=1000
    )
    kw: dict[str, Any] = {"options": opts, "demand_names": ["a1", "a2", "b1"]}
    # without districts the cheapest plan is F at 20 places: A's mean goes from 3 to 6.5
    blind = SitingModel(minutes, demand, np.array([10.0]), **kw).solve()
    assert blind.objective == pytest.approx(18.0)
    assert blind.built.tolist() == [True, False, False]
    # with districts A stays at most 3 minutes on average: G for A, and F or H for b1
    model = SitingModel(
        minutes, demand, np.array([10.0]), demand_district=np.array(["A", "A", "B"]), **kw
    )
    res = model.solve()
    assert res.status == "optimal" and res.objective == pytest.approx(20.0)
    a = res.assignments
    in_a = a["demand"] < 2
    mean_a = float((a["places"] * a["travel_min"])[in_a].sum() / a["places"][in_a].sum())
    assert mean_a <= 3.0 + 1e-6
    assert res.built[1]  # G, in A
    assert check_solution(model, res) == []
    assert not any("district" in m for m in res.messages)


# District A: a1 (4 places) 5 min from the existing shelter E (2 places), a2 (4) 40 min
# from it; today A's mean travel is (4 * 5 + 4 * 40) / 8 = 22.5 min. Candidates: C1 (cost
# 10) 18 and 35 min away, C2 (cost 30) 6 and 7 min away, both of 10 places. With C1 A's
# mean is at best (2 * 5 + 2 * 18 + 4 * 35) / 8 = 23.25 (whole settlements: 26.5), worse than
# today; with C2 it is 6.25 (6.5).
_WORSE_MINUTES = np.array([[5.0, 18.0, 6.0], [40.0, 35.0, 7.0]])


def _district_opts(objective: str, single: bool, **kw: Any) -> SitingOptions:
    """Options of the district-rule instances: sites of 10 places, a 15-minute tolerance."""
    return _opts(
        objective=objective,
        sizes=(10.0,),
        size_costs=(10.0,),
        nearest_tolerance_min=15.0,
        single_source=single,
        node_limit=1000,
        **kw,
    )


@pytest.mark.parametrize(
    ("objective", "single", "budget"),
    [
        ("min_cost", False, None),
        ("min_cost", True, None),
        ("fixed_charge", False, None),
        ("fixed_charge", True, None),
        ("min_travel", False, 10.0),  # the budget buys C1 only: no plan keeps A as it is
        ("min_worst_travel", False, 10.0),
    ],
)
def test_no_district_worse_off_than_today_whatever_the_objective(
    objective: str, single: bool, budget: float | None
) -> None:
    opts = _district_opts(objective, single, travel_weight=0.01, max_cost=budget)
    kw: dict[str, Any] = {
        "options": opts,
        "site_capacity": np.array([10.0, 10.0]),
        "site_cost": np.array([10.0, 30.0]),
    }
    # without districts the plan takes the cheap, far C1
    blind = SitingModel(_WORSE_MINUTES, np.array([4.0, 4.0]), np.array([2.0]), **kw).solve()
    assert blind.status == "optimal" and blind.built.tolist() == [True, False]
    model = SitingModel(
        _WORSE_MINUTES,
        np.array([4.0, 4.0]),
        np.array([2.0]),
        demand_district=np.array(["A", "A"]),
        **kw,
    )
    res = model.solve()
    if budget is not None:
        assert res.status == "infeasible"
        return
    assert res.status == "optimal" and res.built.tolist() == [False, True]
    a = res.assignments
    assert float((a["places"] * a["travel_min"]).sum() / a["places"].sum()) <= 22.5
    assert check_solution(model, res) == []


@pytest.mark.parametrize(
    ("objective", "single", "sites"),
    [
        ("min_cost", False, None),
        ("min_cost", True, None),
        ("fixed_charge", False, None),
        ("min_worst_travel", False, None),
        ("min_cost", False, 0),  # a budget too: it is not the reason, the rule is
    ],
)
def test_when_the_district_rule_alone_makes_a_plan_impossible_it_says_so(
    objective: str, single: bool, sites: int | None
) -> None:
    # a1 (district A, 4 places) is 5 min from the existing shelter (2 places) and 18 from the
    # one candidate; b1 (B) only reaches the candidate. Half of a1 must go to the candidate:
    # A's mean travel rises from 5 to 11.5 min, so no plan keeps A as it is today, while
    # without the rule a plan exists (the group check before solving finds no shortfall)
    opts = _district_opts(objective, single, max_new_sites=sites)
    minutes = np.array([[5.0, 18.0], [INF, 10.0]])
    model = SitingModel(
        minutes, np.array([4.0, 1.0]), np.array([2.0]), options=opts,
        demand_district=np.array(["A", "B"]),
    )  # fmt: skip
    r = model.solve()
    assert r.status == "infeasible"
    keys = [getattr(m, "key", "") for m in r.messages]
    assert keys[-1] == "message.district_rule"
    assert "leaves 1 district with a longer mean travel than today (A)" in r.messages[-1]
    # with district labels the message names it by its label
    labelled = replace(model, district_names={"A": "Aran", "B": "Bina"}).solve()
    assert "than today (Aran (A))" in labelled.messages[-1]
    # lifted, the same model plans (with the budget of no new site, the budget is the reason)
    lifted = replace(opts, targets=replace(opts.targets, nearest_tolerance_min=None))
    again = replace(model, options=lifted).solve()
    if sites is None:
        assert again.feasible
    else:
        assert keys[0] == "message.not_the_budget"
        assert "is too small to meet the targets" in again.messages[0]


@pytest.mark.parametrize("seed", range(4))
def test_without_the_root_search_the_bound_is_the_lp_relaxations(seed: int) -> None:
    minutes, demand = _small(seed)
    kw: dict[str, Any] = {"sizes": (5.0, 10.0), "size_costs": (6.0, 10.0), "node_limit": 10_000}
    full = SitingModel(minutes, demand, np.zeros(0), options=_opts(**kw)).solve()
    quick_model = SitingModel(
        minutes,
        demand,
        np.zeros(0),
        options=_opts(**kw, root_search=False),
    )
    quick = quick_model.solve()
    if full.status == "infeasible":
        assert quick.status == "infeasible"
        return
    assert full.status == "optimal"
    assert check_solution(quick_model, quick) == []
    # a weaker (LP) bound, never above the proven optimum; a plan never below it
    assert quick.bound <= full.objective + 1e-9
    assert quick.objective >= full.objective - 1e-9
    assert quick.status in ("optimal", "work_limit")
    if quick.status == "work_limit":
        assert quick.gap > 0.0


@pytest.fixture
def repair_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The district repair and its revision, without the trim and the exact search.

    Their tests are of the heuristic itself, which a large model relies on; on these
    small ones the trim (tests/test_locate_trim.py) and the exact search
    (tests/test_locate_exact.py) would take over after it.
    """
    monkeypatch.setattr(siting_module, "small_enough", lambda model: False)
    without_trim(monkeypatch)


def without_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch off the trim (tests/test_locate_trim.py): the plan as the repair (and its
    revision) leave it, as on a model where the trim finds nothing."""
    monkeypatch.setattr(
        siting_module, "trim_sites", lambda model, plan, served, run: (plan, served, False)
    )


def _city_model(sizes: tuple[float, ...], costs: tuple[float, ...], minutes: list[float],
                **budget: float) -> SitingModel:  # fmt: skip
    """A city of 30 places, today's shelter (20 places) 60 min away, candidates near it."""
    opts = SitingOptions(
        targets=TargetOptions(max_travel_min=120.0, one_per_region=False),
        supply=SupplyOptions(sizes=sizes, size_costs=costs),
        budget=BudgetOptions(**budget),  # type: ignore[arg-type]
        objective=ObjectiveOptions(type="min_cost", tie_break="none"),
        solver=SolverOptions(mip_gap=0.0),
    )
    return SitingModel(
        np.array([minutes]), np.array([30.0]), np.array([20.0]), options=opts,
        demand_district=np.array(["city"]),
    )  # fmt: skip


@pytest.mark.usefixtures("repair_alone")
def test_a_full_nearest_site_grows_until_the_district_is_near_help() -> None:
    # the cheapest plan builds the near candidate at 10 places and sends 20 places 60 min
    # to today's shelter: the city's mean travel (41.7 min) is 36.7 min beyond its
    # nearest open shelter (5 min); the candidate grows to 40 and takes everyone
    model = _city_model((10.0, 40.0), (10.0, 30.0), [60.0, 5.0])
    r = model.solve()
    assert check_solution(model, r) == []
    assert r.open_sizes.tolist() == [20.0, 40.0] and r.cost == 30.0
    assert r.assignments["travel_min"].tolist() == [5.0]
    # the bound of the site decision (10, without the district rule) still holds
    assert r.bound == pytest.approx(10.0) and r.gap == pytest.approx(20.0 / 30.0)
    assert r.status == "work_limit"  # not proven within the requested gap any more
    assert any(
        "the sites were grown after the site decision: 1 enlarged and 0 opened, adding 20" in m
        for m in r.messages
    )


def test_a_repair_whose_assignment_the_limit_stops_keeps_the_last_plan_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the same city; the repair's assignment of the grown site is stopped with nothing
    # found (made so, no clock): the round is not taken, the plan says the limit cut it
    import planner.locate._assign as assign_module

    def stopped(*args: Any, **kwargs: Any) -> Any:
        raise assign_module.AssignmentStopped

    model = _city_model((10.0, 40.0), (10.0, 30.0), [60.0, 5.0])
    monkeypatch.setattr(assign_module, "assign_to_open_sites", stopped)
    r = model.solve()
    assert r.feasible and r.status == "time_limit"
    assert r.open_sizes.tolist() == [20.0, 10.0] and r.cost == 10.0  # nothing grown
    assert check_solution(model, r) == []
    assert any(getattr(m, "key", "") == "message.repair_cut" for m in r.messages)


def test_a_site_at_its_largest_opens_a_neighbour_or_says_what_is_left() -> None:
    # only one size (10): the near candidate cannot grow, the next candidate (8 min)
    # opens; with both full the city's mean is still 19.3 min beyond 5 min, and no other
    # candidate is within 15 min of it: the plan says so
    model = _city_model((10.0,), (10.0,), [60.0, 5.0, 8.0])
    r = model.solve()
    assert check_solution(model, r) == []
    assert r.built.tolist() == [True, True] and r.cost == 20.0
    assert any("grown after the site decision: 0 enlarged and 1 opened" in m for m in r.messages)
    left = "still more than the tolerance beyond their nearest open shelter: 1;"
    assert any(left in m for m in r.messages)
    # a budget of one new site stops the repair before it opens the neighbour
    capped = _city_model((10.0,), (10.0,), [60.0, 5.0, 8.0], max_new_sites=1).solve()
    assert capped.built.tolist() == [True, False]
    assert any("or the budget binds" in m for m in capped.messages)


@pytest.mark.usefixtures("repair_alone")
def test_no_growth_without_districts_or_for_other_objectives() -> None:
    model = _city_model((10.0, 40.0), (10.0, 30.0), [60.0, 5.0])
    plain = replace(model, demand_district=None).solve()
    assert plain.cost == 10.0 and plain.open_sizes.tolist() == [20.0, 10.0]
    travel = replace(
        model,
        options=replace(model.options, objective=ObjectiveOptions(type="min_travel")),
    ).solve()
    assert any("grown after the site decision" in m for m in model.solve().messages)
    assert not any("grown after the site decision" in m for m in travel.messages)


@pytest.mark.usefixtures("repair_alone")
def test_the_repair_makes_room_where_nothing_near_the_far_demand_can_grow() -> None:
    """Single sourcing: settlement d (4 places, district A) is referred to candidate 2 at
    89.1 min while candidate 1, full at its largest size, is 26.6 min away; every candidate
    is open, so nothing near d can grow or open. Growing candidate 2 (5 -> 10 places) lets c
    move there and frees candidate 1 for d: cost 20, the cheapest plan keeping the rule
    (every choice enumerated by best_under_rule: 16, cheaper, breaks it). The repair
    once gave up here and the plan said optimal at 16 with district A 2.9 min beyond its
    tolerance (exit status 0)."""
    minutes = np.array(
        [
            [112.1, 83.6, 148.2],
            [96.2, 128.4, 149.0],
            [116.2, 76.4, 83.3],
            [148.1, 26.6, 89.1],
            [122.5, 121.6, 43.9],
        ]
    )
    model = SitingModel(
        minutes,
        np.array([5.0, 4.0, 5.0, 4.0, 1.0]),
        np.array([4.0]),
        demand_names=["a", "b", "c", "d", "e"],
        demand_district=np.array(["A", "B", "A", "A", "B"]),
        options=_opts(
            sizes=(5.0, 10.0), size_costs=(6.0, 10.0), nearest_tolerance_min=15.0,
            single_source=True,
        ),
    )  # fmt: skip
    r = model.solve()
    assert r.cost == pytest.approx(20.0) and r.open_sizes.tolist() == [4.0, 10.0, 10.0]
    assert r.districts_left == 0 and check_solution(model, r) == []
    referred = dict(zip(r.assignments["demand"], r.assignments["site"], strict=True))
    assert referred[3] == 1 and referred[2] == 2  # d at its nearest site, c moved for it
    assert r.status == "work_limit" and r.gap == pytest.approx(0.2)  # 16 is the bound
    assert best_under_rule(model) == pytest.approx(20.0)


def test_a_settlement_no_shelter_reaches_today_is_better_off_served() -> None:
    """a (7 places, district A) has no road path to the existing site; c (3, district A)
    is 48.9 min from it today, so A's mean today is c's 48.9. Serving a at candidate 2
    (77.1 min) raised A's mean above 48.9 and the planner called the targets impossible;
    a is better off served however far, and only c is held to today (28.4 min at
    candidate 1): cost 16, the brute force's (tests/brute.py, same definition)."""
    minutes = np.array([[INF, 142.7, 77.1, 90.6], [46.4, INF, 48.3, 76.3], [48.9, 28.4, INF, INF]])
    demand, district = np.array([7.0, 7.0, 3.0]), np.array(["A", "B", "A"])
    sizes, costs = (5.0, 10.0), (6.0, 10.0)
    model = SitingModel(
        minutes,
        demand,
        np.array([7.0]),
        demand_district=district,
        options=_opts(sizes=sizes, size_costs=costs, nearest_tolerance_min=15.0),
    )
    r = model.solve()
    assert r.status == "optimal" and r.cost == pytest.approx(16.0)
    assert check_solution(model, r) == [] and r.districts_left == 0
    best, _ = brute.district_rule_optimum(
        minutes, demand, np.array([7.0]), list(district), (sizes, costs), (120.0, 15.0)
    )
    assert best == pytest.approx(16.0)


def test_a_district_at_its_limit_by_the_rows_round_off_keeps_the_rule() -> None:
    """A drawn instance: the assignment's district rows (a slack of 1e-6 place-minutes per
    place) let district 1 (7 places) reach 15.0000034 min beyond its nearest open site.
    Counted as broken, the repair grew sites to 30 and still said a district was left;
    the site decision's plan (26, the brute force's optimum) keeps the rule."""
    minutes = np.array(
        [
            [117.9, 108.5, 115.8, 33.6],
            [INF, 145.4, 21.2, 27.5],
            [INF, INF, INF, 11.8],
            [86.9, 46.1, 55.6, 7.3],
            [INF, 43.0, 35.4, 22.5],
        ]
    )
    demand, district = np.array([3.0, 5.0, 7.0, 2.0, 7.0]), list("00001")
    sizes, costs = (5.0, 10.0), (6.0, 10.0)
    model = SitingModel(
        minutes, demand, np.array([2.0]), demand_district=np.array(district),
        options=_opts(sizes=sizes, size_costs=costs, nearest_tolerance_min=15.0),
    )  # fmt: skip
    r = model.solve()
    best, _ = brute.district_rule_optimum(
        minutes, demand, np.array([2.0]), district, (sizes, costs), (120.0, 15.0)
    )
    assert best == pytest.approx(26.0)
    assert r.status == "optimal" and r.cost == pytest.approx(26.0) and r.districts_left == 0
    assert not any("grown after the site decision" in m for m in r.messages)
    assert check_solution(model, r) == []


def test_broken_districts_counts_place_minutes_beyond_the_round_off() -> None:
    from planner.locate._repair import broken_districts

    # one district of two settlements (1 and 9 places); today's shelter 40 min away (10
    # places), a candidate built at 10 places 10 min away: the district's nearest open site
    # is 10 min away, so its mean may reach 25 min
    model = SitingModel(
        np.array([[40.0, 10.0], [40.0, 10.0]]), np.array([1.0, 9.0]), np.array([10.0]),
        demand_district=np.array(["a", "a"]),
        options=_opts(nearest_tolerance_min=15.0, sizes=(10.0,), size_costs=(10.0,)),
    )  # fmt: skip
    capacity = np.array([10.0, 10.0])
    layout = model.build(120.0)
    pair = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(layout.pi, layout.pj, strict=True))}
    # f places of settlement 1 at today's shelter: the mean is 10 + 30 f / 10 min, so
    # 1e-6 more than 5 places is 3e-6 min beyond (once broken: over 1e-6 min), 3e-5
    # place-minutes, within the rows' round-off (1e-5 per place, 1e-4 here)
    for far, broken in ((0.0, False), (5.0, False), (5.0 + 1e-6, False), (5.0 + 1e-3, True)):
        x = np.zeros(len(layout.milp.lb))
        x[layout.x.start + pair[0, 1]] = 1.0
        x[layout.x.start + pair[1, 1]] = 9.0 - far
        x[layout.x.start + pair[1, 0]] = far
        got = broken_districts(model, capacity, (x, layout, ()), 15.0)
        assert bool(len(got)) == broken, far


def best_under_rule(model: SitingModel) -> float:
    """The cheapest plan of a single-sourced instance keeping the whole district rule."""
    minutes = np.asarray(model.minutes, dtype=float)
    d, n_e = np.asarray(model.demand, dtype=float), model.n_existing
    today = minutes[:, :n_e].min(axis=1)
    district = np.asarray(model.demand_district)
    best = math.inf
    for sizes in itertools.product((0.0, 5.0, 10.0), repeat=minutes.shape[1] - n_e):
        cap = np.concatenate([np.asarray(model.existing_capacity, dtype=float), sizes])
        cost = sum({0.0: 0.0, 5.0: 6.0, 10.0: 10.0}[s] for s in sizes)
        near = np.where(cap > 0, minutes, math.inf).min(axis=1)
        ok = (minutes <= 120.0) & (minutes <= today[:, None] + 15.0) & (cap > 0)
        for choice in itertools.product(*[np.flatnonzero(row) for row in ok]):
            if (np.bincount(choice, weights=d, minlength=len(cap)) > cap + 1e-9).any():
                continue
            after = minutes[np.arange(len(d)), list(choice)]
            kept = True
            for m in (district == name for name in set(district.tolist())):
                mean, today_mean = (
                    (d[m] * after[m]).sum() / d[m].sum(),
                    (d[m] * today[m]).sum() / d[m].sum(),
                )  # every settlement here has a road path today
                near_mean = (d[m] * near[m]).sum() / d[m].sum()
                kept &= mean <= near_mean + 15.0 + 1e-9
                kept &= today_mean >= 120.0 or mean <= today_mean + 1e-9
            if kept:
                best = min(best, cost)
    return best


def test_the_repair_undoes_growth_the_rule_does_not_need() -> None:
    from planner.locate._assign import assign_to_open_sites
    from planner.locate._repair import _trim

    # 24 places of city demand; the candidate built at 40 where 20 keeps the city's mean
    # (20 x 5 + 4 x 60) / 24 = 14.2 min within 15 of its nearest (5 min), and 10 would not
    model = _city_model((10.0, 20.0, 40.0), (10.0, 16.0, 30.0), [60.0, 5.0])
    model = replace(model, demand=np.array([24.0]))
    grown = np.array([20.0, 40.0])
    assigned = assign_to_open_sites(model, grown, 24.0)
    assert assigned is not None
    sizes, capacity, _, cut = _trim(
        model, (np.array([2]), np.array([0])), grown, 24.0, (assigned, None)
    )
    assert sizes.tolist() == [1] and capacity.tolist() == [20.0, 20.0] and not cut
    # past its deadline (a spent one, no clock) the trim undoes nothing and says it was cut
    sizes, capacity, _, cut = _trim(
        model, (np.array([2]), np.array([0])), grown, 24.0, (assigned, 0.0)
    )
    assert sizes.tolist() == [2] and capacity.tolist() == [20.0, 40.0] and cut
    # the whole solve gets there too: grown one size, then kept
    r = model.solve()
    assert r.open_sizes.tolist() == [20.0, 20.0] and r.cost == 16.0


def test_a_repair_past_the_deadline_stops_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's safety net bounds the district repair too: past its deadline no round
    starts, and the plan says the time limit stopped it (status time_limit), not that no
    site could grow. A deadline already past, not a clock, decides here."""
    import planner.locate.siting as siting_module
    from planner.locate._assign import assign_to_open_sites
    from planner.locate._repair import repair_districts

    # the near candidate, built at 10, must grow to 40 to keep the city near help
    model = _city_model((10.0, 40.0), (10.0, 30.0), [60.0, 5.0])
    chosen = np.array([20.0, 10.0])
    assigned = assign_to_open_sites(model, chosen, 30.0)
    assert assigned is not None
    done = repair_districts(model, chosen, 30.0, assigned)
    assert done[2].sizes.tolist() == [1] and not done[2].cut and done[3] == 0
    capacity, _, repair, left = repair_districts(model, chosen, 30.0, assigned, deadline=0.0)
    assert repair.cut and left == 1 and capacity.tolist() == [20.0, 10.0]
    assert repair.sizes.tolist() == [0]  # nothing grown
    # through the whole solve: the repair's deadline is the plan's (start + time limit)
    real_grown: Any = siting_module._grown

    def past_deadline(*args: Any) -> Any:
        return real_grown(*args[:-1], 0.0)

    monkeypatch.setattr(siting_module, "_grown", past_deadline)
    r = model.solve()
    assert r.status == "time_limit" and r.open_sizes.tolist() == [20.0, 10.0]
    said = " ".join(r.messages)
    assert "the time limit (300 s, a safety net) stopped the changes that keep every " in said
    assert "(1 district still more than the tolerance" in said
    assert "no site near them could grow" not in said


def _districts_model(seed: int) -> SitingModel:
    """Eight settlements in four districts, a shelter of 8 places, five candidates."""
    rng = np.random.default_rng(seed)
    minutes = rng.uniform(2, 110, size=(8, 6)).round(1)
    demand = rng.uniform(2, 12, size=8).round(1)
    opts = _opts(sizes=(10.0, 20.0, 40.0), size_costs=(10.0, 18.0, 32.0),
                 nearest_tolerance_min=15.0, max_travel_min=120.0, tie_break="travel")  # fmt: skip
    return SitingModel(minutes, demand, np.array([8.0]), options=opts,
                       demand_district=np.array(list("AABBCCDD")))  # fmt: skip


# seed: (cost with the repair alone, cost revised); the optimum comes from brute force.
# Seed 1's repair cost 64 while it chased its assignment's round-off (broken_districts)
_REVISED = {1: (50.0, 42.0), 4: (64.0, 50.0), 6: (50.0, 42.0), 24: (50.0, 46.0)}


@pytest.mark.parametrize("seed", sorted(_REVISED))
@pytest.mark.usefixtures("repair_alone")
def test_the_repaired_plan_is_revised_to_a_cheaper_one_near_the_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import planner.locate.siting as siting

    model = _districts_model(seed)
    revised = model.solve()
    assert check_solution(model, revised) == []
    minutes, demand = np.asarray(model.minutes), np.asarray(model.demand)
    best, _ = brute.district_rule_optimum(
        minutes, demand, np.array([8.0]), list("AABBCCDD"),
        ((10.0, 20.0, 40.0), (10.0, 18.0, 32.0)), (120.0, 15.0),
    )  # fmt: skip
    # every district within 15 min of its mean travel to the nearest open site
    a = revised.assignments
    nearest = np.where(revised.open_sizes[None, :] > 0, minutes, np.inf).min(axis=1)
    for members in (np.arange(0, 2), np.arange(2, 4), np.arange(4, 6), np.arange(6, 8)):
        mine = a["demand"].isin(members)
        after = float((a["places"] * a["travel_min"])[mine].sum() / a["places"][mine].sum())
        near = float((demand * nearest)[members].sum() / demand[members].sum())
        assert after <= near + 15.0 + 1e-6
    alone, cost = _REVISED[seed]
    assert revised.cost == pytest.approx(cost) == pytest.approx(best)
    assert any(getattr(m, "key", "") in REPAIR_NOTES for m in revised.messages)
    # the repair alone (the revision switched off) costs more
    monkeypatch.setattr(siting, "revise_districts", lambda *args: (args[3], False))
    assert model.solve().cost == pytest.approx(alone)


@pytest.mark.parametrize(("where", "seed"), [("search", 1), ("assignment", 1), ("repair", 22)])
def test_a_revision_the_limit_stops_keeps_the_repaired_plan_and_says_so(
    where: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped by the safety net at any step, the revision keeps the repaired plan (which
    holds every district to the rule), and the plan says time_limit and why. A deadline
    already spent, or a solve ending as the limit ends it, stops each step; not a clock."""
    import planner.locate._assign as assign_module
    import planner.locate._repair as repair_module

    model = _districts_model(seed)
    repaired = _REVISED.get(seed, (68.0, 68.0))[0]  # seed 22: the revision saves nothing
    import planner.locate._milp as milp_module
    import planner.locate._search as search_module

    real_improve, real_repair = search_module.improve_by_groups, repair_module.repair_districts
    real_solve = milp_module.solve_milp
    searched: list[bool] = []

    def improve(*args: Any, **kwargs: Any) -> Any:
        searched.append(True)
        if where == "search":  # its deadline spent before it starts
            args = (*args[:4], 0.0, *args[5:])
        return real_improve(*args, **kwargs)

    def solve(*args: Any, **kwargs: Any) -> Any:  # the revised plan's assignment stopped
        res = real_solve(*args, **kwargs)
        if searched and where == "assignment":
            res = replace(res, termination=Termination.LIMIT, x=None)
        return res

    def repair(*args: Any, **kwargs: Any) -> Any:  # the revised plan's repair past its deadline
        return real_repair(*args, **{**kwargs, "deadline": 0.0})

    monkeypatch.setattr(repair_module, "improve_by_groups", improve)
    monkeypatch.setattr(assign_module, "solve_milp", solve)
    if where == "repair":
        monkeypatch.setattr(repair_module, "repair_districts", repair)
    r = model.solve()
    assert searched  # the revision ran, and was stopped
    assert r.status == "time_limit" and r.cost == pytest.approx(repaired)
    assert check_solution(model, r) == []
    said = " ".join(r.messages)
    assert "the time limit (30 s, a safety net) stopped the search for a cheaper plan" in said
    assert "every district keeps the rule, but on another machine the plan may be cheaper" in said


def _drawn_model(
    minutes: np.ndarray, demand: np.ndarray, existing: float, district: np.ndarray
) -> SitingModel:
    """A drawn instance (one shelter, 15-min rule, sizes of 10, 20, 40) as a model."""
    opts = _opts(sizes=(10.0, 20.0, 40.0), size_costs=(10.0, 18.0, 32.0),
                 nearest_tolerance_min=15.0, tie_break="travel", node_limit=10_000)  # fmt: skip
    return SitingModel(
        minutes, demand, np.array([existing]), options=opts, demand_district=district
    )


def _drawn_optimum(
    minutes: np.ndarray, demand: np.ndarray, existing: float, district: np.ndarray
) -> float:
    """The brute-force optimum of :func:`_drawn_model`'s instance under the district rule."""
    best, _ = brute.district_rule_optimum(
        minutes, demand, np.array([existing]), list(district),
        ((10.0, 20.0, 40.0), (10.0, 18.0, 32.0)), (120.0, 15.0),
    )  # fmt: skip
    return best


def _loosest() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The drawn instance of the loosest assignment (one shelter of 9 places; optimum 50)."""
    minutes = np.array(
        [[96.1, 47.2, 15.5], [77.9, 35.9, 41.8], [70.9, 78.0, 91.3], [44.2, 36.5, 76.0],
         [74.0, 95.4, 15.7], [76.9, 4.2, 32.2], [100.6, 104.9, 90.6]]
    )  # fmt: skip
    return minutes, np.array([6.4, 10.3, 10.5, 10.9, 8.1, 2.6, 6.3]), np.array(list("CABACAB"))


def test_the_loosest_assignment_still_keeps_no_district_worse_off_than_today() -> None:
    """Found by drawing instances against the brute force: the capacities chosen kept
    neither every settlement nor every district within 15 min of its nearest open site, and
    the loosest assignment then dropped the district rows altogether, so district B went
    from 82.0 to 84.3 min and the plan, 'optimal' at 42, failed the independent check. The
    loosest step keeps no district worse off than today where that alone is possible (the
    site decision makes it so); the repair then reaches the brute-force optimum, 50."""
    minutes, demand, district = _loosest()
    model = _drawn_model(minutes, demand, 9.0, district)
    r = model.solve()
    assert check_solution(model, r) == []
    best = _drawn_optimum(minutes, demand, 9.0, district)
    assert r.cost == pytest.approx(best) == pytest.approx(50.0)


def test_settlements_merged_in_a_district_do_not_make_a_plan_impossible() -> None:
    """Found by drawing instances against the brute force: settlements 2 and 4 of district A
    reach the same sites, so they were merged into one unit whose flows split in proportion;
    A's mean then stayed above today's 32.0 min whatever the sites, and the plan was called
    infeasible. Sending 4 to the existing site and 2 to site 1 keeps A at 31.7: the model
    on the settlements themselves finds the brute-force optimum, 36."""
    minutes = np.array(
        [[18.3, 17.6, 67.9], [51.6, 109.9, 55.6], [20.4, 6.9, 78.6], [54.7, 68.3, 33.0],
         [18.0, 32.1, 80.3]]
    )  # fmt: skip
    demand = np.array([10.2, 10.0, 4.1, 11.1, 10.6])
    district = np.array(list("BAACA"))
    model = _drawn_model(minutes, demand, 10.0, district)
    assert len(model.merged()[0].demand) < len(demand)  # the merge this is about
    r = model.solve()
    assert r.status == "optimal" and check_solution(model, r) == []
    best = _drawn_optimum(minutes, demand, 10.0, district)
    assert r.cost == pytest.approx(best) == pytest.approx(36.0)


def test_the_closest_rule_is_not_kept_at_a_districts_expense() -> None:
    """Found by drawing instances against the brute force: the sites chosen (two of 20
    places, cost 36, the optimum) admit the closest rule alone, but only with district B's
    mean travel above today's, and they admit every district at most at today's mean with
    2.2 places referred beyond their nearest open site. The closest rule came first, and the
    plan, 'optimal' at 36, failed the independent check; no district worse off now comes
    first, and the note says what it costs."""
    minutes = np.array(
        [[11.3, 67.8, 59.9, 14.1], [106.8, 26.5, 72.7, 96.6], [82.6, 15.2, 94.3, 64.3],
         [82.1, 30.7, 82.1, 88.3], [10.9, 3.0, 25.7, 23.5], [9.0, 102.2, 56.2, 12.2],
         [30.1, 61.8, 66.9, 40.6]]
    )  # fmt: skip
    demand = np.array([10.1, 5.1, 3.6, 10.1, 9.8, 7.4, 4.2])
    district = np.array(list("CABBCBC"))
    model = _drawn_model(minutes, demand, 11.0, district)
    r = model.solve()
    assert r.status == "optimal" and check_solution(model, r) == []
    best = _drawn_optimum(minutes, demand, 11.0, district)
    assert r.cost == pytest.approx(best) == pytest.approx(36.0)
    assert [getattr(m, "key", "") for m in r.messages] == ["message.far_districts_note"]
    assert "2.2 family places in 1 settlement are referred farther" in r.messages[0]


#: Drawn instances (minutes, demand, shelter's capacity, districts) and the brute-force
#: optimum, once called optimal above it: 1985 on the merged model alone (36; the merge
#: restricts the district rows), 2748 after HiGHS's answer with a start contradicted
#: itself on the settlements' model (54 "optimal" with a bound of 28).
_MERGE_HID = {
    1985: (
        [[53.6, 64.8, 2.7], [42.8, 27.7, 6.3], [61.2, 54.0, 96.3], [102.1, 85.1, 46.0],
         [92.5, 73.1, 24.7]],
        [9.1, 3.4, 9.6, 10.7, 7.1], 9.0, "BBAAA", 32.0,
    ),
    2748: (
        [[18.1, 106.5, 85.3, 4.9, 38.6], [28.8, 12.6, 12.4, 44.0, 44.8],
         [61.7, 81.3, 101.0, 19.3, 77.1], [89.5, 43.9, 35.7, 52.4, 64.2],
         [94.3, 16.8, 51.0, 14.0, 60.8], [17.9, 42.0, 42.8, 44.4, 41.8],
         [9.9, 55.7, 39.1, 44.4, 2.1], [34.6, 86.2, 94.1, 14.0, 94.6]],
        [2.4, 9.8, 3.7, 2.7, 4.1, 3.6, 7.0, 5.7], 5.0, "CACCAABC", 38.0,
    ),
}  # fmt: skip


@pytest.mark.parametrize("seed", sorted(_MERGE_HID))
def test_an_optimal_plan_is_proven_on_the_settlements_not_the_merge(seed: int) -> None:
    # settlements of a district that reach the same sites are merged, their flows split in
    # proportion: under the district rows a restriction, whose "optimal" proves nothing
    rows, d, existing, districts, optimum = _MERGE_HID[seed]
    minutes, demand, district = np.array(rows), np.array(d), np.array(list(districts))
    model = _drawn_model(minutes, demand, existing, district)
    assert len(model.merged()[0].demand) < len(demand)  # the merge this is about
    r = model.solve()
    assert r.status == "optimal" and check_solution(model, r) == []
    assert r.cost == pytest.approx(_drawn_optimum(minutes, demand, existing, district))
    assert r.cost == pytest.approx(optimum) == pytest.approx(r.bound)


def test_least_travel_units_have_the_merged_columns_and_relax_the_district_rows() -> None:
    # settlements 0 and 1 of district A reach the same two sites; 2 (district B) alone
    minutes = np.array([[10.0, 20.0], [30.0, 12.0], [5.0, 50.0]])
    opts = _opts(sizes=(10.0,), size_costs=(1.0,), nearest_tolerance_min=40.0)
    model = SitingModel(minutes, np.array([2.0, 6.0, 1.0]), np.array([9.0]), options=opts,
                        demand_district=np.array(list("AAB")))  # fmt: skip
    mean, inv = model.merged()
    least, inv_least = model.merged(least=True)
    assert inv.tolist() == inv_least.tolist() and len(mean.demand) == 2
    unit = int(inv[0])
    # the mean holds the members split in proportion (a restriction), the least every split
    assert mean.minutes[unit].tolist() == pytest.approx(
        [(2 * 10 + 6 * 30) / 8, (2 * 20 + 6 * 12) / 8]
    )
    assert least.minutes[unit].tolist() == [10.0, 12.0]
    a, b = mean.build(120.0), least.build(120.0)
    assert a.pi.tolist() == b.pi.tolist() and a.pj.tolist() == b.pj.tolist()
    assert a.milp.a.shape == b.milp.a.shape


def test_the_bound_of_merged_settlements_holds_for_the_settlements() -> None:
    # instance 1985 (see _MERGE_HID): on merged settlements with their mean travel the
    # cheapest plan costs 36, a bound the settlements beat (32); the search proves its bound
    # on the least-travel relaxation instead, and says its plan was beyond the restriction
    rows, d, existing, districts, optimum = _MERGE_HID[1985]
    model = _drawn_model(np.array(rows), np.array(d), existing, np.array(list(districts)))
    merged, _ = model.merged()
    layout = merged.build(120.0)
    deadline = Deadline.start(60.0)
    alone = merged._lexicographic(layout, "min_cost", None, deadline)
    assert alone[1] == pytest.approx(36.0) and alone[2] == pytest.approx(36.0)
    assert alone[2] > optimum  # the restricted model's bound: not one of the settlements
    proof = siting_module._proof_model(model, layout)
    assert proof is not None
    res, value, bound, _ = merged._lexicographic(layout, "min_cost", None, deadline, proof)
    assert value == pytest.approx(36.0) and bound <= optimum + 1e-6
    assert res.restricted  # the relaxation's optimum is no plan of the merged units
    # without a final search (root_search = false) the LP of the relaxation gives the bound
    shallow = replace(model, options=replace(model.options, solver=replace(
        model.options.solver, root_search=False, node_limit=1)))  # fmt: skip
    m2, _ = shallow.merged()
    l2 = m2.build(120.0)
    _, _, lp_bound, _ = m2._lexicographic(
        l2, "min_cost", None, deadline, siting_module._proof_model(shallow, l2)
    )
    assert lp_bound <= optimum + 1e-6


def test_a_budget_too_small_is_not_cleared_by_the_merge() -> None:
    """The instance of the merged settlements test above with a budget of 20: no plan
    meets it, and the cheapest plan without it (brute force: 36) was searched on the
    merged units, a restriction with none, so the plan said the budget was not the
    cause and blamed the district rule. The settlements decide, and the budget is named."""
    minutes = np.array(
        [[18.3, 17.6, 67.9], [51.6, 109.9, 55.6], [20.4, 6.9, 78.6], [54.7, 68.3, 33.0],
         [18.0, 32.1, 80.3]]
    )  # fmt: skip
    demand = np.array([10.2, 10.0, 4.1, 11.1, 10.6])
    base = _drawn_model(minutes, demand, 10.0, np.array(list("BAACA")))
    model = replace(base, options=replace(base.options, budget=BudgetOptions(max_cost=20.0)))
    r = model.solve()
    assert r.status == "infeasible"
    assert [getattr(m, "key", "") for m in r.messages] == ["message.budget"]
    assert "the cheapest plan without it: new sites 2, cost 36" in r.messages[0]


def test_the_plan_without_a_budget_is_quoted_as_it_would_be_made() -> None:
    """The instance of the loosest assignment test above (its brute-force optimum 50) with a
    budget of 20: the message quoted "the cheapest plan without it: new sites 2, cost 42",
    the site decision's cost before the district repair, a plan that leaves a district
    beyond the rule. It now quotes the plan lifting the budget gives, and the bound."""
    minutes, demand, district = _loosest()
    base = _drawn_model(minutes, demand, 9.0, district)
    model = replace(base, options=replace(base.options, budget=BudgetOptions(max_cost=20.0)))
    r = model.solve()
    assert r.status == "infeasible"
    # the exact search of a small model proves 50 the cheapest (before it: "a plan with new
    # sites 2 costs 50, and no plan costs less than 42 (the cheapest is not proven)")
    assert r.messages[0].endswith("the cheapest plan without it: new sites 2, cost 50.")
    assert _drawn_optimum(minutes, demand, 9.0, district) == pytest.approx(50.0)
    assert base.solve().cost == pytest.approx(50.0)  # the plan lifting the budget gives


# seed: the optimum (brute force) of instances where the repaired plan stays above it
_ABOVE = {22: 60.0, 23: 46.0}


@pytest.mark.parametrize(("seed", "optimum"), [(14, 42.0), (32, 50.0)])
def test_a_plan_decided_on_the_settlements_needs_no_repair(seed: int, optimum: float) -> None:
    # decided on the merged model, seed 14 reached its optimum only by a repair and its
    # revision, and seed 32 stayed at 64 after its repair; decided on the settlements, each
    # optimum is proven at once, no district needing a repair
    model = _districts_model(seed)
    r = model.solve()
    assert r.status == "optimal" and check_solution(model, r) == []
    best, _ = brute.district_rule_optimum(
        np.asarray(model.minutes), np.asarray(model.demand), np.array([8.0]), list("AABBCCDD"),
        ((10.0, 20.0, 40.0), (10.0, 18.0, 32.0)), (120.0, 15.0),
    )  # fmt: skip
    assert r.cost == pytest.approx(best) == pytest.approx(optimum)


@pytest.mark.parametrize("seed", sorted(_ABOVE))
@pytest.mark.usefixtures("repair_alone")
def test_a_repaired_plan_above_the_optimum_says_so_with_an_honest_gap(seed: int) -> None:
    # the repair and its revision are heuristics: where they stay above the optimum, the
    # plan keeps the rule, is not called optimal, and its gap bounds the true excess
    model = _districts_model(seed)
    r = model.solve()
    assert check_solution(model, r) == []
    best, _ = brute.district_rule_optimum(
        np.asarray(model.minutes), np.asarray(model.demand), np.array([8.0]), list("AABBCCDD"),
        ((10.0, 20.0, 40.0), (10.0, 18.0, 32.0)), (120.0, 15.0),
    )  # fmt: skip
    assert best == pytest.approx(_ABOVE[seed]) and r.cost > best + 1e-9
    assert str(r.status) == "work_limit"
    assert r.bound <= best + 1e-9 and r.gap >= (r.cost - best) / r.cost - 1e-9
    assert any(getattr(m, "key", "") == "message.repaired" for m in r.messages)


def test_a_revision_that_ends_cheaper_says_saving_not_adding_a_negative_cost() -> None:
    from planner._i18n import Translator
    from planner.locate._repair import DistrictRepair
    from planner.locate.siting import _repair_note

    # candidate 0 shrank from size 1 to 0, candidate 1 closed, candidate 2 grew
    repair = DistrictRepair(
        sizes=np.array([0, -1, 2]),
        chosen=np.array([1, 0, 1]),
        capacity=np.array([10.0, 0.0, 40.0]),
        chosen_capacity=np.array([20.0, 10.0, 20.0]),
    )
    assert (repair.grown, repair.opened, repair.reduced) == (1, 0, 2)
    saving = _repair_note(repair, -18.0, 0.9888)
    assert saving.key == "message.revised_saving"
    assert "saving 18 on the cost" in saving and "-18" not in saving
    assert "xərci 18 azaltdı" in Translator("az").message(saving)
    adding = _repair_note(repair, 64.0, 0.114)
    assert adding.key == "message.revised" and "adding 64 to the cost" in adding
    grown_only = DistrictRepair(
        sizes=np.array([1, -1]),
        chosen=np.array([0, -1]),
        capacity=np.array([20.0, 0.0]),
        chosen_capacity=np.array([10.0, 0.0]),
    )
    assert _repair_note(grown_only, 8.0, 0.05).key == "message.repaired"


def test_a_deeper_search_for_the_plan_follows_the_region_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``solver.plan_search_nodes``: HiGHS with its heuristics searches from the region
    search's plan with that budget; the plan keeps every rule and reaches the brute-force
    optimum; 0 (the default) never runs it."""
    calls: list[int] = []
    real = search_deeper

    def recording(*args: Any) -> tuple[FloatArray, bool]:
        calls.append(args[3])
        return real(*args)

    monkeypatch.setattr(siting_module, "search_deeper", recording)
    minutes, demand, district = _loosest()
    best = _drawn_optimum(minutes, demand, 9.0, district)
    for nodes in (0, 50):
        model = _drawn_model(minutes, demand, 9.0, district)
        solver = replace(model.options.solver, node_limit=1, plan_search_nodes=nodes)
        model = replace(model, options=replace(model.options, solver=solver))
        r = model.solve()
        assert check_solution(model, r) == []
        assert r.cost == pytest.approx(best) == pytest.approx(50.0)
    assert calls and set(calls) == {50}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 100_000))
def test_a_deeper_search_for_the_plan_agrees_with_the_brute_force(seed: int) -> None:
    """The drawn instances of the cheapest plan under the district rule, with the deeper
    search and the default root search: a plan called optimal costs the optimum, and the
    gap bounds the excess."""
    _agrees_with_the_brute_force(seed, node_limit=1, plan_search_nodes=50)
