"""Benchmark: what the exact district search costs and gives on small regions.

On a small model (settlements x candidates at most ``solver.exact_district_size``,
default 2,500) a shelter plan whose district repair is not proven within the gap
is searched again with the district rule written in exactly
(``planner/locate/_exact.py``). This plans synthetic regions (settlements and
candidate sites scattered on a 200 x 200 km square, travel at 0.8 min per km, a
square grid of districts, two existing shelters of 5 places, sizes of 5, 10 and
20 places at costs 6, 10 and 17, the 15-minute rule; fixed seeds) with the search
whatever their size and without it (``exact_district_size = 0``), the baseline
measured in the same run, and prints each plan's cost, bound, status and time, the
ratio of the times, and whether the default size takes the search.

    python bench/exact_search.py

Not a test: it takes a few minutes. The README quotes its figures.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np

from planner.locate import (
    ObjectiveOptions,
    SitingModel,
    SitingOptions,
    SolverOptions,
    SupplyOptions,
    TargetOptions,
)
from planner.locate.result import PlanResult

#: (settlements, candidates, districts, seed) of each synthetic region.
REGIONS = [(40, 8, 4, 1), (60, 10, 9, 1), (80, 12, 9, 0), (100, 20, 9, 1), (100, 20, 9, 3),
           (120, 15, 16, 120), (250, 25, 16, 250)]  # fmt: skip


def region(n_i: int, n_c: int, n_d: int, seed: int) -> SitingModel:
    """A synthetic region's cheapest-plan model (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    places = rng.uniform(0, 200, size=(n_i, 2))
    sites = rng.uniform(0, 200, size=(2 + n_c, 2))
    minutes = np.sqrt(((places[:, None, :] - sites[None, :, :]) ** 2).sum(-1)) * 0.8
    demand = rng.uniform(0.02, 1.5, size=n_i).round(3)
    side = 200 / int(n_d**0.5)
    district = np.array([str(int(x // side) * 10 + int(y // side)) for x, y in places])
    options = SitingOptions(
        targets=TargetOptions(max_travel_min=120.0, one_per_region=False,
                              nearest_tolerance_min=15.0),
        supply=SupplyOptions(sizes=(5.0, 10.0, 20.0), size_costs=(6.0, 10.0, 17.0)),
        objective=ObjectiveOptions(type="min_cost", tie_break="travel"),
        solver=SolverOptions(time_limit_s=300.0),
    )  # fmt: skip
    return SitingModel(minutes, demand, np.array([5.0, 5.0]), options=options,
                       demand_district=district)  # fmt: skip


def _sized(model: SitingModel, size: int) -> SitingModel:
    """The model with ``solver.exact_district_size`` set to ``size``."""
    solver = replace(model.options.solver, exact_district_size=size)
    return replace(model, options=replace(model.options, solver=solver))


def _timed(model: SitingModel) -> tuple[PlanResult, float]:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = model.solve()
    return r, time.perf_counter() - t0


def main() -> None:
    """Plan every region with and without the exact search and print both."""
    print("region (settlements x candidates, seed): with the exact search | without (baseline)")
    for n_i, n_c, n_d, seed in REGIONS:
        model = region(n_i, n_c, n_d, seed)
        base, base_s = _timed(_sized(model, 0))
        got, got_s = _timed(_sized(model, n_i * n_c))
        default = n_i * n_c <= SolverOptions().exact_district_size
        searched = any(getattr(m, "key", "").startswith("message.exact") for m in got.messages)

        def said(r: PlanResult, s: float) -> str:
            return f"{r.status} {r.cost:g} (bound {r.bound:g}) {s:.1f} s"

        print(
            f"{n_i} x {n_c} ({seed}): {said(got, got_s)} | {said(base, base_s)}; "
            f"searched: {'yes' if searched else 'no'}; ratio {got_s / max(base_s, 1e-9):.2f}; "
            f"by default: {'yes' if default else 'no'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
