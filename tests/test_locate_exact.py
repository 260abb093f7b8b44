"""The district rule written exactly into the site decision (planner/locate/_exact.py)."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import planner.locate.siting as siting_module
from planner._errors import OptionError
from planner.locate import SitingModel
from planner.locate._exact import ExactSearch, exact_rule_applies, plan_exactly, search_exactly
from planner.locate._milp import Termination
from planner.locate._repair import broken_districts
from planner.locate.check import check_solution
from tests import brute
from tests.test_locate_siting import _opts, without_trim

INF = math.inf
SIZES, COSTS = (5.0, 10.0), (6.0, 10.0)


def _model(minutes: np.ndarray, demand: list[float], existing: list[float],
           district: str, **kw: Any) -> SitingModel:  # fmt: skip
    """Sizes 5 and 10 at costs 6 and 10, every settlement served, the 15-minute rule."""
    opts = _opts(sizes=SIZES, size_costs=COSTS, nearest_tolerance_min=15.0, **kw)
    return SitingModel(
        minutes, np.array(demand), np.array(existing), options=opts,
        demand_district=np.array(list(district)),
    )  # fmt: skip


def _optimum(model: SitingModel) -> float:
    """The cheapest plan keeping the whole district rule, every choice enumerated."""
    best, _ = brute.district_rule_optimum(
        np.asarray(model.minutes), np.asarray(model.demand),
        np.asarray(model.existing_capacity), [str(d) for d in np.asarray(model.demand_district)],
        (SIZES, COSTS), (model.options.targets.max_travel_min, 15.0),
    )  # fmt: skip
    return best


def _repair_gives_up() -> SitingModel:
    """A drawn instance whose district repair leaves district 1 beyond the rule.

    The site decision builds column 2 at 10 places (cost 10, the cheapest plan without the
    rule). Settlement 0, alone in district 1 (6 places), then has its nearest open site
    52.6 min away, but full with the others, nearer to it: 4 of its places go 101.7 min to
    column 4, which the repair opens (cost 20), and nothing more can grow. Building
    column 4 instead of column 2 (cost 10) keeps every district near help: the brute
    force's optimum. The repair only adds capacity, so it cannot find it.
    """
    minutes = np.array(
        [
            [110.2, INF, 52.6, 136.1, 101.7],
            [107.9, 136.2, 2.5, 142.7, 107.5],
            [129.5, 112.6, 5.0, 141.2, 120.2],
            [104.1, 5.9, 20.6, 90.7, 25.9],
            [76.9, 75.2, 10.0, 93.2, 97.7],
        ]
    )
    return _model(minutes, [6.0, 4.0, 3.0, 2.0, 1.0], [4.0, 7.0], "10000")


def test_where_the_repair_gives_up_the_exact_search_finds_the_cheapest_plan() -> None:
    """Before this search the plan kept the repair's sites (cost 20, "work_limit"), a
    district beyond the rule (exit status 3), though a plan keeping it exists."""
    model = _repair_gives_up()
    r = model.solve()
    assert _optimum(model) == pytest.approx(10.0)
    assert r.status == "optimal" and r.cost == pytest.approx(10.0)
    assert r.bound == pytest.approx(10.0) and r.districts_left == 0
    assert check_solution(model, r) == []
    keys = [getattr(m, "key", "") for m in r.messages]
    assert "message.exact_same" in keys and "message.repair_left" not in keys  # 10 as decided
    said = " ".join(r.messages)
    assert "chosen again with the rule that keeps every district" in said
    assert "at the same cost; the plan is proven within 0.00% of the cheapest plan" in said


def test_the_exact_search_proves_when_no_plan_keeps_the_rule() -> None:
    """One size of 10: with the two candidates near the city full, its mean is still 19.3
    min beyond its nearest open site, and no plan does better."""
    minutes = np.array([[60.0, 5.0, 8.0]])
    model = SitingModel(
        minutes, np.array([30.0]), np.array([20.0]), demand_district=np.array(["c"]),
        options=_opts(sizes=(10.0,), size_costs=(10.0,), nearest_tolerance_min=15.0),
    )  # fmt: skip
    assert math.isinf(
        brute.district_rule_optimum(minutes, np.array([30.0]), np.array([20.0]), ["c"],
                                    ((10.0,), (10.0,)), (120.0, 15.0))[0]
    )  # fmt: skip
    exact = search_exactly(model.with_district_limits(), time_limit_s=30.0)
    assert exact.termination == Termination.INFEASIBLE and exact.capacity is None
    r = model.solve()
    assert r.districts_left == 1 and r.cost == pytest.approx(20.0)
    keys = [getattr(m, "key", "") for m in r.messages]
    assert keys[-3:] == ["message.repaired", "message.repair_left", "message.exact_none"]
    assert "a search with that rule written into the site decision proves it" in r.messages[-1]


@pytest.mark.parametrize(
    ("termination", "status", "key"),
    [
        (Termination.WORK_LIMIT, "work_limit", "message.exact_unfound"),
        (Termination.LIMIT, "time_limit", "message.repair_cut"),
    ],
)
def test_an_exact_search_that_finds_nothing_keeps_the_repair_and_says_why(
    termination: Termination, status: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its node budget (or the time limit, a safety net) spent before any plan: the
    repair's plan stays, a district beyond the rule, and the plan says so."""
    nothing = ExactSearch(termination, None, None, None, -INF, 1000)
    monkeypatch.setattr(
        siting_module,
        "plan_exactly",
        lambda *args: (nothing, None, termination == Termination.LIMIT),
    )
    r = _repair_gives_up().solve()
    assert r.status == status and r.districts_left == 1
    keys = [getattr(m, "key", "") for m in r.messages]
    assert key in keys
    if key == "message.exact_unfound":
        assert "message.repair_left" in keys
        assert any("within its 1,000 nodes; a larger solver.node_limit" in m for m in r.messages)


