"""Small random MILPs for the solver tests: hand-sized, seeded, solved to optimality in moments."""

from __future__ import annotations

import numpy as np

from planner.locate._milp import FloatArray, Milp, MilpBuilder


def facility_location(
    seed: int, n: int = 40, m: int = 15, *, travel: bool = False
) -> tuple[Milp, FloatArray]:
    """A random capacitated facility location with whole opening costs.

    ``n`` demand points (1-9 units each) served by ``m`` sites (15-39 units,
    opening cost 10-29): ``y`` (``m`` columns) then the flows ``x`` (``n*m``,
    point-major). Cutting planes raise its bound. ``travel`` adds a cost per
    unit of flow (0-2) so that which site serves whom matters too.
    """
    rng = np.random.default_rng(seed)
    d = rng.integers(1, 10, n).astype(float)
    cap = rng.integers(15, 40, m).astype(float)
    b = MilpBuilder()
    y = b.add_variables("y", m, ub=1.0, integer=True)
    x = b.add_variables("x", n * m, ub=np.repeat(d, m))
    for i in range(n):
        b.add_row("demand", x.cols[i * m : (i + 1) * m], 1.0, float(d[i]), float(d[i]))
    for j in range(m):
        coef = np.r_[np.ones(n), -cap[j]]
        b.add_row("capacity", np.r_[x.cols[j::m], y.cols[j]], coef, -np.inf, 0.0)
    c = np.zeros(m + n * m)
    c[y.cols] = rng.integers(10, 30, m)
    if travel:
        c[x.cols] = rng.uniform(0.0, 2.0, n * m)
    return b.build(), c
