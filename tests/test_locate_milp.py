"""The named-block MILP builder and the typed solver status (planner.locate._milp)."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from planner.locate._milp import (
    Deadline,
    MilpBuilder,
    Termination,
    solve_milp,
)
from planner.locate.result import PlanStatus
from tests.instances import facility_location


def _knapsack() -> MilpBuilder:
    # max 5a + 4b + 3c  s.t.  2a + 3b + c <= 5,  a, b, c binary  -> a + b (9) or a + c (8)
    b = MilpBuilder()
    x = b.add_variables("x", 3, ub=1.0, integer=True)
    b.add_row("weight", x.cols, [2.0, 3.0, 1.0], -np.inf, 5.0)
    return b


def test_blocks_get_consecutive_named_columns() -> None:
    b = MilpBuilder()
    y = b.add_variables("y", (2, 3), ub=1.0, integer=True)
    u = b.add_variables("u", 4, ub=[1, 2, 3, 4])
    assert y.cols.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert u.cols.tolist() == [6, 7, 8, 9] and u.slice == slice(6, 10)
    assert b.block("u") is u
    milp = b.build()
    assert milp.ub.tolist() == [1.0] * 6 + [1.0, 2.0, 3.0, 4.0]
    assert milp.integrality.tolist() == [1] * 6 + [0] * 4
    with pytest.raises(ValueError, match="'y' exists"):
        b.add_variables("y", 1)


def test_constraint_families_are_named_and_accumulate() -> None:
    b = MilpBuilder()
    x = b.add_variables("x", 3)
    first = b.add_constraints(
        "cap", rows=[0, 0, 1], cols=x.cols[[0, 1, 2]], vals=1.0, lower=-np.inf, upper=[4, 5]
    )
    other = b.add_row("share", x.cols, 1.0, 1.0, np.inf)
    again = b.add_row("cap", [0], 2.0, -np.inf, 9.0)
    assert first.tolist() == [0, 1] and other == 2 and again == 3
    assert b.constraint_rows("cap").tolist() == [0, 1, 3]
    assert b.constraint_rows("absent").tolist() == []
    milp = b.build()
    assert milp.a.toarray().tolist() == [
        [1.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [1.0, 1.0, 1.0],
        [2.0, 0.0, 0.0],
    ]
    assert milp.hi.tolist() == [4.0, 5.0, np.inf, 9.0]
    assert milp.rows(np.array([1, 3])).a.shape == (2, 3)


def test_solve_reports_a_typed_termination() -> None:
    milp = _knapsack().build()
    c = np.array([-5.0, -4.0, -3.0])
    out = solve_milp(milp, c, 10.0, 0.0, None)
    assert out.termination == Termination.OPTIMAL and out.has_solution
    assert out.x is not None and np.round(out.x).tolist() == [1.0, 1.0, 0.0]
    # fixing a = 0 leaves b + c (7)
    fixed = solve_milp(milp.fixed(np.array([0]), np.array([0.0])), c, 10.0, 0.0, None)
    assert fixed.x is not None and float(c @ fixed.x) == pytest.approx(-7.0)
    # an extra row a + b + c >= 4 makes it infeasible: proven, no solution
    tight = milp.with_row(np.ones(3), 4.0, np.inf)
    none = solve_milp(tight, c, 10.0, 0.0, None)
    assert none.termination == Termination.INFEASIBLE and not none.has_solution


def test_a_node_budget_keeps_the_heuristics_only_when_asked() -> None:
    """A node budget turns HiGHS's root heuristics off (their work no node count bounds),
    unless ``heuristics``: the services' root search keeps them (their sub-MIPs find its
    plans), under the same node budget."""
    from planner.locate._milp import _options

    off = _options(10.0, 0.0, 1)
    assert off["mip_max_nodes"] == 1 and off["mip_heuristic_run_rins"] is False
    assert off["mip_heuristic_effort"] == 0.0
    on = _options(10.0, 0.0, 1, heuristics=True)
    assert on["mip_max_nodes"] == 1 and "mip_heuristic_run_rins" not in on
    assert "mip_heuristic_effort" not in on and "mip_max_nodes" not in _options(10.0, 0.0, None)
    milp = _knapsack().build()
    c = np.array([-5.0, -4.0, -3.0])
    out = solve_milp(milp, c, 10.0, 0.0, None, 1, heuristics=True)
    assert out.x is not None and float(c @ out.x) == pytest.approx(-9.0)


def test_plan_status_is_a_string() -> None:
    status: str = PlanStatus.OPTIMAL
    assert status == "optimal" and f"{PlanStatus.TIME_LIMIT}" == "time_limit"
    assert PlanStatus("infeasible") is PlanStatus.INFEASIBLE


def test_deadline_fractions() -> None:
    d = Deadline(100.0, 60.0)
    assert d.at(0.5) == pytest.approx(130.0)
    assert Deadline.start(5.0).left() <= 5.0


def test_the_interior_point_method_gives_the_simplex_optimum_at_a_vertex() -> None:
    # min x0 + 2 x1 + 3 x2  s.t.  x0 + x1 >= 1,  x1 + x2 >= 1,  0 <= x <= 1:  x = (0, 1, 0), 2
    b = MilpBuilder()
    x = b.add_variables("x", 3, ub=1.0)
    b.add_constraints(
        "cover", rows=[0, 0, 1, 1], cols=x.cols[[0, 1, 1, 2]], vals=1.0, lower=1.0, upper=np.inf
    )
    milp = b.build()
    c = np.array([1.0, 2.0, 3.0])
    simplex = solve_milp(milp, c, 10.0, 0.0, None)
    interior = solve_milp(milp, c, 10.0, 0.0, None, interior=True)
    assert interior.termination == Termination.OPTIMAL
    assert interior.x is not None and simplex.x is not None
    assert float(c @ interior.x) == pytest.approx(float(c @ simplex.x)) == pytest.approx(2.0)
    # crossover: a vertex, not a point inside the optimal face
    assert interior.x.tolist() == pytest.approx([0.0, 1.0, 0.0])
    # a root-only search with the interior-point root LP finds the knapsack's optimum too
    knap = solve_milp(_knapsack().build(), np.array([-5.0, -4.0, -3.0]), 10.0, 0.0, None, 1,
                      interior=True)  # fmt: skip
    assert knap.x is not None and np.round(knap.x).tolist() == [1.0, 1.0, 0.0]


class _Event:
    """What HiGHS hands its MIP interrupt callback: a bound, a node count, an interrupt."""

    def __init__(self, bound: float, nodes: int = 0) -> None:
        self.data_out = SimpleNamespace(mip_dual_bound=bound, mip_node_count=nodes)
        self.interrupted = False

    def interrupt(self) -> None:
        self.interrupted = True


def test_a_root_search_stops_when_its_rounded_bound_stalls() -> None:
    from planner.locate._milp import _StalledCuts

    # costs 10, 18 and 32 on integer columns: every plan costs an even number
    stall = _StalledCuts(3, np.array([10.0, 18.0, 32.0]), [1, 1, 1])
    bounds = [-np.inf, 742.3, 744.7, 744.7001, 744.74, 745.9, 746.0]
    # rounded: (LP not solved), 744, 746, then 746 four times: the third stall stops it
    stopped = []
    for b in bounds:
        event = _Event(b)
        stall(event)
        stopped.append(event.interrupted)
    assert stopped == [False, False, False, False, False, True, True]
    assert stall.stopped and stall.best == 746.0
    # a rise of the rounded bound starts the count again; branching is not watched
    stall = _StalledCuts(2, np.array([1.0]), [1])
    for b, nodes in [(3.2, 0), (3.9, 0), (4.1, 0), (4.5, 0), (4.5, 3), (4.5, 5)]:
        event = _Event(b, nodes)
        stall(event)
        assert not event.interrupted  # 4 -> 4 (one stall), 5 (rise), 5 (one), then nodes
    assert not stall.stopped


@pytest.mark.parametrize("seed", [0, 3])
def test_a_stalled_root_search_is_a_work_limit_with_a_valid_bound(seed: int) -> None:
    model, c = facility_location(seed)
    best = solve_milp(model, c, 60.0, 0.0, None)
    assert best.termination == Termination.OPTIMAL and best.x is not None
    optimum = float(c @ best.x)
    runs = [solve_milp(model, c, 60.0, 0.0, None, 1, stall_checks=3) for _ in range(2)]
    full_root = solve_milp(model, c, 60.0, 0.0, None, 1)
    for run in runs:
        assert run.termination == Termination.WORK_LIMIT
        assert run.message == "the root's bound stopped rising"
        assert run.mip_dual_bound is not None and full_root.mip_dual_bound is not None
        # a valid bound, at most what the root's full rounds of cuts prove
        assert run.mip_dual_bound <= full_root.mip_dual_bound <= optimum + 1e-9
        assert run.mip_dual_bound == float(math.ceil(run.mip_dual_bound))
    # counted in checkpoints, not seconds: the same bound every time
    assert runs[0].mip_dual_bound == runs[1].mip_dual_bound


def test_a_cancelled_solve_stops_and_says_so() -> None:
    model, c = facility_location(0)
    cancel = threading.Event()
    kept = solve_milp(model, c, 60.0, 0.0, None, cancel=cancel)  # never set: no change
    plain = solve_milp(model, c, 60.0, 0.0, None)
    assert kept.termination == plain.termination == Termination.OPTIMAL
    assert kept.x is not None and plain.x is not None and kept.x.tolist() == plain.x.tolist()
    cancel.set()
    for problem in (model, model.relaxed()):  # HiGHS checks it in branch-and-bound and simplex
        stopped = solve_milp(problem, c, 60.0, 0.0, None, cancel=cancel)
        assert stopped.termination == Termination.CANCELLED and not stopped.has_solution


def test_only_the_first_highs_instance_is_made_with_stdout_redirected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # redirecting file descriptor 1 from two threads at once could leave it at /dev/null
    import contextlib

    from planner.locate import _milp

    redirected: list[int] = []

    @contextlib.contextmanager
    def counting() -> Iterator[None]:
        redirected.append(threading.get_ident())
        yield

    monkeypatch.setattr(_milp, "_quiet_stdout", counting)
    monkeypatch.setattr(_milp, "_banner_silenced", False)
    threads = [
        threading.Thread(target=lambda: [_milp._new_highs() for _ in range(5)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(redirected) == 1


# --- an answer that contradicts itself -----------------------------------------------------


def _contradicting_start() -> tuple[Any, np.ndarray, np.ndarray]:
    """A drawn siting model on its settlements, its cost vector and its rounded-LP start.

    HiGHS 1.16 solved it from that start (cost 54) and said "optimal" at 28 with the
    start as its solution; the optimum is 38 (brute force, and HiGHS without the start).
    """
    from planner.locate.siting import _rounded_start
    from tests.test_locate_siting import _drawn_model

    minutes = np.array(
        [[18.1, 106.5, 85.3, 4.9, 38.6], [28.8, 12.6, 12.4, 44.0, 44.8],
         [61.7, 81.3, 101.0, 19.3, 77.1], [89.5, 43.9, 35.7, 52.4, 64.2],
         [94.3, 16.8, 51.0, 14.0, 60.8], [17.9, 42.0, 42.8, 44.4, 41.8],
         [9.9, 55.7, 39.1, 44.4, 2.1], [34.6, 86.2, 94.1, 14.0, 94.6]]
    )  # fmt: skip
    demand = np.array([2.4, 9.8, 3.7, 2.7, 4.1, 3.6, 7.0, 5.7])
    model = _drawn_model(minutes, demand, 5.0, np.array(list("CACCAABC")))
    full = model.with_district_limits()
    layout = full.build(120.0)
    c = layout.vector("min_cost")
    start, _ = _rounded_start(full, layout, 30.0)
    assert start is not None and float(c @ start) == pytest.approx(54.0)
    return layout.milp, c, start


def test_an_answer_that_contradicts_itself_is_solved_again() -> None:
    milp, c, start = _contradicting_start()
    res = solve_milp(milp, c, 30.0, 0.0, start, 200)
    assert res.termination == Termination.OPTIMAL
    assert res.x is not None and float(c @ res.x) == pytest.approx(38.0)
    assert res.mip_dual_bound == pytest.approx(38.0)


def test_an_answer_that_still_contradicts_itself_proves_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import planner.locate._milp as milp_module

    milp, c, start = _contradicting_start()
    monkeypatch.setattr(milp_module, "_consistent", lambda *args: False)
    res = solve_milp(milp, c, 30.0, 0.0, start, 200)
    assert res.termination == Termination.WORK_LIMIT  # never "optimal"
    assert res.mip_dual_bound == -math.inf
    assert res.x is not None and milp_module.feasible(milp, res.x)  # a plan, not proven
    assert "contradicts itself" in res.message
    bad = res.x.copy()
    bad[np.flatnonzero(milp.integrality)[0]] = 0.5
    assert not milp_module.feasible(milp, bad)


def test_a_search_in_full_says_its_nodes_and_gap_and_finds_the_same() -> None:
    """HiGHS in full (the travel objectives) says its nodes and its gap to the bound at its
    checkpoints, for the terminal's spinner; reading them changes nothing it does."""
    from collections.abc import Mapping

    from planner._i18n import LANGUAGES, Translator
    from planner._progress import listening

    model, c = facility_location(3, n=60, m=20, travel=True)
    said: list[dict[str, object]] = []

    def hear(key: str, values: Mapping[str, object]) -> None:
        assert key == "progress.search"
        said.append(dict(values))

    with listening(hear):
        told = solve_milp(model, c, 60.0, 0.0, said="progress.search")
    quiet = solve_milp(model, c, 60.0, 0.0)
    assert told.termination == quiet.termination == Termination.OPTIMAL
    assert told.x is not None and quiet.x is not None and told.x.tolist() == quiet.x.tolist()
    assert said, "nothing was said"
    assert all(s["limit"] is None and 0.0 <= float(str(s["gap"])) <= 100.0 for s in said)
    for lang in LANGUAGES:
        assert "%" in Translator(lang)("progress.search", **said[-1])
