"""The national figures of summary.json, recomputed by hand on the tiny dataset.

Nine settlements of 20,000 people (180,000: 18 family places at 1 per 10,000), one
existing shelter of 10 beds in district W, new sites of 10 family places at cost 10.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from planner import __version__
from planner.data import Dataset
from planner.planning import Plan


def test_plan_summary_figures(tiny_plan: tuple[Dataset, Plan]) -> None:
    dataset, p = tiny_plan
    s, sites, a = p.summary, p.sites, p.assignments
    assert (s["dataset"], s["planner_version"], s["scenario"]) == (dataset.name, __version__,
                                                                    "tiny")  # fmt: skip
    assert s["required_family_places"] == pytest.approx(18.0)
    new = sites.loc[sites["status"] == "new"]
    assert s["new_sites"] == len(new) and s["cost"] == pytest.approx(10.0 * len(new))
    # 18 family places needed, 10 beds = 5.88 family places today: two new sites of 10
    assert len(new) == 2 and s["status"] == "optimal" and s["mip_gap"] == 0
    assert s["total_places"] == pytest.approx(round(10 / 1.7 + 20, 3))
    assert s["total_beds"] == pytest.approx(round((10 / 1.7 + 20) * 1.7, 1))
    mean = float(np.average(a["travel_min"], weights=a["demand_places"]))
    assert s["mean_travel_min"] == pytest.approx(mean, abs=0.05)
    assert s["max_travel_min"] == pytest.approx(a["travel_min"].max(), abs=0.05)
    assert s["served_share"] == pytest.approx(a["demand_places"].sum() / 18.0, abs=1e-4)
    assert s["regions_without_shelter_after"] == []
    # new shelters are inclusive by default; the existing one is not
    assert s["inclusive_places"] == pytest.approx(20.0)
    assert s["inclusive_shelters"]["inclusive_sites_after"] == 2
    assert json.loads(json.dumps(s)) == s  # JSON-ready as it is


def test_assessment_summary_figures(tiny_plan: tuple[Dataset, Plan]) -> None:
    _, p = tiny_plan
    b = p.before.summary
    assert b["population_total"] == 180_000 and b["existing_places"] == 10
    assert (b["existing_shelters"], b["existing_shelter_districts"], b["districts_total"]) == (
        1,
        1,
        2,
    )
    assert b["required_family_places"] == pytest.approx(18.0)
    assert b["required_beds"] == pytest.approx(18.0 * 1.7)
    assert b["shortfall_beds"] == pytest.approx(18.0 * 1.7 - 10)
    assert b["required_to_existing_ratio"] == pytest.approx(round(18.0 * 1.7 / 10, 2))
    assert b["regions_without_shelter"] == [] and b["regions_total"] == 1
    assert b["unreachable_population"] == 0 and b["unreachable_districts"] == []
    assert b["planner_version"] == __version__
    assert not math.isnan(b["travel_min_mean"])


@pytest.mark.parametrize("only", ["rape_crisis", "forensic"])
def test_one_service_alone_is_summarised_and_reported(
    tiny_plan: tuple[Dataset, Plan], only: str
) -> None:
    """A scenario may plan rape crisis centres or forensic examination without the other."""
    import warnings

    from planner.planning import plan
    from planner.report import render_report
    from planner.scenario import scenario_from_dict
    from tests.tiny import TINY_SCENARIO

    dataset, _ = tiny_plan
    other = "forensic" if only == "rape_crisis" else "rape_crisis"
    scenario = scenario_from_dict({k: v for k, v in TINY_SCENARIO.items() if k != other})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = plan(dataset, scenario)
    assert p.services is not None and p.services.result.status == "optimal"
    assert p.services.violations == ()
    # the block of the service not planned is left out of the summary
    blocks = {"rape_crisis": "rape_crisis_centres", "forensic": "forensic_24_7"}
    assert blocks[other] not in p.summary and blocks[only] in p.summary
    if only == "rape_crisis":
        rc = p.summary["rape_crisis_centres"]
        assert rc["proposed"] >= rc["required"] >= 1
        assert not p.services.result.forensic.any()
    else:
        assert p.summary["forensic_24_7"]["proposed"] >= 1
        assert not p.services.result.centre.any()
    json.dumps(p.summary)  # the summary a run writes
    html = render_report(p, dataset)
    assert "proposes" in html
