"""Solve strategies shared by the location models.

The formulations (:mod:`planner.locate.siting`, :mod:`planner.locate.services`)
say *what* is optimised; these functions say *how* a hard instance is solved
fast and exactly: merging settlements that no constraint tells apart, finding
the groups of settlements whose demand only a known set of sites can take
(valid capacity rows), and improving a solution one region at a time (a
large-neighbourhood search).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner.locate._milp import (
    BoolArray,
    FloatArray,
    IntArray,
    Milp,
    Outcome,
    Termination,
    integral_bound,
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
    "region_codes",
]

SolveFn = Callable[[Milp, FloatArray, float, float, FloatArray | None, int | None], Outcome]
"""``solve(model, c, time_limit, gap, start, node_limit)``, as
:func:`~planner.locate._milp.solve_milp`."""

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


def improve_by_groups(
    model: Milp,
    c: FloatArray,
    x: FloatArray,
    fixed_columns: Sequence[IntArray],
    deadline: float,
    solve: SolveFn,
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

    Returns
    -------
    tuple[numpy.ndarray, bool]
        The best solution found, and whether the deadline cut the search short.
    """
    best = np.asarray(x, dtype=float).copy()
    value = float(c @ best)
    n = len(fixed_columns)
    # a sub-problem is determined by the incumbent, and the solve is deterministic:
    # the search ends once every group has been tried on the current incumbent
    # (a pass that improves nothing), without solving again what was solved
    since = 0  # sub-problems solved since the incumbent last changed
    for step in range(MAX_PASSES * n):
        if since >= n:
            break
        left = deadline - time.perf_counter()
        if left <= 0:
            return best, True
        cols = fixed_columns[step % n]
        sub = model.fixed(cols, np.round(best[cols]))
        res = solve(sub, c, left, 0.0, best, SUBPROBLEM_NODES)
        if res.termination == Termination.LIMIT:
            return best, True
        since += 1
        if res.x is not None and float(c @ res.x) < value - 1e-9:
            best, value = np.asarray(res.x, dtype=float), float(c @ res.x)
            # the group that improved keeps its fixed part: proven optimal, it is
            # done on the new incumbent; stopped by its node budget, it may go on
            since = 1 if res.termination == Termination.OPTIMAL else 0
    return best, False


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
