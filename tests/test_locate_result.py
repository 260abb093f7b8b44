"""The result types' arithmetic: status of a solve, objective / bound / gap, feasibility."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from planner._i18n import Fixed, Note, Share
from planner.locate._milp import Outcome, Termination
from planner.locate.result import (
    GAP_DECIMALS,
    PlanResult,
    PlanStatus,
    ServicesResult,
    empty_frame,
    objective_bound_gap,
    published_gap,
)


def _outcome(termination: Termination, x: list[float] | None = None,
             bound: float | None = None) -> Outcome:  # fmt: skip
    return Outcome(termination, None if x is None else np.array(x), bound, None, "")


@pytest.mark.parametrize(
    ("termination", "gap", "status"),
    [
        (Termination.OPTIMAL, 0.0, "optimal"),
        (Termination.OPTIMAL, 0.2, "optimal"),  # the solver proved it (its own tolerance)
        (Termination.WORK_LIMIT, 0.004, "optimal"),  # within the 0.5 % asked: proven
        (Termination.WORK_LIMIT, 0.114, "work_limit"),  # the node budget, gap above 0.5 %
        (Termination.LIMIT, 0.0, "time_limit"),  # a time limit is said even at gap 0
        (Termination.OTHER, 0.3, "time_limit"),
    ],
)
def test_status_of_a_solve(termination: Termination, gap: float, status: str) -> None:
    got = PlanStatus.of(_outcome(termination, [1.0]), gap, 0.005)
    assert got == status and json.dumps(got) == f'"{status}"'  # a str: JSON as it reads


def test_objective_bound_and_gap() -> None:
    c = np.array([10.0, 30.0])
    # 814 against a bound of 746: the README's 8.4 %
    value, bound, gap = objective_bound_gap(np.array([814.0]), _outcome(Termination.OPTIMAL,
                                                                        [1.0], 746.0))  # fmt: skip
    assert (value, bound) == (814.0, 746.0) and gap == pytest.approx(68 / 814)
    # no bound from the solver: the objective is its own bound, gap 0
    assert objective_bound_gap(c, _outcome(Termination.OPTIMAL, [1.0, 1.0])) == (40.0, 40.0, 0.0)
    # a bound above the objective (a start solution kept at a limit) is cut to the objective
    assert objective_bound_gap(c, _outcome(Termination.LIMIT, [1.0, 0.0], 25.0)) == (
        10.0,
        10.0,
        0.0,
    )
    # no solution: nothing to report, never a number made up
    assert all(math.isnan(v) for v in objective_bound_gap(c, _outcome(Termination.LIMIT)))


def _plan(status: PlanStatus, objective: float, messages: tuple[str, ...] = ()) -> PlanResult:
    return PlanResult(
        status=status,
        open_sizes=np.zeros(2),
        built=np.zeros(1, bool),
        assignments=empty_frame({"demand": int, "site": int, "places": float}),
        unserved=np.zeros(3),
        objective=objective,
        bound=objective,
        gap=0.0,
        cost=objective,
        served_share=1.0,
        max_travel_min=0.0,
        build_seconds=0.0,
        solve_seconds=0.0,
        messages=messages,
    )


def test_plan_result_feasible_and_repaired() -> None:
    assert _plan(PlanStatus.OPTIMAL, 10.0).feasible
    assert _plan(PlanStatus.WORK_LIMIT, 10.0).feasible
    assert not _plan(PlanStatus.TIME_LIMIT, math.nan).feasible  # stopped before any plan
    assert not _plan(PlanStatus.INFEASIBLE, math.nan).feasible
    repaired = Note("message.repaired", grown=1, opened=0, cost=Fixed(8.0, 0), gap=Share(0.2, 2))
    assert _plan(PlanStatus.WORK_LIMIT, 10.0, (repaired,)).repaired
    assert not _plan(PlanStatus.WORK_LIMIT, 10.0, ("a plain message",)).repaired
    frame = empty_frame({"demand": int, "places": float})
    assert frame.empty and [str(t) for t in frame.dtypes] == ["int64", "float64"]


def test_services_result_colocated() -> None:
    r = ServicesResult(
        status=PlanStatus.OPTIMAL,
        centre=np.array([True, True, False]),
        forensic=np.array([True, False, True]),
        assignments=empty_frame({"demand": int}),
        unserved_women=np.zeros(1),
        centre_travel_min=np.zeros(1),
        forensic_travel_min=np.zeros(1),
        forensic_reachable=np.ones(1, bool),
        required_centres=2,
        fewest_centres=None,
        objective=35.0,
        bound=35.0,
        gap=0.0,
        cost=40.0,
        build_seconds=0.0,
        solve_seconds=0.0,
    )
    assert r.feasible and r.colocated.tolist() == [True, False, False]


@pytest.mark.parametrize(
    ("gap", "shown"),
    [(0.016949, "1.69%"), (0.016951, "1.70%"), (0.03618, "3.62%"), (0.0, "0.00%")],
)
def test_a_gap_is_rounded_once_for_every_output(gap: float, shown: str) -> None:
    """The summary's gap, formatted again as a percentage, reads as the unrounded gap does."""
    from planner._i18n import Translator

    tr = Translator()
    assert published_gap(gap) == pytest.approx(round(gap, GAP_DECIMALS))
    assert tr.percent(published_gap(gap), 2) == shown == tr.percent(gap, 2)
    assert math.isnan(published_gap(math.nan))
