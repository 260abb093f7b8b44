"""Solve strategies shared by the location models.

The formulations (:mod:`planner.locate.siting`, :mod:`planner.locate.services`)
say *what* is optimised; these functions say *how* a hard instance is solved
fast and exactly: merging settlements that no constraint tells apart, finding
the groups of settlements whose demand only a known set of sites can take
(valid capacity rows), and improving a solution one region at a time (a
large-neighbourhood search).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner._progress import stage
from planner.locate._milp import (
    BoolArray,
    FloatArray,
    IntArray,
    Milp,
    Outcome,
    Termination,
    integral_bound,
    solve_milp,
)

__all__ = [
    "Background",
    "SolveFn",
    "closed_groups",
    "final_outcome",
    "held_outside",
    "improve_by_groups",
    "integral_bound",
    "merge_units",
    "populated_regions",
    "region_codes",
    "search_deeper",
    "spare_core",
]


class SolveFn(Protocol):
    """``solve(model, c, time_limit, gap, start, node_limit, *, cancel=None)``.

    As :func:`~planner.locate._milp.solve_milp`: ``cancel`` is an event set
    by another thread when the answer is no longer needed.
    """

    def __call__(
        self,
        model: Milp,
        c: FloatArray,
        time_limit: float,
        gap: float,
        start: FloatArray | None,
        node_limit: int | None = None,
        /,
        *,
        cancel: threading.Event | None = None,
    ) -> Outcome: ...  # pragma: no cover - a protocol


T = TypeVar("T")


class Background(Generic[T]):
    """One call run on a thread of its own, its result (or error) collected by :meth:`result`.

    HiGHS releases the interpreter lock while it solves, so a solver call
    made here runs beside the caller's work on a second core. Each call is
    single-threaded and deterministic and the caller combines the results in
    a fixed way, so the answer does not depend on the number of cores or on
    which call finishes first; only the wall time does. The thread is a
    daemon: an interrupted run (Ctrl-C) does not wait for it.

    Parameters
    ----------
    call
        What to run (no arguments; bind them with a lambda or
        :func:`functools.partial`).
    """

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as err:  # re-raised by result(), in the caller's thread
            self._error = err

    def join(self) -> None:
        """Wait for the call to end, its value and error unused (a result not needed)."""
        self._thread.join()

    def done(self) -> bool:
        """Whether the call has ended (its core is free again)."""
        return not self._thread.is_alive()

    def result(self) -> T:
        """Wait for the call and return its value (or raise its error)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


#: Branch-and-bound nodes one sub-problem of the neighbourhood search may explore:
#: the search's work budget, the same on every machine.
SUBPROBLEM_NODES = 200
#: Passes over the groups at most (a pass that improves nothing ends the search).
MAX_PASSES = 3


def region_codes(region: npt.ArrayLike | None, n: int) -> IntArray:
    """Return each row's region as a small integer (all 0 without regions)."""
    if region is None:
        return np.zeros(n, dtype=np.int64)
    codes = np.unique(np.asarray(region).astype(str), return_inverse=True)[1]
    return np.asarray(codes, dtype=np.int64).ravel()


def populated_regions(demand_region: npt.ArrayLike, weights: npt.ArrayLike) -> list[Any]:
    """Return the regions whose settlements hold any demand, sorted ("one in every region").

    A region with nobody in it (a reserve, or no place with people) needs no site of its own.
    """
    region = np.asarray(demand_region)
    held = np.asarray(weights, dtype=float) > 0
    return sorted(set(region[held].tolist()))


def merge_units(
    region: npt.ArrayLike | None, masks: Sequence[BoolArray]
) -> tuple[IntArray, IntArray]:
    """Group rows of one region that agree on every boolean mask (exact merging).

    Parameters
    ----------
    region
        Region of each row, or ``None``.
    masks
        Boolean matrices with one row per settlement (e.g. which sites each
        reaches within the limit); rows equal in all of them merge.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        The first row of each unit, and each row's unit.
    """
    n = len(masks[0])
    codes = region_codes(region, n)
    parts = [codes.astype(np.uint32).view(np.uint8).reshape(n, -1)]
    parts += [np.packbits(np.asarray(m, dtype=bool), axis=1) for m in masks]
    _, first, inv = np.unique(
        np.column_stack(parts), axis=0, return_index=True, return_inverse=True
    )
    return np.asarray(first, dtype=np.int64), np.asarray(inv, dtype=np.int64).ravel()


