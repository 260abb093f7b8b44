"""Solve strategies shared by the location models (planner.locate._search)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from planner.locate._milp import FloatArray, Milp, MilpBuilder, Outcome, Termination, solve_milp
from planner.locate._search import SolveFn, improve_by_groups, integral_bound, search_deeper
from tests.instances import facility_location


@pytest.mark.parametrize(
    ("bound", "c", "integrality", "expected"),
    [
        (738.24, [10.0, 18.0, 32.0, 0.0], [1, 1, 1, 0], 740.0),  # even costs: even plans
        (740.0, [10.0, 18.0, 32.0, 0.0], [1, 1, 1, 0], 740.0),  # on the grid: unchanged
        (7.2, [3.0, 6.0], [1, 1], 9.0),
        (7.2, [3.0, 6.0, 0.5], [1, 1, 0], 7.2),  # a priced continuous column: any value
        (7.2, [3.0, 6.5], [1, 1], 7.2),  # a cost that is not a whole number
        (-7.2, [-3.0, -6.0], [1, 1], -6.0),
        (math.inf, [3.0], [1], math.inf),
        (7.2, [0.0, 0.0], [1, 0], 7.2),  # no cost at all
    ],
)
def test_a_bound_rises_to_the_next_value_a_plan_can_cost(
    bound: float, c: list[float], integrality: list[int], expected: float
) -> None:
    assert integral_bound(bound, np.array(c), integrality) == pytest.approx(expected)


def _choose_two() -> tuple[Milp, FloatArray]:
    """Pick 2 of 6 items, cheapest first (costs 5, 1, 4, 2, 6, 3): optimum 1 + 2 = 3."""
    b = MilpBuilder()
    x = b.add_variables("x", 6, ub=1.0, integer=True)
    b.add_row("two", x.cols, 1.0, 2.0, 2.0)
    return b.build(), np.array([5.0, 1.0, 4.0, 2.0, 6.0, 3.0])


def test_the_search_never_solves_a_subproblem_twice_on_one_incumbent() -> None:
    model, c = _choose_two()
    groups = [np.array([0, 1, 2]), np.array([3, 4, 5])]  # each sub-problem frees one half
    fixed = [np.setdiff1d(np.arange(6), g) for g in groups]
    calls: list[tuple[float, threading.Event | None]] = []
    solve = _recording(calls)
    # from items 0 and 4 (cost 11): the first half improves to 1 + 6, the second to 1 + 2
    best, cut = improve_by_groups(
        model,
        c,
        np.array([1.0, 0, 0, 0, 1, 0]),
        fixed,
        math.inf,
        solve,
    )
    assert not cut and float(c @ best) == pytest.approx(3.0)
    assert np.round(best).tolist() == [0, 1, 0, 1, 0, 0]
    # 11 -> 7 (first half), 7 -> 3 (second half), then the first half once more on 3:
    # no improvement, and the second half was already tried on this incumbent
    assert [value for value, _ in calls] == [11.0, 7.0, 3.0]
    # from the optimum, each group is tried once
    calls.clear()
    again, _ = improve_by_groups(model, c, best, fixed, math.inf, solve)
    assert [value for value, _ in calls] == [3.0, 3.0] and again.tolist() == best.tolist()


def test_the_search_stops_at_its_deadline_and_says_so() -> None:
    model, c = _choose_two()
    fixed = [np.array([0, 1, 2]), np.array([3, 4, 5])]
    calls: list[tuple[float, threading.Event | None]] = []
    start = np.array([1.0, 0, 0, 0, 1, 0])
    best, cut = improve_by_groups(model, c, start, fixed, 0.0, _recording(calls))
    assert cut and calls == [] and best.tolist() == start.tolist()


def test_background_returns_the_value_and_raises_the_error_in_the_caller() -> None:
    from planner.locate._search import Background

    assert Background(lambda: 6 * 7).result() == 42

    def fails() -> int:
        raise ValueError("bad model")

    failing = Background(fails)
    failing.join()  # waiting alone does not raise
    with pytest.raises(ValueError, match="bad model"):
        failing.result()


def test_a_solve_in_the_background_is_the_solve_in_front() -> None:
    # the same model solved on a second thread gives the same answer as in the caller's
    from planner.locate._search import Background

    model, c = _choose_two()
    here = solve_milp(model, c, 30.0, 0.0, None)
    there = Background(lambda: solve_milp(model, c, 30.0, 0.0, None)).result()
    assert here.x is not None and there.x is not None
    assert there.x == pytest.approx(here.x) and there.termination == here.termination
    assert float(c @ there.x) == pytest.approx(3.0)


def _recording(calls: list[tuple[float, threading.Event | None]]) -> SolveFn:
    """A solve call that records each start's objective value and its cancel event."""

    def solve(
        model: Milp,
        c: FloatArray,
        time_limit: float,
        gap: float,
        start: FloatArray | None,
        node_limit: int | None = None,
        /,
        *,
        cancel: threading.Event | None = None,
    ) -> Outcome:
        calls.append((float(c @ start) if start is not None else math.nan, cancel))
        return solve_milp(model, c, time_limit, gap, start, node_limit, cancel=cancel)

    return solve