def test_the_exact_search_is_taken_only_where_the_rule_is_linear() -> None:
    model = _repair_gives_up()
    assert exact_rule_applies(model)
    for kw in ({"served_share": 0.9}, {"objective": "min_travel"}):
        other = _model(np.asarray(model.minutes), [6.0, 4.0, 3.0, 2.0, 1.0], [4.0, 7.0],
                       "10011", **kw)  # fmt: skip
        assert not exact_rule_applies(other)
    off = _model(np.asarray(model.minutes), [6.0, 4.0, 3.0, 2.0, 1.0], [4.0, 7.0], "10011")
    assert not exact_rule_applies(replace(off, demand_district=None))


def test_a_plan_the_exact_search_finds_is_referred_anew_and_keeps_the_rule() -> None:
    from planner.locate._assign import assign_to_open_sites

    model = _repair_gives_up()
    decided = np.array([4.0, 7.0, 10.0, 0.0, 0.0])  # the site decision's sites
    exact, found, cut = plan_exactly(model, decided, 16.0, time.perf_counter() + 30.0)
    assert exact.termination == Termination.OPTIMAL and not cut and found is not None
    capacity, assigned, change = found
    assert capacity.tolist() == [4.0, 7.0, 0.0, 0.0, 10.0]
    assert len(broken_districts(model, capacity, assigned, 15.0)) == 0
    assert (change.opened, change.reduced, change.grown) == (1, 1, 0)
    # the site decision's own sites leave district 1 beyond the rule
    before = assign_to_open_sites(model, decided, 16.0)
    assert before is not None and broken_districts(model, decided, before, 15.0).tolist() == [1]


@pytest.mark.parametrize("seed", range(40))
def test_the_exact_search_agrees_with_the_brute_force(seed: int) -> None:
    """Drawn instances (3-6 settlements in two districts, one or two shelters, two or three
    candidates, some pairs without a road): the search's optimum is the cheapest plan
    keeping the whole district rule, and it proves none exists exactly when none does.
    Drawn so, 300 instances agreed (95 that the explanation step did not refuse)."""
    rng = np.random.default_rng(seed)
    n_i, n_e, n_c = rng.integers(3, 7), rng.integers(1, 3), rng.integers(2, 4)
    minutes = rng.uniform(2, 150, size=(n_i, n_e + n_c)).round(1)
    minutes[rng.random(minutes.shape) < 0.15] = INF
    demand = rng.integers(1, 8, size=n_i).astype(float)
    existing = rng.integers(2, 8, size=n_e).astype(float)
    limit = float(rng.choice([60.0, 120.0]))
    district = "".join(str(x) for x in rng.integers(0, 2, size=n_i))
    model = _model(minutes, demand.tolist(), existing.tolist(), district, max_travel_min=limit)
    best = _optimum(model)
    exact = search_exactly(model.with_district_limits(), time_limit_s=30.0)
    if model.explain():  # refused before any search: nothing reaches some settlement
        return
    if math.isinf(best):
        assert exact.termination == Termination.INFEASIBLE
        return
    assert exact.termination == Termination.OPTIMAL and exact.sizes is not None
    cost = float(np.where(exact.sizes >= 0, np.array(COSTS)[np.maximum(exact.sizes, 0)], 0).sum())
    assert cost == pytest.approx(best) == pytest.approx(exact.bound)


# seed of test_locate_siting._districts_model: (the repair and its revision, the optimum)
_MISSED = {22: (68.0, 60.0), 23: (54.0, 46.0)}


