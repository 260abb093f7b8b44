from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from planner._errors import InputDataError
from planner.data import Dataset
from planner.locate import PlanStatus
from planner.planning import Plan, plan
from planner.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict


@pytest.fixture(scope="module")
def coe(dataset: Dataset) -> Plan:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # as shipped: the search is bounded by work, not time, so the plan does not
        # depend on this machine's speed
        return plan(dataset, load_scenario("coe-minimum"))


def test_coe_minimum_plan_is_feasible(coe: Plan, dataset: Dataset) -> None:
    s = coe.summary
    assert coe.result.status in ("optimal", "work_limit")
    assert coe.violations == ()  # checked independently of the solver
    served, worst = s["served_share"], s["max_travel_min"]
    total, required = s["total_places"], s["required_family_places"]
    assert served is not None and worst is not None and total is not None and required
    assert served >= coe.scenario.targets.served_share - 1e-9 >= 0.999 - 1e-9
    assert worst <= 120
    assert total >= 0.999 * required
    assert s["regions_without_shelter_after"] == []
    assert s["new_sites"] >= 12  # 12 regions have no shelter today
    bound, value = s["bound"], s["objective_value"]
    assert s["mip_gap"] is not None and bound is not None and value is not None
    assert bound <= value + 1e-6
    for key in (
        "scenario",
        "objective",
        "status",
        "mip_gap",
        "solve_seconds",
        "new_sites",
        "total_places",
        "served_share",
        "max_travel_min",
    ):
        assert key in s


def test_a_plan_stopped_by_its_work_budget_points_to_the_deeper_search(coe: Plan) -> None:
    """The national plan stops at its work budget: a deeper search may find a cheaper one."""
    assert coe.result.status == "work_limit" and coe.deeper_search_may_help
    solver = coe.scenario.solver
    asked = replace(coe.scenario, solver=replace(solver, plan_search_nodes=200))
    assert not replace(coe, scenario=asked).deeper_search_may_help  # already asked for
    travel = replace(coe.scenario, objective=replace(coe.scenario.objective, type="min_travel"))
    assert not replace(coe, scenario=travel).deeper_search_may_help  # min_cost only
    # proven; or a longer time limit is the advice
    for status in (PlanStatus.OPTIMAL, PlanStatus.TIME_LIMIT):
        stopped = replace(coe.result, status=status)
        assert not replace(coe, result=stopped).deeper_search_may_help, status


def test_a_plan_dearer_than_a_stricter_scenario_s_is_found(
    tiny_plan: tuple[Dataset, Plan],
) -> None:
    """A looser scenario's plan that costs more than a stricter one's is not the cheapest."""
    from planner.planning import dearer_than_stricter

    _, strict = tiny_plan
    sc, cost = strict.scenario, strict.summary["cost"]
    assert strict.result.feasible and strict.violations == () and cost is not None
    loose = replace(sc, name="looser", targets=replace(sc.targets, served_share=0.9))

    def variant(extra: float, scenario: Scenario = loose) -> Plan:
        return replace(strict, scenario=scenario, summary={**strict.summary, "cost": cost + extra})

    def names(plans: list[Plan]) -> list[tuple[str, str]]:
        return [(a.scenario.name, b.scenario.name) for a, b in dearer_than_stricter(plans)]

    assert names([strict, variant(10.0)]) == [("looser", "tiny")]
    assert names([variant(10.0), strict]) == [("looser", "tiny")]
    assert names([strict, variant(0.0)]) == names([strict, variant(-10.0)]) == []
    # the stricter plan must keep its own rules, checked independently
    assert names([replace(strict, violations=("a rule",)), variant(10.0)]) == []
    # another dataset, another objective, a rule not ordered: not comparable
    elsewhere = replace(strict, summary={**strict.summary, "dataset": "elsewhere"})
    assert names([elsewhere, variant(10.0)]) == []
    travel = replace(loose, objective=replace(sc.objective, type="min_travel"))
    assert names([strict, variant(10.0, travel)]) == []
    longer = replace(sc, name="longer", targets=replace(sc.targets, max_travel_min=180.0))
    assert names([strict, variant(10.0, longer)]) == []
    # existing shelters that may expand: a looser scenario too
    expand = replace(sc, name="expand", supply=replace(sc.supply, existing="expand"))
    assert names([strict, variant(10.0, expand)]) == [("expand", "tiny")]
    assert names([variant(-10.0, expand), strict]) == []