def closed_groups(
    pi: IntArray, pj: IntArray, n_i: int, n_j: int, site_region: npt.ArrayLike | None
) -> list[tuple[IntArray, IntArray]]:
    """Find groups of settlements whose demand can only go to a known set of sites.

    The connected parts of the settlement-site reachability graph and, per
    region and pair of regions, the settlements that reach only those
    regions' sites.

    Parameters
    ----------
    pi, pj
        Settlement and site of each reachable pair.
    n_i, n_j
        Numbers of settlements and sites.
    site_region
        Region of each site, or ``None``.

    Returns
    -------
    list[tuple[numpy.ndarray, numpy.ndarray]]
        ``(settlements, sites)`` of each group.
    """
    graph = sp.coo_matrix((np.ones(len(pi)), (pi, n_i + pj)), shape=(n_i + n_j, n_i + n_j)).tocsr()
    n_comp, labels = sp.csgraph.connected_components(graph, directed=False)
    groups: list[tuple[IntArray, IntArray]] = []
    if n_comp > 1:
        for c in range(n_comp):
            members = np.flatnonzero(labels == c)
            units, sites_in = members[members < n_i], members[members >= n_i] - n_i
            if len(units) and len(sites_in):
                groups.append((units.astype(np.int64), sites_in.astype(np.int64)))
    if site_region is None:
        return groups
    srg = np.asarray(site_region)
    names = sorted(set(srg.tolist()))
    code = np.searchsorted(names, srg)
    # which regions' sites each settlement reaches, as a bit mask
    masks = np.zeros(n_i, dtype=np.int64)
    np.bitwise_or.at(masks, pi, np.left_shift(1, code[pj]).astype(np.int64))
    reach = np.zeros(n_i, dtype=bool)
    reach[pi] = True
    sets = [1 << a for a in range(len(names))]
    sets += [(1 << a) | (1 << b) for a in range(len(names)) for b in range(a + 1, len(names))]
    for region_set in sets:
        units = np.flatnonzero(reach & ((masks & ~region_set) == 0))
        if len(units):
            in_set = np.flatnonzero((np.left_shift(1, code) & region_set) != 0)
            groups.append((units.astype(np.int64), in_set.astype(np.int64)))
    return groups


def held_outside(site_columns: IntArray, groups: Sequence[IntArray]) -> list[IntArray]:
    """For each group of sites, the columns of every other site: what its sub-problem holds.

    Parameters
    ----------
    site_columns
        Columns of each site, one row per site (e.g. its size options).
    groups
        Site indices of each group.

    Returns
    -------
    list[numpy.ndarray]
        The ``fixed_columns`` of :func:`improve_by_groups`.
    """
    every = np.arange(len(site_columns))
    return [np.asarray(site_columns[np.setdiff1d(every, g)]).ravel() for g in groups]


