"""The trim: every new site of a cheapest plan as small as its settlements allow.

Hand-made instances: a city with a shelter an hour away, candidates beside it, a plan
that builds more than the city needs; what must not be trimmed (a site a district needs,
a region's only site, a required site); and the note a plan only trimmed carries.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from planner.locate import SitingModel, check_solution
from planner.locate._assign import assign_to_open_sites
from planner.locate._milp import solve_milp
from planner.locate._repair import DistrictRepair, broken_districts, sizes_of
from planner.locate._trim import trim_sites
from planner.locate.siting import _repair_note
from tests.test_locate_siting import _opts, without_trim

INF = np.inf
SIZES, COSTS = (10.0, 20.0, 40.0), (10.0, 18.0, 32.0)


def _model(demand: tuple[float, float], tolerance: float = 15.0, **kw: Any) -> SitingModel:
    """City A (district A) 5 min from candidate c0 and an hour from today's shelter
    (8 places); village B (district B) 10 min from that shelter. Candidate c1 is far
    from both."""
    minutes = np.array([[60.0, 5.0, 50.0], [10.0, 40.0, 70.0]])
    opts = _opts(sizes=SIZES, size_costs=COSTS, nearest_tolerance_min=tolerance,
                 max_travel_min=120.0, served_share=1.0, **kw)  # fmt: skip
    return SitingModel(minutes, np.array(demand), np.array([8.0]), options=opts,
                       demand_district=np.array(["A", "B"]), **_regions(kw))  # fmt: skip


def _regions(kw: dict[str, Any]) -> dict[str, Any]:
    if not kw.get("one_per_region"):
        return {}
    return {"demand_region": np.array(["R1", "R2"]), "site_region": np.array(["R1", "R1", "R2"])}


def _trim(model: SitingModel, capacity: list[float], deadline: float | None = None) -> Any:
    """Trim the plan of ``capacity`` (as the site decision chose it, nothing repaired)."""
    cap = np.array(capacity)
    served = float(np.asarray(model.demand).sum())
    assigned = assign_to_open_sites(model, cap, served)
    assert assigned is not None
    sizes = sizes_of(model, cap)
    plan = (cap, assigned, DistrictRepair(sizes, sizes, cap[1:], cap[1:]))
    limit = time.perf_counter() + 60.0 if deadline is None else deadline
    return plan, trim_sites(model, plan, served, (solve_milp, limit))


def test_an_oversized_site_is_trimmed_to_what_its_settlements_need() -> None:
    """The city's 10 places need c0 at 10 (32 -> 10); c1, open for nobody, closes (10)."""
    model = _model((10.0, 3.0))
    _, ((capacity, assigned, repair), served, cut) = _trim(model, [8.0, 40.0, 10.0])
    assert not cut and served == pytest.approx(13.0)
    assert capacity.tolist() == [8.0, 10.0, 0.0]
    assert repair.sizes.tolist() == [0, -1] and repair.chosen.tolist() == [2, 0]
    assert (repair.reduced, repair.grown, repair.opened) == (2, 0, 0)
    assert not len(broken_districts(model, capacity, assigned, 15.0))
    flows = assigned[0][assigned[1].x.slice]
    to_c0 = flows[(assigned[1].pi == 0) & (assigned[1].pj == 1)].sum()
    assert to_c0 == pytest.approx(10.0)  # the whole city at its own shelter, 5 min away


def test_a_site_a_district_needs_keeps_its_size() -> None:
    """25 places in the city, a tolerance of 5 min: at 20 places c0 would send 5 places an
    hour away, a mean of 16 min where its nearest open shelter is 5 min away (limit 10)."""
    model = _model((25.0, 3.0), tolerance=5.0)
    plan, (trimmed, served, cut) = _trim(model, [8.0, 40.0, 0.0])
    assert trimmed is plan and not cut and served == pytest.approx(28.0)
    # with a tolerance of 15 min (limit 20), 20 places are enough
    loose = _model((25.0, 3.0), tolerance=15.0)
    _, ((capacity, _, _), _, _) = _trim(loose, [8.0, 40.0, 0.0])
    assert capacity.tolist() == [8.0, 20.0, 0.0]