@pytest.mark.parametrize("seed", sorted(_MISSED))
def test_a_small_model_is_searched_again_to_the_optimum_the_repair_missed(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight settlements in four districts: the repair and its revision end above the
    optimum (the brute force's), not proven; the exact search, started from their plan,
    reaches the optimum and proves it."""
    from tests.test_locate_siting import _districts_model

    model = _districts_model(seed)
    repaired, optimum = _MISSED[seed]
    best, _ = brute.district_rule_optimum(
        np.asarray(model.minutes), np.asarray(model.demand), np.array([8.0]), list("AABBCCDD"),
        ((10.0, 20.0, 40.0), (10.0, 18.0, 32.0)), (120.0, 15.0),
    )  # fmt: skip
    assert best == pytest.approx(optimum)
    r = model.solve()
    assert r.status == "optimal" and r.cost == pytest.approx(optimum)
    assert r.bound == pytest.approx(optimum) and check_solution(model, r) == []
    assert any(getattr(m, "key", "").startswith("message.exact") for m in r.messages)
    monkeypatch.setattr(siting_module, "small_enough", lambda model: False)
    trimmed = model.solve()  # the trim alone reaches the optimum here, but cannot prove it
    assert trimmed.cost == pytest.approx(optimum) and trimmed.status == "work_limit"
    without_trim(monkeypatch)
    alone = model.solve()
    assert alone.cost == pytest.approx(repaired) and alone.status == "work_limit"


def test_the_repaired_plan_is_a_feasible_start_of_the_exact_search() -> None:
    from planner.locate._assign import assign_to_open_sites
    from planner.locate._exact import _rule_model, _start
    from planner.locate._milp import feasible
    from tests.test_locate_siting import _districts_model

    model = _districts_model(22)
    capacity = np.array([8.0, 0.0, 20.0, 40.0, 20.0, 0.0])  # the repaired plan of 68
    served = float(np.asarray(model.demand).sum())
    assigned = assign_to_open_sites(model, capacity, served)
    assert assigned is not None
    rule = model.with_district_limits()
    layout = rule.build(120.0)
    milp, ladder = _rule_model(rule, layout)
    x0 = _start(rule, layout, ladder, (capacity, assigned))
    assert x0 is not None and feasible(milp, x0)
    assert float(layout.cost @ x0[: len(layout.cost)]) == pytest.approx(68.0)
    # each rung is 1 exactly while none of its settlement's nearer candidates is built
    w = x0[len(layout.cost) :]
    built = capacity[model.n_existing + ladder.site] > 0
    for i in np.unique(ladder.settlement):
        mine = ladder.settlement == i
        assert w[mine].tolist() == (np.cumsum(built[mine]) == 0).astype(float).tolist()
    found = search_exactly(rule, time_limit_s=30.0, start=(capacity, assigned))
    assert found.termination == Termination.OPTIMAL and found.bound == pytest.approx(60.0)


def test_exact_district_size_0_keeps_the_repaired_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The option that sizes a small model: 0 never searches a repaired plan again."""
    from planner.locate import SolverOptions
    from tests.test_locate_siting import _districts_model

    without_trim(monkeypatch)

    model = _districts_model(22)
    assert SolverOptions().exact_district_size >= 8 * 5  # 8 settlements, 5 candidates
    never = replace(
        model,
        options=replace(
            model.options, solver=replace(model.options.solver, exact_district_size=0)
        ),
    )
    r = never.solve()
    assert r.cost == pytest.approx(68.0) and r.status == "work_limit"
    assert not any(getattr(m, "key", "").startswith("message.exact") for m in r.messages)
    assert model.solve().cost == pytest.approx(60.0)
    with pytest.raises(OptionError, match=r"solver.exact_district_size is -1; expected a whole"):
        SolverOptions(exact_district_size=-1)


def test_a_costlier_plan_of_the_exact_search_does_not_replace_the_repaired_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a start (single sourcing, inclusive reach) the search may end its nodes on a
    plan costlier than the repaired one: the repaired plan stays. Here it is made to return
    every candidate at 40 places (160) where the repair's plan costs 68."""
    import planner.locate._exact as exact_module
    from tests.test_locate_siting import _districts_model

    without_trim(monkeypatch)
    model = _districts_model(22)
    costly = ExactSearch(
        Termination.WORK_LIMIT,
        np.array([8.0, 40.0, 40.0, 40.0, 40.0, 40.0]),
        np.array([2, 2, 2, 2, 2]),
        np.array([0.0]),
        -INF,
        1000,
    )
    monkeypatch.setattr(exact_module, "search_exactly", lambda *args, **kwargs: costly)
    r = model.solve()
    assert r.cost == pytest.approx(68.0) and r.status == "work_limit"
    assert not any(getattr(m, "key", "").startswith("message.exact") for m in r.messages)
    assert check_solution(model, r) == []


def test_an_as_cheap_plan_of_the_exact_search_proves_the_repaired_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Made to return other sites at the repaired plan's cost (68, keeping the rule) with a
    bound of 68: the repaired plan's sites and referrals stay, now proven optimal."""
    import planner.locate._exact as exact_module
    from tests.test_locate_siting import _districts_model

    without_trim(monkeypatch)
    model = _districts_model(22)
    other = ExactSearch(
        Termination.OPTIMAL,
        np.array([8.0, 0.0, 0.0, 20.0, 20.0, 40.0]),
        np.array([-1, -1, 1, 1, 2]),
        np.array([0.0]),
        68.0,
        1000,
    )
    monkeypatch.setattr(exact_module, "search_exactly", lambda *args, **kwargs: other)
    r = model.solve()
    assert r.open_sizes.tolist() == [8.0, 0.0, 20.0, 40.0, 20.0, 0.0]  # the repaired sites
    assert r.cost == pytest.approx(68.0) and r.bound == pytest.approx(68.0)
    assert r.status == "optimal" and check_solution(model, r) == []
