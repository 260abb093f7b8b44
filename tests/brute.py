"""Brute force for small siting instances: every choice of sites, each assignment solved apart.

Independent of the planner's MILP code: the sites' sizes are enumerated with
itertools, a split assignment is a transport LP solved by ``scipy.optimize.linprog``,
and a single-source assignment is enumerated settlement by settlement.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

FloatArray = npt.NDArray[np.float64]


def least_travel(
    minutes: FloatArray, demand: FloatArray, capacity: FloatArray, *, single_source: bool
) -> float:
    """Least demand-weighted travel serving all demand within capacity (``inf`` if none)."""
    n_i, n_j = minutes.shape
    if single_source:
        best = math.inf
        options = [
            [j for j in range(n_j) if math.isfinite(minutes[i, j]) and capacity[j] > 0]
            for i in range(n_i)
        ]
        for choice in itertools.product(*options):
            load = np.bincount(choice, weights=demand, minlength=n_j) if n_i else np.zeros(n_j)
            if (load <= capacity + 1e-9).all():
                best = min(
                    best, float(sum(demand[i] * minutes[i, j] for i, j in enumerate(choice)))
                )
        return best
    pairs = [(i, j) for i in range(n_i) for j in range(n_j) if math.isfinite(minutes[i, j])]
    if not pairs:
        return 0.0 if demand.sum() == 0 else math.inf
    c = np.array([minutes[i, j] for i, j in pairs])
    a_eq = np.zeros((n_i, len(pairs)))
    a_ub = np.zeros((n_j, len(pairs)))
    for k, (i, j) in enumerate(pairs):
        a_eq[i, k] = 1.0
        a_ub[j, k] = 1.0
    res = linprog(c, A_ub=a_ub, b_ub=capacity, A_eq=a_eq, b_eq=demand, method="highs")
    return float(res.fun) if res.status == 0 and res.fun is not None else math.inf


def fixed_charge_optimum(
    minutes: FloatArray,
    demand: FloatArray,
    sizes: Sequence[Sequence[float]],
    costs: Sequence[Sequence[float]],
    weight: float,
    *,
    single_source: bool = False,
) -> tuple[float, tuple[int, ...]]:
    """Best opening cost + ``weight`` x travel over every choice of sizes (no existing sites).

    ``sizes[j]`` and ``costs[j]`` are the sizes candidate ``j`` may have; the
    returned choice gives each candidate's size index, -1 for closed.
    """
    best: float = math.inf
    arg: tuple[int, ...] = ()
    for choice in itertools.product(*[range(-1, len(s)) for s in sizes]):
        capacity = np.array([0.0 if k < 0 else sizes[j][k] for j, k in enumerate(choice)])
        cost = sum(0.0 if k < 0 else costs[j][k] for j, k in enumerate(choice))
        travel = least_travel(minutes, demand, capacity, single_source=single_source)
        total = cost + weight * travel
        if total < best - 1e-9:
            best, arg = total, tuple(choice)
    return best, arg