def test_cities_stay_near_help(coe: Plan) -> None:
    # before the closest-assignment rule the cheapest plan sent Ganja City's survivors
    # 107 minutes on average and Sumgait's 96
    d = coe.districts.set_index("district_id")
    for city in ("AZ-GA", "AZ-SM", "AZ-BA"):
        assert d.loc[city, "travel_min_mean_after"] < 30, city
    # nobody is referred more than 15 minutes beyond today's nearest shelter
    d = d.loc[d["travel_min_mean_before"].notna() & d["travel_min_mean_after"].notna()]
    today = d["travel_min_mean_before"]
    assert (d["travel_min_mean_after"] <= today + 15 + 1e-6).all()
    # the same definition before and after: the nearest shelter is never farther
    assert (d["travel_min_mean_nearest_after"] <= today + 1e-6).all()
    # worse-off districts are flagged, and only those
    worse = d["travel_min_mean_after"] > today + 0.5
    assert (d["worse_off"] == worse).all()
    # and the site decision keeps every district at most at today's mean (issue #11)
    assert not d["worse_off"].any(), d.loc[d["worse_off"], "name"].tolist()


def test_every_district_goes_to_help_near_it(coe: Plan) -> None:
    # issue #11: every district's mean travel after the plan within 15 minutes of its mean
    # travel to the nearest open shelter (the sites grown for it are said in the messages)
    d = coe.districts.dropna(subset=["travel_min_mean_after", "travel_min_mean_nearest_after"])
    beyond = d["travel_min_mean_after"] - d["travel_min_mean_nearest_after"]
    assert (beyond <= 15 + 0.01).all(), d.loc[beyond > 15.01, "name"].tolist()
    # two sites enlarged for it, three the settlements do not need at their size trimmed:
    # 778 (the site decision) + 36 - 40 (the README's figures; 814 before the trim)
    assert any(getattr(m, "key", "") == "message.revised_saving" for m in coe.result.messages)
    assert coe.result.cost == pytest.approx(774.0)
    # the plan still meets every target and the independent check
    assert coe.violations == () and coe.summary["regions_without_shelter_after"] == []


def test_nakhchivan_is_planned_on_its_own(coe: Plan, dataset: Dataset) -> None:
    region = dataset.districts.set_index("district_id")["region"]
    a = coe.assignments.copy()
    a["from_region"] = a["settlement_id"].str.rsplit("-", n=1).str[0].map(region)
    site_region = coe.sites.set_index("site_id")["region"]
    a["to_region"] = a["site_id"].map(site_region)
    nakh = a.loc[(a["from_region"] == "Nakhchivan") | (a["to_region"] == "Nakhchivan")]
    assert len(nakh) > 0
    assert (nakh["from_region"] == nakh["to_region"]).all()


def test_sites_table(coe: Plan, dataset: Dataset) -> None:
    sites = coe.sites
    assert set(sites["status"]) <= {"existing", "expanded", "new"}
    existing = sites.loc[sites["status"] != "new"]
    assert sorted(existing["site_id"]) == ["SH-BAKU", "SH-GANJA"]
    # existing shelters are shown at their district's public point, whatever their own
    # coordinates (tests/test_confidentiality.py moves them to secret points)
    public = dataset.district_points()
    for sid, did in zip(
        dataset.shelters["shelter_id"], dataset.shelters["district_id"], strict=True
    ):
        row = existing.set_index("site_id").loc[sid]
        assert (row["lon"], row["lat"]) == (
            round(public.loc[did].x, 5),
            round(public.loc[did].y, 5),
        )
    new = sites.loc[sites["status"] == "new"]
    assert set(new["capacity_places"]) <= {10.0, 20.0, 40.0}
    assert new["inclusive"].eq(False).all()  # coe-minimum does not require inclusive shelters
    assert np.allclose(sites["capacity_beds"], sites["capacity_places"] * 1.7, atol=0.06)