def spare_core(busy: Background[Any] | None = None) -> Callable[[], bool]:
    """Return a test of whether a second core is free now (for work solved ahead).

    Parameters
    ----------
    busy
        A call running beside the caller on the second core (e.g. the root
        search), or ``None``.

    Returns
    -------
    Callable[[], bool]
        True when the process may use two cores or more and ``busy`` (if any)
        has ended. Its answer depends on timing; a search may only use it to
        decide *where* work runs, never what is computed.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return lambda: cores > 1 and (busy is None or busy.done())


def improve_by_groups(
    model: Milp,
    c: FloatArray,
    x: FloatArray,
    fixed_columns: Sequence[IntArray],
    deadline: float,
    solve: SolveFn,
    *,
    spare: Callable[[], bool] | None = None,
) -> tuple[FloatArray, bool]:
    """Improve a solution by re-optimising one group of sites at a time, the rest fixed.

    A large-neighbourhood search: sub-problem ``g`` fixes the columns
    ``fixed_columns[g]`` at their incumbent values (everything but one
    region's sites), so it solves in moments; a better solution replaces the
    incumbent. Groups are tried in the order given, round and round, until
    every group has been tried on the current incumbent (one round in a row
    improves nothing; a sub-problem already solved on the same incumbent is
    not solved again) or after :data:`MAX_PASSES` rounds. Each sub-problem
    is bounded by :data:`SUBPROBLEM_NODES` nodes, not by time, so the search
    is the same on a quiet or a busy machine; ``deadline`` is only a safety
    net.

    While ``spare()`` says a second core is free, the next sub-problem is
    solved ahead on it, on the same incumbent, while the current one is
    solved: if the current one improves the incumbent, the one ahead is
    cancelled (it was posed on the old incumbent); if not, its answer is the
    one the next step would compute, since each solve is deterministic. So
    the result is the same with or without a spare core; only the wall time
    differs.

    Parameters
    ----------
    model
        The model.
    c
        Objective vector.
    x
        A feasible solution.
    fixed_columns
        For each sub-problem, the columns held at the incumbent.
    deadline
        ``time.perf_counter()`` value after which no sub-problem starts.
    solve
        The solve call.
    spare
        Whether a second core is free now (:func:`spare_core`); ``None``:
        every sub-problem is solved in turn on the caller's thread.

    Returns
    -------
    tuple[numpy.ndarray, bool]
        The best solution found, and whether the deadline cut the search short.
    """
    best = np.asarray(x, dtype=float).copy()
    value = float(c @ best)
    n = len(fixed_columns)
    steps = MAX_PASSES * n
    ahead: dict[int, tuple[Background[Outcome], threading.Event]] = {}

    def posed(step: int) -> Milp:
        cols = fixed_columns[step % n]
        return model.fixed(cols, np.round(best[cols]))

    def launch(step: int, left: float) -> None:
        cancel = threading.Event()
        sub, start = posed(step), best  # the incumbent now: replaced, never changed in place

        def call() -> Outcome:
            return solve(sub, c, left, 0.0, start, SUBPROBLEM_NODES, cancel=cancel)

        ahead[step] = (Background(call), cancel)

    def drop() -> None:
        for _, cancel in ahead.values():
            cancel.set()
        for job, _ in ahead.values():
            job.join()  # no solver thread outlives the step
        ahead.clear()

    # a sub-problem is determined by the incumbent, and the solve is deterministic:
    # the search ends once every group has been tried on the current incumbent
    # (a pass that improves nothing), without solving again what was solved
    since = 0  # sub-problems solved since the incumbent last changed
    try:
        for step in range(steps):
            if since >= n:
                break
            left = deadline - time.perf_counter()
            if left <= 0:
                return best, True
            stage("progress.groups", step=step + 1, value=round(value))
            following = step + 1
            if (
                spare is not None
                and since + 1 < n  # the following step is needed unless this one improves
                and following < steps
                and following not in ahead
                and spare()
            ):
                launch(following, left)
            if step in ahead:
                res = ahead.pop(step)[0].result()
            else:
                res = solve(posed(step), c, left, 0.0, best, SUBPROBLEM_NODES)
            if res.termination == Termination.LIMIT:
                return best, True
            since += 1
            if res.x is not None and float(c @ res.x) < value - 1e-9:
                drop()  # solved ahead on the old incumbent
                best, value = np.asarray(res.x, dtype=float), float(c @ res.x)
                # the group that improved keeps its fixed part: proven optimal, it is
                # done on the new incumbent; stopped by its node budget, it may go on
                since = 1 if res.termination == Termination.OPTIMAL else 0
        return best, False
    finally:
        drop()


def search_deeper(
    model: Milp, c: FloatArray, start: FloatArray, nodes: int, deadline: float, gap: float
) -> tuple[FloatArray, bool]:
    """Search the whole model once more from a plan, with HiGHS's own heuristics kept.

    A neighbourhood search stops where no group of sites alone can improve
    the plan; HiGHS's sub-MIPs (RINS, RENS) change sites anywhere at once.
    Bounded by ``nodes`` (HiGHS counts its sub-MIPs' work in nodes and simplex
    iterations, not time), so the plan is the same on every machine;
    ``deadline`` is only a safety net.

    Parameters
    ----------
    model
        The model whose plans are sought (its rows hold every plan returned).
    c
        Objective vector.
    start
        A feasible solution to start from.
    nodes
        Branch-and-bound nodes the search may explore.
    deadline
        ``time.perf_counter()`` value after which it does not start, or stops.
    gap
        Relative gap at which HiGHS may stop early.

    Returns
    -------
    tuple[numpy.ndarray, bool]
        The cheaper solution found (else ``start``), and whether the deadline
        cut the search short.
    """
    left = deadline - time.perf_counter()
    if left <= 0:
        return start, True
    stage("progress.deeper", nodes=0, limit=nodes, value=round(float(c @ start)))
    res = solve_milp(model, c, left, gap, start, nodes, heuristics=True, said="progress.deeper")
    cut = res.termination == Termination.LIMIT
    if res.x is not None and float(c @ res.x) < float(c @ start) - 1e-9:
        return np.asarray(res.x, dtype=float), cut
    return start, cut


def final_outcome(res: Outcome, start: FloatArray | None, c: FloatArray, cut: bool) -> Outcome:
    """Settle the final search of a work-bounded strategy.

    Keeps ``start`` (the neighbourhood search's plan) when the final search
    returned nothing better, as stopped by its limit (time or work), and marks
    the outcome time-limited when the safety net ``cut`` an earlier step.
    """
    if start is not None and (res.x is None or float(c @ res.x) > float(c @ start) + 1e-9):
        kept = (
            Termination.LIMIT if res.termination == Termination.LIMIT else Termination.WORK_LIMIT
        )
        res = replace(res, x=start, termination=kept)
    if cut:
        res = replace(res, termination=Termination.LIMIT)
    return res