def _everything_open(model: Milp, c: FloatArray, m: int) -> FloatArray:
    """A feasible start: every site open, the flows of the LP with every site fixed open."""
    res = solve_milp(model.fixed(np.arange(m), np.ones(m)).relaxed(), c, 30.0, 0.0, None)
    assert res.x is not None
    return np.asarray(res.x, dtype=float)


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
def test_solving_ahead_on_a_spare_core_finds_the_same_solution(seed: int) -> None:
    m = 15
    model, c = facility_location(seed, m=m, travel=True)
    start = _everything_open(model, c, m)
    groups = [np.arange(k, k + 3) for k in range(0, m, 3)]
    fixed = [np.setdiff1d(np.arange(m), g) for g in groups]
    used: list[list[float]] = []
    results = []
    for spare in (None, lambda: True):
        calls: list[tuple[float, threading.Event | None]] = []
        best, cut = improve_by_groups(
            model, c, start, fixed, math.inf, _recording(calls), spare=spare
        )
        assert not cut
        used.append([value for value, _ in calls])
        results.append(best)
    serial, ahead = results
    assert float(c @ serial) < float(c @ start) - 1e-6  # the search did improve
    assert ahead.tolist() == serial.tolist()  # the same solution, bit for bit
    # every serial solve was also made ahead (on the same incumbents), plus those
    # cancelled when the step before them improved
    assert len(used[1]) >= len(used[0])
    assert sorted(set(used[1])) == sorted(set(used[0]))


def test_a_step_solved_ahead_is_cancelled_when_the_step_before_improves() -> None:
    model, c = _choose_two()
    groups = [np.array([0, 1, 2]), np.array([3, 4, 5])]
    fixed = [np.setdiff1d(np.arange(6), g) for g in groups]
    calls: list[tuple[float, threading.Event | None]] = []
    best, _ = improve_by_groups(
        model,
        c,
        np.array([1.0, 0, 0, 0, 1, 0]),
        fixed,
        math.inf,
        _recording(calls),
        spare=lambda: True,
    )
    assert float(c @ best) == pytest.approx(3.0)
    # the first step improves 11 -> 7: the second half, solved ahead on 11, is cancelled
    assert any(cancel is not None and cancel.is_set() for _, cancel in calls)


def test_a_spare_core_is_free_only_once_the_busy_call_has_ended() -> None:
    from planner.locate._search import Background, spare_core

    release = threading.Event()
    busy = Background(release.wait)
    free = spare_core(busy)
    multi = spare_core()()  # whether this machine lets the process use two cores
    assert not free()
    release.set()
    busy.join()
    assert free() == multi


def _region_local_optimum(seed: int, m: int = 15) -> tuple[Milp, FloatArray, FloatArray]:
    """A drawn facility location and the plan where the search by groups of 3 sites stops."""
    model, c = facility_location(seed, m=m)
    groups = [np.arange(k, k + 3) for k in range(0, m, 3)]
    fixed = [np.setdiff1d(np.arange(m), g) for g in groups]
    local, cut = improve_by_groups(model, c, _everything_open(model, c, m), fixed, math.inf,
                                   solve_milp)  # fmt: skip
    assert not cut
    return model, c, local


@pytest.mark.parametrize(("seed", "local", "optimum"), [(0, 147, 131), (14, 211, 117)])
def test_a_deeper_search_leaves_the_groups_local_optimum_for_the_optimum(
    seed: int, local: float, optimum: float
) -> None:
    """No group of 3 sites alone improves the plan the search by groups stops at; HiGHS's
    own heuristics, which change sites anywhere, reach the proven optimum in 50 nodes."""
    model, c, start = _region_local_optimum(seed)
    proven = solve_milp(model, c, 60.0, 0.0)
    assert proven.termination == Termination.OPTIMAL and proven.x is not None
    assert float(c @ start) == pytest.approx(local)
    assert float(c @ proven.x) == pytest.approx(optimum)
    deeper, cut = search_deeper(model, c, start, 50, math.inf, 0.0)
    assert not cut and float(c @ deeper) == pytest.approx(optimum)
    # from the optimum it finds nothing cheaper, and keeps the plan it was given
    again, cut = search_deeper(model, c, deeper, 50, math.inf, 0.0)
    assert not cut and again.tolist() == deeper.tolist()


def test_a_deeper_search_past_its_deadline_keeps_the_plan_and_says_so() -> None:
    model, c, start = _region_local_optimum(0)
    kept, cut = search_deeper(model, c, start, 50, 0.0, 0.0)
    assert cut and kept is start


def test_a_deeper_search_says_its_nodes_and_best_plan_and_finds_the_same() -> None:
    """The nodes and the best objective are said as HiGHS explores (for the terminal's
    spinner); reading them at HiGHS's checkpoints changes nothing it does."""
    from collections.abc import Mapping

    from planner._i18n import Translator
    from planner._progress import listening

    model, c, start = _region_local_optimum(14)
    said: list[dict[str, object]] = []

    def hear(key: str, values: Mapping[str, object]) -> None:
        assert key == "progress.deeper"
        said.append(dict(values))

    with listening(hear):
        deeper, cut = search_deeper(model, c, start, 50, math.inf, 0.0)
    quiet, _ = search_deeper(model, c, start, 50, math.inf, 0.0)
    assert not cut and deeper.tolist() == quiet.tolist()
    assert said[0] == {"nodes": 0, "limit": 50, "value": 211}  # the plan it starts from
    values = [int(str(s["value"])) for s in said]
    assert values == sorted(values, reverse=True) and 117 <= values[-1] <= 211
    assert all(isinstance(s["nodes"], int) and s["limit"] == 50 for s in said)
    assert float(c @ deeper) == pytest.approx(117)
    for lang in ("en", "az"):
        assert "50" in Translator(lang)("progress.deeper", **said[-1])