def test_districts_before_and_after(coe: Plan) -> None:
    d = coe.districts.set_index("district_id")
    assert {
        "travel_min_mean_before",
        "travel_min_mean_after",
        "places_before",
        "places_after",
    } <= set(d.columns)
    # the plan brings far districts closer and Nakhchivan gets a road-reachable shelter
    assert d.loc["AZ-ZAN", "travel_min_mean_after"] < d.loc["AZ-ZAN", "travel_min_mean_before"]
    assert np.isnan(d.loc["AZ-NV", "travel_min_mean_before"])
    assert d.loc["AZ-NV", "travel_min_mean_after"] <= 120


def _assert_near_help(p: Plan) -> None:
    """Issue 11's rules for a shipped scenario whose budget does not bind."""
    d = p.districts.set_index("district_id")
    before, after = d["travel_min_mean_before"], d["travel_min_mean_after"]
    assert not d["worse_off"].any(), d.loc[d["worse_off"], "name"].tolist()
    assert not ((before < 60) & (after > before + 0.5)).any()
    beyond = after - d["travel_min_mean_nearest_after"]
    assert (beyond.dropna() <= 15 + 0.01).all(), d.loc[beyond > 15.01, "name"].tolist()
    for city in ("AZ-GA", "AZ-SM", "AZ-BA"):
        assert after[city] < 30, city
    assert p.result.status in ("optimal", "work_limit")  # ended by its work, not the clock


def test_coe_60min_keeps_everyone_near_help(dataset: Dataset) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, load_scenario("coe-60min"))
    assert p.violations == ()
    assert p.summary["max_travel_min"] is not None and p.summary["max_travel_min"] <= 60
    _assert_near_help(p)


def test_inclusive_scenario_reports_inclusive_coverage(dataset: Dataset) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # as shipped (a work budget): the same plan on any machine
        p = plan(dataset, load_scenario("inclusive"))
    _assert_near_help(p)
    s = p.summary
    assert s["inclusive_places"] == pytest.approx(s["new_places"])
    served, reach = s["inclusive_served_share"], s["population_within_limit_of_inclusive_shelter"]
    assert served is not None and reach is not None
    assert served > 0.5
    assert 0.5 < reach <= 1.0


