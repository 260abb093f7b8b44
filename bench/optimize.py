"""Benchmark: the national coe-minimum scenario, and the planner's solver against spopt/PuLP/CBC.

1. The full coe-minimum scenario (all settlements, all candidates, capacitated,
   three sizes, one shelter per region): model build and solve seconds, status,
   objective, bound and gap.
2. A model spopt has too - capacitated set covering (spopt's LSCP with demand
   quantities and facility capacities: the fewest sites of one size, 40 family
   places, that serve all demand within 120 minutes; the existing shelters
   predefined) - on the same cost matrix, solved by the planner (HiGHS) and by
   spopt through PuLP with CBC, in the same run, with the ratio of the times.

    python bench/optimize.py [--time-limit 300] [--cbc-limit 600]

Targets (issue 4): coe-minimum optimal within a 0.5 % gap in under 60 s, and at
least 5x faster than the spopt route. Issue 11 adds the closest-assignment rule
and a work-bounded (deterministic) search: the time limit is a safety net only.
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace

import numpy as np

from planner.data import load_default
from planner.locate import (
    ObjectiveOptions,
    SitingModel,
    SitingOptions,
    SolverOptions,
    SupplyOptions,
    TargetOptions,
    check_solution,
)
from planner.network import travel_matrix
from planner.planning import plan
from planner.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--time-limit", type=float, default=300.0, help="HiGHS safety-net time limit (s)"
    )
    parser.add_argument("--cbc-limit", type=float, default=600.0, help="CBC time limit (s)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    ds = load_default()

    scenario = load_scenario("coe-minimum")
    scenario = replace(scenario, solver=replace(scenario.solver, time_limit_s=args.time_limit))
    t0 = time.perf_counter()
    p = plan(ds, scenario)
    total = time.perf_counter() - t0
    s = p.summary
    print("== coe-minimum, national")
    print(
        f"status {s['status']}, objective {s['objective_value']}, bound {s['bound']}, "
        f"gap {s['mip_gap']:.2%}; build {s['build_seconds']} s, solve {s['solve_seconds']} s, "
        f"whole plan {total:.1f} s; {s['new_sites']} new sites, served {s['served_share']:.2%}; "
        f"independent check: {'ok' if not p.violations else p.violations}"
    )

    # --- the same capacitated set-covering model in both tools ----------------------
    sites = np.concatenate([ds.shelters.geometry.to_numpy(), ds.candidates.geometry.to_numpy()])
    import geopandas as gpd

    site_gdf = gpd.GeoDataFrame(geometry=sites, crs="EPSG:4326")
    minutes = travel_matrix(ds.network, ds.settlements, site_gdf, warn_beyond_m=np.inf) / 60
    demand = ds.settlements["population"].to_numpy(float) / 10_000
    keep = (minutes <= 120).any(axis=1) & (demand > 0)
    minutes, demand = minutes[keep], demand[keep]
    existing = ds.shelters["capacity_places"].to_numpy(float) / 1.7
    n_e = len(existing)
    print(
        f"\n== capacitated set covering: {len(demand)} settlements x {minutes.shape[1]} sites, "
        "one size of 40 family places, 120 min"
    )
    model = SitingModel(
        minutes,
        demand,
        existing,
        options=SitingOptions(
            targets=TargetOptions(one_per_region=False),
            supply=SupplyOptions(sizes=(40.0,), size_costs=(1.0,)),
            objective=ObjectiveOptions(type="min_cost", tie_break="none"),
            solver=SolverOptions(time_limit_s=args.cbc_limit, mip_gap=1e-4),
        ),
    )
    t0 = time.perf_counter()
    ours = model.solve()
    ours_s = time.perf_counter() - t0
    print(
        f"planner (HiGHS): {ours_s:.2f} s, status {ours.status}, sites {ours.objective:g} "
        f"(+{n_e} existing), check: {'ok' if not check_solution(model, ours) else 'FAILED'}"
    )

    try:
        import pulp
        from spopt.locate import LSCP
    except ImportError:
        print("spopt/pulp not installed: pip install spopt")
        return
    cost = np.where(np.isfinite(minutes), minutes, 1e6)
    capacity = np.concatenate([existing, np.full(minutes.shape[1] - n_e, 40.0)])
    t0 = time.perf_counter()
    ref = LSCP.from_cost_matrix(
        cost,
        service_radius=120.0,
        predefined_facilities_arr=np.arange(minutes.shape[1]) < n_e,
        demand_quantity_arr=demand,
        facility_capacity_arr=capacity,
    )
    build_ref = time.perf_counter() - t0
    try:
        ref.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=int(args.cbc_limit)))
        status = pulp.LpStatus[ref.problem.status]
        value = ref.problem.objective.value()
    except RuntimeError as exc:
        status, value = f"not solved ({exc})", float("nan")
    ref_s = time.perf_counter() - t0
    print(
        f"spopt LSCP + PuLP/CBC: build {build_ref:.2f} s, build+solve {ref_s:.2f} s, "
        f"status {status}, facilities {value}"
    )
    print(f"ratio (spopt / planner): {ref_s / ours_s:.1f}x  (target >= 5x)")


if __name__ == "__main__":
    main()
