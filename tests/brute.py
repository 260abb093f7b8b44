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


def _allowed(
    minutes: FloatArray, capacity: FloatArray, n_existing: int, limits: tuple[float, float]
) -> tuple[FloatArray, npt.NDArray[np.bool_], list[tuple[int, int]]]:
    """Today's travel to the nearest existing site, the allowed pairs as a mask and a list.

    A pair is allowed within ``limit`` minutes, at most ``tolerance`` beyond
    the settlement's nearest existing site, and to an open site.
    """
    limit, tolerance = limits
    n_i, n_j = minutes.shape
    today = minutes[:, :n_existing].min(axis=1)
    ok = (minutes <= limit + 1e-9) & (minutes <= today[:, None] + tolerance + 1e-9)
    ok &= capacity[None, :] > 0
    return today, ok, [(i, j) for i in range(n_i) for j in range(n_j) if ok[i, j]]


def _district_rule_feasible(
    minutes: FloatArray,
    demand: FloatArray,
    capacity: FloatArray,
    district: Sequence[str],
    n_existing: int,
    limits: tuple[float, float],
) -> bool:
    """Whether all demand can be served under the closest-assignment rule's district part.

    Pairs within ``limit`` minutes and at most ``tolerance`` beyond the
    settlement's nearest existing site; every district's mean travel at most
    its mean travel to the nearest existing site today (when that is under the
    limit) and at most ``tolerance`` beyond its mean travel to the nearest
    open site. A feasibility LP over the pairs.
    """
    limit, tolerance = limits
    n_i, n_j = minutes.shape
    nearest = np.where(capacity[None, :] > 0, minutes, np.inf).min(axis=1)
    today, ok, pairs = _allowed(minutes, capacity, n_existing, limits)
    if any(not ok[i].any() for i in range(n_i)):
        return False
    a_eq = np.zeros((n_i, len(pairs)))
    a_ub = np.zeros((n_j, len(pairs)))
    for p, (i, j) in enumerate(pairs):
        a_eq[i, p] = 1.0
        a_ub[j, p] = 1.0
    rows, rhs = [a_ub], [capacity]
    for name in sorted(set(district)):
        members = np.array([d == name for d in district])
        weight = demand[members].sum()
        # today: its settlements with a road path to a shelter today, held to their mean
        known = members & np.isfinite(today)
        if demand[known].sum() > 0:
            mean = (demand[known] * today[known]).sum() / demand[known].sum()
            if mean < limit:  # beyond the limit: the limit already holds the district
                row = np.array([(minutes[i, j] - mean) if known[i] else 0.0 for i, j in pairs])
                rows.append(row[None, :])
                rhs.append(np.array([0.0]))
        near = (demand[members] * nearest[members]).sum() / weight + tolerance
        if near <= limit:
            row = np.array([(minutes[i, j] - near) if members[i] else 0.0 for i, j in pairs])
            rows.append(row[None, :])
            rhs.append(np.array([0.0]))
    res = linprog(
        np.zeros(len(pairs)),
        A_ub=np.vstack(rows),
        b_ub=np.concatenate(rhs),
        A_eq=a_eq,
        b_eq=demand,
        bounds=(0, None),
        method="highs",
    )
    return bool(res.status == 0)


def district_rule_optimum(
    minutes: FloatArray,
    demand: FloatArray,
    existing: FloatArray,
    district: Sequence[str],
    options: tuple[Sequence[float], Sequence[float]],
    limits: tuple[float, float],
) -> tuple[float, tuple[float, ...]]:
    """Cheapest sizes serving all demand under the district rule (:func:`_district_rule_feasible`).

    ``options`` are the sizes every candidate may have and their costs;
    ``existing`` the capacities of the existing sites (the first columns of
    ``minutes``), always open. Returns the cost and each candidate's capacity.
    """
    sizes, costs = options
    n_e = len(existing)
    best: float = math.inf
    arg: tuple[float, ...] = ()
    n_c = minutes.shape[1] - n_e
    for choice in itertools.product(range(-1, len(sizes)), repeat=n_c):
        cost = sum(0.0 if k < 0 else costs[k] for k in choice)
        if cost >= best - 1e-9:
            continue
        built = tuple(0.0 if k < 0 else float(sizes[k]) for k in choice)
        capacity = np.concatenate([existing, built])
        if capacity.sum() < demand.sum() - 1e-9:
            continue
        if _district_rule_feasible(minutes, demand, capacity, district, n_e, limits):
            best, arg = cost, built
    return best, arg


def _most_served_keeping_today(
    minutes: FloatArray,
    demand: FloatArray,
    capacity: FloatArray,
    district: Sequence[str],
    n_existing: int,
    limits: tuple[float, float],
) -> float:
    """The most demand served with no district's mean travel above today's (an LP).

    Pairs within ``limit`` minutes and at most ``tolerance`` beyond the
    settlement's nearest existing site; each district whose mean travel today
    (to the nearest existing site) is within the limit keeps the mean travel
    of the demand it gets served at most that.
    """
    limit = limits[0]
    n_i, n_j = minutes.shape
    today, _, pairs = _allowed(minutes, capacity, n_existing, limits)
    if not pairs:
        return 0.0
    rows, rhs = [], []
    for i in range(n_i):
        rows.append([1.0 if p[0] == i else 0.0 for p in pairs])
        rhs.append(demand[i])
    for j in range(n_j):
        rows.append([1.0 if p[1] == j else 0.0 for p in pairs])
        rhs.append(capacity[j])
    for name in sorted(set(district)):
        members = np.array([d == name for d in district]) & np.isfinite(today)
        if demand[members].sum() <= 0:
            continue
        mean = float((demand[members] * today[members]).sum() / demand[members].sum())
        if mean <= limit:
            rows.append([(minutes[i, j] - mean) if members[i] else 0.0 for i, j in pairs])
            rhs.append(0.0)
    res = linprog(
        -np.ones(len(pairs)),
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=(0, None),
        method="highs",
    )
    return float(-res.fun) if res.status == 0 and res.fun is not None else 0.0


def coverage_rule_optimum(
    minutes: FloatArray,
    demand: FloatArray,
    existing: FloatArray,
    district: Sequence[str],
    options: tuple[Sequence[float], int],
    limits: tuple[float, float],
) -> float:
    """Most demand served by at most ``options[1]`` new sites, no district worse off than today.

    ``options`` are the sizes every candidate may have and the number of new
    sites allowed; ``existing`` the capacities of the existing sites (the
    first columns of ``minutes``), always open. Every choice of sizes is
    enumerated and its assignment solved (:func:`_most_served_keeping_today`).
    """
    sizes, most = options
    n_e = len(existing)
    best = 0.0
    for choice in itertools.product(range(-1, len(sizes)), repeat=minutes.shape[1] - n_e):
        if sum(k >= 0 for k in choice) > most:
            continue
        built = [0.0 if k < 0 else float(sizes[k]) for k in choice]
        capacity = np.concatenate([existing, built])
        best = max(
            best, _most_served_keeping_today(minutes, demand, capacity, district, n_e, limits)
        )
    return best