def test_the_only_site_of_a_region_and_a_required_site_stay_open() -> None:
    """c1 (region R2) serves nobody: it shrinks to its smallest size but does not close
    when it is its region's only site, nor when the scenario requires it."""
    per_region = _model((10.0, 3.0), one_per_region=True)
    _, ((capacity, _, _), _, _) = _trim(per_region, [8.0, 40.0, 20.0])
    assert capacity.tolist() == [8.0, 10.0, 10.0]
    required = _model((10.0, 3.0))
    required = SitingModel(
        required.minutes, required.demand, required.existing_capacity,
        options=required.options, demand_district=required.demand_district,
        required=np.array([False, True]),
    )  # fmt: skip
    _, ((capacity, _, _), _, _) = _trim(required, [8.0, 40.0, 20.0])
    assert capacity.tolist() == [8.0, 10.0, 10.0]


def test_single_sourcing_and_a_spent_deadline_keep_the_plan() -> None:
    """Single sourcing has a binary per pair (not a step of seconds): no trim. Past the
    plan's deadline (a safety net) the step does not start, and says so."""
    single = _model((10.0, 3.0), single_source=True)
    plan, (kept, _, cut) = _trim(single, [8.0, 40.0, 10.0])
    assert kept is plan and not cut
    plan, (kept, _, cut) = _trim(_model((10.0, 3.0)), [8.0, 40.0, 10.0], deadline=0.0)
    assert kept is plan and cut


@pytest.mark.parametrize("found", [True, False])
def test_a_trim_the_time_limit_stops_says_so(found: bool) -> None:
    """A trim solve ending as the time limit ends it (a safety net: another machine may go
    further) says so, whether it found the smaller plan (kept, it holds every rule) or
    none (the plan stays). A solve made to end that way, not a clock."""
    from dataclasses import replace

    from planner.locate._milp import Termination

    def limited(*args: Any, **kwargs: Any) -> Any:
        res = solve_milp(*args, **kwargs)
        return replace(res, termination=Termination.LIMIT, x=res.x if found else None)

    model = _model((10.0, 3.0))
    cap = np.array([8.0, 40.0, 10.0])
    served = 13.0
    assigned = assign_to_open_sites(model, cap, served)
    assert assigned is not None
    sizes = sizes_of(model, cap)
    plan = (cap, assigned, DistrictRepair(sizes, sizes, cap[1:], cap[1:]))
    (capacity, _, _), _, cut = trim_sites(model, plan, served, (limited, time.perf_counter() + 60))
    assert cut
    assert capacity.tolist() == ([8.0, 10.0, 0.0] if found else [8.0, 40.0, 10.0])


def test_a_plan_only_trimmed_says_so() -> None:
    """Sites only made smaller: "message.trimmed", not a change to keep districts near help
    (the plan is not "repaired"); grown and made smaller: the revision's note."""
    chosen = np.array([2, 0])
    trimmed = DistrictRepair(np.array([0, -1]), chosen, np.array([10.0, 0.0]),
                             np.array([40.0, 10.0]))  # fmt: skip
    note = _repair_note(trimmed, -32.0, 0.01)
    assert note.key == "message.trimmed"
    assert "2 sites were made smaller or closed" in str(note)
    assert "saving 32 on the cost" in str(note)
    revised = DistrictRepair(np.array([0, 2]), chosen, np.array([10.0, 40.0]),
                             np.array([40.0, 10.0]))  # fmt: skip
    assert _repair_note(revised, 0.0, 0.01).key == "message.revised_same"


def test_the_solve_trims_what_the_repair_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight settlements in four districts (seed 22): the repair and its revision end at 68,
    the trim brings the plan to 60, the optimum (the brute force's: tests/test_locate_exact.py),
    every district keeping the rule; without the trim it stays at 68."""
    import planner.locate.siting as siting_module
    from tests.test_locate_siting import _districts_model

    monkeypatch.setattr(siting_module, "small_enough", lambda model: False)  # no exact search
    model = _districts_model(22)
    r = model.solve()
    assert r.cost == pytest.approx(60.0) and check_solution(model, r) == []
    without_trim(monkeypatch)
    assert model.solve().cost == pytest.approx(68.0)