def test_impossible_target_is_explained(dataset: Dataset) -> None:
    scenario = scenario_from_dict({"targets": {"max_travel_min": 15, "served_share": 1.0}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, scenario)
    assert p.result.status == "infeasible"
    assert "have no existing or candidate site within 15 min" in p.summary["messages"][0]


def test_a_budget_too_small_for_the_targets_names_the_plan_without_it(dataset: Dataset) -> None:
    """Twelve regions without a shelter cannot get one each from ten new sites. The plan
    without the budget is made as any plan is, by the plan's own work-bounded search, its
    referrals, district repair and trim: coe-minimum's own plan (it once ran HiGHS in full to
    the 300 s limit, and the figures it quoted changed with the machine; until 5 December 2026
    it quoted the site decision before the repair, 34 sites at 778, then the repaired plan
    before the trim, 34 sites at 814)."""
    from planner.locate import BudgetOptions

    coe = load_scenario("coe-minimum")
    scenario = replace(coe, budget=BudgetOptions(max_new_sites=10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, scenario)
    assert p.result.status == "infeasible"
    assert p.summary["messages"] == [
        "the budget (new sites: at most 10) is too small to meet the targets; without it a "
        "plan with new sites 33 costs 774, and no plan costs less than 746 (the cheapest is "
        "not proven)."
    ]


def test_excluding_every_district_is_an_error(dataset: Dataset) -> None:
    ids = list(dataset.districts["district_id"])
    scenario = scenario_from_dict({"candidates": {"exclude_districts": ids}})
    with pytest.raises(ScenarioError, match="no candidate sites remain"):
        plan(dataset, scenario)


def test_site_lists_of_another_dataset_are_not_applied(tiny_plan: tuple[Dataset, Plan]) -> None:
    """A scenario written for the embedded dataset (its hospital lists name Azerbaijani
    hospitals) runs on another dataset with a warning naming the lists dropped."""
    from tests.tiny import TINY_SCENARIO

    tiny, _ = tiny_plan
    written = {**TINY_SCENARIO, "hospitals": {"include": ["H-AZ-KAL-001"]}}
    with pytest.raises(ScenarioError, match=r"hospitals\.include\[0\] is 'H-AZ-KAL-001'"):
        plan(tiny, scenario_from_dict(written))
    scoped = scenario_from_dict({**written, "site_lists_dataset": "azerbaijan"})
    with pytest.warns(
        UserWarning,
        match=r"names sites of dataset 'azerbaijan' in hospitals\.include; on dataset "
        rf"'{tiny.name}' this list is not applied",
    ):
        p = plan(tiny, scoped)
    assert p.result.feasible and p.services is not None
    assert p.scenario.hospitals.include == () and p.scenario.site_lists_dataset == "azerbaijan"
    # the report's scenario table says so too
    from planner._i18n import Translator
    from planner.report import _scenario_table

    table = str(_scenario_table(p, Translator("en")))
    assert "<td>Site lists</td>" in table
    assert "written for dataset &#39;azerbaijan&#39;: not applied to this one" in table
    assert "Site lists" not in str(_scenario_table(tiny_plan[1], Translator("en")))


def test_a_wrong_site_list_stops_the_plan_before_any_long_work(
    tiny_plan: tuple[Dataset, Plan], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A hospital list naming no hospital stops the plan before the assessment, the travel
    times and the shelter solve (it once failed only after the shelters were planned), and
    check_scenario makes the same checks without planning; a scenario whose lists were
    written for another dataset passes it."""
    import planner.planning as planning
    from tests.tiny import TINY_SCENARIO

    tiny, _ = tiny_plan
    started: list[str] = []
    monkeypatch.setattr(planning, "assess_prepared", lambda *a, **k: started.append("assess"))
    monkeypatch.setattr(planning, "travel_matrix", lambda *a, **k: started.append("travel"))
    wrong = scenario_from_dict({**TINY_SCENARIO, "hospitals": {"require_forensic": ["Nowhere"]}})
    message = r"hospitals\.require_forensic\[0\] is 'Nowhere', not the id or name of any hospital"
    with pytest.raises(ScenarioError, match=message):
        plan(tiny, wrong)
    assert started == []
    with pytest.raises(ScenarioError, match=message):
        planning.check_scenario(tiny, wrong)
    district = scenario_from_dict({**TINY_SCENARIO, "candidates": {"exclude_districts": ["X"]}})
    with pytest.raises(ScenarioError, match=r"candidates\.exclude_districts"):
        planning.check_scenario(tiny, district)
    table = tmp_path / "population.csv"
    table.write_text("district_id,population\nNOWHERE,5\n", "utf-8")
    counted = scenario_from_dict({**TINY_SCENARIO, "demand": {"population": str(table)}})
    with pytest.raises(InputDataError, match=r"district_id 'NOWHERE' \(row 2\) is not among"):
        planning.check_scenario(tiny, counted)
    train = scenario_from_dict({**TINY_SCENARIO, "travel": {"mode": "train"}})
    with pytest.raises(ScenarioError, match=r"travel mode is 'train'; this dataset has \["):
        planning.check_scenario(tiny, train)
    planning.check_scenario(tiny, scenario_from_dict(TINY_SCENARIO))
    elsewhere = {**TINY_SCENARIO, "site_lists_dataset": "azerbaijan"}
    elsewhere["hospitals"] = {"include": ["H"]}
    planning.check_scenario(tiny, scenario_from_dict(elsewhere))


def test_a_large_plan_is_announced_before_it_is_solved(
    tiny_plan: tuple[Dataset, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model with many settlement-site pairs is named before the long solve, with what
    makes it smaller; a small one is not."""
    import planner.planning

    dataset, _ = tiny_plan
    scenario = load_scenario("current")
    with warnings.catch_warnings(record=True) as quiet:
        warnings.simplefilter("always")
        plan(dataset, scenario)
    assert not any("a large plan" in str(w.message) for w in quiet)
    monkeypatch.setattr(planner.planning, "LARGE_MODEL_PAIRS", 3)
    settlements, sites = len(dataset.settlements), len(dataset.shelters) + len(dataset.candidates)
    with pytest.warns(UserWarning, match=rf"a large plan: {settlements} settlements and "
                      rf"{sites} sites make \d+ pairs within 120 min; .* fewer candidate sites "
                      r"\(the dataset's candidates\.csv"):  # fmt: skip
        plan(dataset, scenario)


def test_a_plan_solved_whole_is_announced_at_fewer_pairs(
    tiny_plan: tuple[Dataset, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Single sourcing and the travel objectives solve every settlement's pairs (no merging):
    they are announced as large at LARGE_FULL_MODEL_PAIRS, the others are not."""
    import planner.planning

    dataset, _ = tiny_plan
    monkeypatch.setattr(planner.planning, "LARGE_FULL_MODEL_PAIRS", 3)
    cheapest = load_scenario("coe-minimum")
    with warnings.catch_warnings(record=True) as quiet:
        warnings.simplefilter("always")
        plan(dataset, cheapest)
    assert not any("a large plan" in str(w.message) for w in quiet)
    whole = replace(cheapest, objective=replace(cheapest.objective, type="fixed_charge"))
    single = replace(cheapest, targets=replace(cheapest.targets, single_source=True))
    for scenario in (whole, single):
        with pytest.warns(UserWarning, match=r"a large plan: .* solves every settlement's pairs "
                          r"itself: .* split referrals merges settlements"):  # fmt: skip
            plan(dataset, scenario)


def test_a_plan_says_what_it_is_doing_in_any_language(tmp_path: Path) -> None:
    """While a plan is solved, each stage is said (the terminal's spinner shows it): the
    starting LP, the region search step by step, the bound, the referral, the trim; every
    stage said has its words in every catalog."""
    from collections.abc import Mapping

    from planner._i18n import LANGUAGES, Translator
    from planner._progress import listening
    from planner.data import load_dataset
    from planner.scenario import load_scenario
    from tests.tiny import TINY_TOML, write_tiny_dataset

    (tmp_path / "s.toml").write_text(TINY_TOML, "utf-8")
    dataset = load_dataset(write_tiny_dataset(tmp_path / "ds"))
    said: list[tuple[str, dict[str, object]]] = []

    def hear(key: str, values: Mapping[str, object]) -> None:
        said.append((key, dict(values)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with listening(hear):
            made = plan(dataset, load_scenario(tmp_path / "s.toml"))
    assert made.result.feasible
    keys = [key for key, _ in said]
    assert keys[0] == "progress.start" and keys[-1] == "progress.trim"
    assert ("progress.groups", {"step": 1, "value": 20}) in said
    assert keys.index("progress.assign") > keys.index("progress.groups")
    for lang in LANGUAGES:
        for key, values in said:
            assert Translator(lang)(key, **values)
