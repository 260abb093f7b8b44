"""The independent checks (planner/locate/check.py): every rule can fail, and says which.

A plan solved by hand is checked clean; then each test breaks it in one way and
the checker must name exactly the rule broken. A rule the checker never fails on
would make "checked independently of the solver" an empty claim.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from planner.locate import (
    HospitalServicesModel,
    PlanResult,
    RapeCrisisOptions,
    ServiceOptions,
    ServicesResult,
    SitingModel,
    check_services,
    check_solution,
)
from tests.test_locate_siting import _opts

INF = math.inf

# One existing site (column 0, 5 places) and two candidates (columns 1, 2);
# settlement a (4 places) reaches 0 and 1, b (6) reaches 1 and 2, c (3) only 2.
# The cheapest plan builds candidate 2 at size 10: a -> 0, b -> 2, c -> 2.
MINUTES = np.array([[10.0, 20.0, INF], [INF, 30.0, 40.0], [INF, INF, 15.0]])
DEMAND = np.array([4.0, 6.0, 3.0])
SIZES: dict[str, Any] = {"sizes": (5.0, 10.0), "size_costs": (6.0, 10.0)}


def _model(**kw: Any) -> SitingModel:
    keys = ("demand_region", "site_region", "required", "demand_district", "km")
    extra = {k: kw.pop(k) for k in keys if k in kw}
    return SitingModel(MINUTES, DEMAND, np.array([5.0]), options=_opts(**SIZES, **kw), **extra)


@pytest.fixture(scope="module")
def solved() -> PlanResult:
    r = _model().solve()
    assert r.status == "optimal"
    assert r.open_sizes.tolist() == [5.0, 0.0, 10.0]
    a = r.assignments.sort_values("demand")
    assert a[["demand", "site"]].to_numpy().tolist() == [[0, 0], [1, 2], [2, 2]]
    return r


def _keys(problems: list[str]) -> list[str]:
    return [getattr(p, "key", p) for p in problems]


def _with_rows(r: PlanResult, rows: list[tuple[int, int, float]]) -> PlanResult:
    """The plan with these assignments (settlement, site, places), times from the matrix."""
    a = pd.DataFrame(rows, columns=["demand", "site", "places"])
    a["travel_min"] = MINUTES[a["demand"], a["site"]]
    return replace(r, assignments=a.astype({"demand": int, "site": int}))


PLAN = [(0, 0, 4.0), (1, 2, 6.0), (2, 2, 3.0)]


def test_the_plan_solved_by_hand_is_clean(solved: PlanResult) -> None:
    assert check_solution(_model(), solved) == []
    assert check_solution(_model(), _with_rows(solved, PLAN)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # candidate 2 shrunk to 8 places (not a size on offer) while 9 are sent to it
        ({"open_sizes": [5.0, 0.0, 8.0]}, ["check.over_capacity", "check.bad_size"]),
        # candidate 2 at 12 places: room enough, but 12 is not a size on offer
        ({"open_sizes": [5.0, 0.0, 12.0]}, ["check.bad_size"]),
        # the existing site's 5 places cut to 4 (its load is 4: no overload)
        ({"open_sizes": [4.0, 0.0, 10.0]}, ["check.lost_capacity"]),
        # a sent to candidate 1, which is not open
        (
            {"rows": [(0, 1, 4.0), (1, 2, 6.0), (2, 2, 3.0)]},
            ["check.over_capacity", "check.closed_site"],
        ),
        # a receives 5 places for a demand of 4 (the existing site has room for 5)
        ({"rows": [(0, 0, 5.0), (1, 2, 6.0), (2, 2, 3.0)]}, ["check.over_demand"]),
        # c left out: 10 of 13 places served, below the 100 % asked
        ({"rows": [(0, 0, 4.0), (1, 2, 6.0)]}, ["check.served_below"]),
    ],
)
def test_each_broken_rule_is_named(
    solved: PlanResult, change: dict[str, Any], expected: list[str]
) -> None:
    broken = _with_rows(solved, change.get("rows", PLAN))
    if "open_sizes" in change:
        broken = replace(broken, open_sizes=np.array(change["open_sizes"]))
    assert _keys(check_solution(_model(), broken)) == expected


def test_wrong_travel_times_are_caught(solved: PlanResult) -> None:
    a = _with_rows(solved, PLAN).assignments.copy()
    a.loc[a["demand"] == 1, "travel_min"] = 25.0  # b's 40 minutes reported as 25
    assert _keys(check_solution(_model(), replace(solved, assignments=a))) == [
        "check.times_mismatch"
    ]


def test_a_stricter_model_finds_what_its_rules_forbid(solved: PlanResult) -> None:
    # b's 40 minutes to candidate 2 are over a 35-minute limit
    limit = _keys(check_solution(_model(max_travel_min=35.0), solved))
    assert limit == ["check.beyond_limit"]
    # no new site allowed, one built
    assert _keys(check_solution(_model(max_new_sites=0), solved)) == ["check.over_budget"]
    # candidate 1 required, not opened
    required = _model(required=np.array([True, False]))
    problems = check_solution(required, solved)
    assert _keys(problems) == ["check.required_closed"]
    assert "[0]" in problems[0]  # the candidate, by its position among the candidates
    # one shelter per region: c's region R2 has demand but its only site is candidate 1
    regions = _model(
        one_per_region=True,
        demand_region=np.array(["R1", "R1", "R2"]),
        site_region=np.array(["R1", "R2", "R1"]),
    )
    problems = check_solution(regions, solved)
    assert _keys(problems) == ["check.regions_without"]
    assert "R2" in problems[0]


def test_the_supply_budget_distance_and_regional_rules(solved: PlanResult) -> None:
    # road distances equal to the minutes: b's 40 km to candidate 2 are over a 35 km limit
    far = check_solution(_model(max_travel_km=35.0, km=MINUTES.copy()), solved)
    assert _keys(far) == ["check.beyond_km"]
    assert far[0] == "an assignment exceeds the road distance limit of 35 km"
    assert check_solution(_model(max_travel_km=40.0, km=MINUTES.copy()), solved) == []
    # the existing site (5 places) grown to 8: not allowed when kept, allowed up to 20
    grown = replace(solved, open_sizes=np.array([8.0, 0.0, 10.0]))
    problems = check_solution(_model(), grown)
    assert _keys(problems) == ["check.over_growth"]
    assert problems[0] == "existing sites [0] grow by more than the 0 family places allowed"
    assert check_solution(_model(existing="expand"), grown) == []
    assert _keys(check_solution(_model(existing="expand", expand_max_places=2.0), grown)) == [
        "check.over_growth"
    ]
    # candidate 2 at size 10 costs 10; grown by 3 places at 1.5 each, 14.5
    problems = check_solution(_model(max_cost=9.0), solved)
    assert _keys(problems) == ["check.over_cost"]
    assert problems[0] == "the plan costs 10, more than the budget of 9"
    assert check_solution(_model(max_cost=10.0), solved) == []
    dear = _model(existing="expand", expand_cost_per_place=1.5, max_cost=14.0)
    assert _keys(check_solution(dear, grown)) == ["check.over_cost"]
    enough = _model(existing="expand", expand_cost_per_place=1.5, max_cost=14.5)
    assert check_solution(enough, grown) == []
    # regional capacity: c (3 places, region R2) has only candidate 1 in its region, closed
    regions: dict[str, Any] = {
        "demand_region": np.array(["R1", "R1", "R2"]),
        "site_region": np.array(["R1", "R2", "R1"]),
    }
    problems = check_solution(_model(regional_capacity=True, **regions), solved)
    assert _keys(problems) == ["check.regional_capacity"]
    assert "R2" in problems[0] and "R1" not in problems[0]
    assert check_solution(_model(**regions), solved) == []  # the rule is off


def test_closest_assignment_and_single_sourcing(solved: PlanResult) -> None:
    # a's nearest existing site is 10 minutes away; sent 20 minutes to candidate 1, 10
    # beyond it, with a tolerance of 5
    opened = replace(solved, open_sizes=np.array([5.0, 5.0, 10.0]), built=np.array([True, True]))
    far = _with_rows(opened, [(0, 1, 4.0), (1, 2, 6.0), (2, 2, 3.0)])
    near = _model(nearest_tolerance_min=5.0)
    problems = check_solution(near, far)
    assert _keys(problems) == ["check.beyond_today"]
    assert problems[0].startswith("1 assignment is more than 5")
    assert check_solution(_model(nearest_tolerance_min=10.0), far) == []  # exactly 10 is allowed
    # a's district: its mean travel was 10 minutes today (b and c are beyond the travel
    # limit of the existing site, so their district is not held), 20 after
    districts = np.array(["A", "B", "B"])
    problems = check_solution(_model(nearest_tolerance_min=10.0, demand_district=districts), far)
    assert _keys(problems) == ["check.district_worse"]
    assert problems[0].startswith("1 district has a longer mean travel than today")
    assert check_solution(_model(demand_district=districts), far) == []  # the rule is off
    # with b in a's district too, A's mean today is still a's 10 minutes (b has no road
    # to the existing site): b, whom no shelter reached today, is better off served however
    # far, so only a is held to today. Until 5 December 2026 b's 40 minutes counted, and
    # (4 * 10 + 6 * 40) / 10 = 28 made A "worse off" with a at the existing site
    together = _model(nearest_tolerance_min=10.0, demand_district=np.array(["A", "A", "B"]))
    assert check_solution(together, solved) == []
    assert _keys(check_solution(together, far)) == ["check.district_worse"]  # a sent to 20
    # single sourcing: b split between candidates 1 and 2; then c served in part
    single = _model(single_source=True)
    split = _with_rows(opened, [(0, 0, 4.0), (1, 1, 3.0), (1, 2, 3.0), (2, 2, 3.0)])
    assert _keys(check_solution(single, split)) == ["check.split"]
    assert check_solution(_model(), split) == []  # allowed when referrals may be split
    part = _with_rows(opened, [(0, 0, 4.0), (1, 2, 6.0), (2, 2, 2.0)])
    problems = check_solution(_model(single_source=True, served_share=0.9), part)
    assert _keys(problems) == ["check.partial"]
    assert problems[0] == "1 settlement is served only in part"


def test_a_district_far_from_its_nearest_open_site_is_caught(solved: PlanResult) -> None:
    # every site open; b (6 places) and c (3) form district B: b's nearest open site is
    # candidate 1 (30 min), c's candidate 2 (15 min), so B's mean to its nearest open site
    # is (6 x 30 + 3 x 15) / 9 = 25 min; with b at candidate 2 (40 min) B's mean travel is
    # (6 x 40 + 3 x 15) / 9 = 31.7 min, 6.7 beyond it
    from planner._i18n import Note

    opened = replace(solved, open_sizes=np.array([5.0, 5.0, 10.0]), built=np.array([True, True]))
    plan = _with_rows(opened, PLAN)
    districts = np.array(["A", "B", "B"])
    problems = check_solution(_model(nearest_tolerance_min=5.0, demand_district=districts), plan)
    assert _keys(problems) == ["check.district_far"]
    assert problems[0].startswith("1 district has a mean travel more than the tolerance beyond")
    assert check_solution(_model(nearest_tolerance_min=7.0, demand_district=districts), plan) == []
    # a plan that says a district is left beyond the rule is not told so again
    said = replace(plan, messages=(Note("message.repair_left", districts=1),))
    assert check_solution(_model(nearest_tolerance_min=5.0, demand_district=districts), said) == []
    # the rule's district part is a target of the cheapest plan only
    travel = _model(nearest_tolerance_min=5.0, demand_district=districts, objective="min_travel")
    assert check_solution(travel, plan) == []


# --- hospital services --------------------------------------------------------


def _centres(**kw: Any) -> HospitalServicesModel:
    """Women: A 120,000 and B 60,000 (region R1), C 50,000 (R2): two centres of
    200,000 needed. h0 (R1) reaches A and B within 60 min, h1 (R2) reaches C; h2 (R1)
    reaches A and is no candidate for a centre."""
    minutes = np.array([[30.0, INF, 20.0], [50.0, INF, INF], [INF, 40.0, INF]])
    options = ServiceOptions(
        rape_crisis=RapeCrisisOptions(
            women_share=1.0, max_travel_min=60.0, served_share=1.0, **kw
        ),
        forensic=None,
    )
    return HospitalServicesModel(
        minutes,
        np.array([120_000.0, 60_000.0, 50_000.0]),
        demand_region=np.array(["R1", "R1", "R2"]),
        site_region=np.array(["R1", "R2", "R1"]),
        options=options,
        rcc_candidate=np.array([True, True, False]),
    )


def _women(res: ServicesResult, rows: list[tuple[int, int, float]]) -> ServicesResult:
    return replace(res, assignments=pd.DataFrame(rows, columns=["demand", "site", "women"]))


@pytest.fixture(scope="module")
def centres() -> ServicesResult:
    res = _centres().solve()
    assert res.status == "optimal"
    assert res.centre.tolist() == [True, True, False]
    return res


PLAN_WOMEN = [(0, 0, 120_000.0), (1, 0, 60_000.0), (2, 1, 50_000.0)]


def test_the_centres_solved_by_hand_are_clean(centres: ServicesResult) -> None:
    assert check_services(_centres(), centres) == []
    assert check_services(_centres(), _women(centres, PLAN_WOMEN)) == []


@pytest.mark.parametrize(
    ("centre", "rows", "expected"),
    [
        # the centre moved from h0 to h2, which is no candidate; B cannot reach h2
        (
            [False, True, True],
            [(0, 2, 120_000.0), (1, 2, 60_000.0), (2, 1, 50_000.0)],
            ["check.centre_not_candidate", "check.women_beyond"],
        ),
        # C's women sent to h2, which has no centre (and is out of C's reach)
        (
            None,
            [(0, 0, 120_000.0), (1, 0, 60_000.0), (2, 2, 50_000.0)],
            ["check.women_without_centre", "check.women_beyond"],
        ),
        # B's 60,000 women counted as 120,000: h0 then serves 240,000
        (
            None,
            [(0, 0, 120_000.0), (1, 0, 120_000.0), (2, 1, 50_000.0)],
            ["check.centre_over", "check.women_over"],
        ),
        # C's women left out: 180,000 of 230,000 served
        (None, PLAN_WOMEN[:2], ["check.women_below"]),
        # no centre in R2: one centre of the two needed
        (
            [True, False, False],
            PLAN_WOMEN[:2],
            ["check.too_few_centres", "check.women_below", "check.regions_without_centre"],
        ),
    ],
)
def test_each_broken_standard_is_named(
    centres: ServicesResult,
    centre: list[bool] | None,
    rows: list[tuple[int, int, float]],
    expected: list[str],
) -> None:
    broken = _women(centres, rows)
    if centre is not None:
        broken = replace(broken, centre=np.array(centre))
    assert _keys(check_services(_centres(), broken)) == expected


def test_a_smaller_centre_size_finds_the_overload(centres: ServicesResult) -> None:
    # h0's 180,000 women are more than centres of 150,000 may serve
    problems = check_services(_centres(women_per_centre=150_000), centres)
    assert _keys(problems) == ["check.centre_over"]
    assert problems[0] == "a centre serves more than 150,000 women"
